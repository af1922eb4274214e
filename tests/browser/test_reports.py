"""The annual report in Chromium: the kansli drafts it in place, with 0 axe violations."""

import re

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from budgets.demo import load_demo_outcome
from followup.demo import load_demo_followup
from reports.models import AnnualReport, GoalResult, InterventionResult, ReportSection
from tests.browser.conftest import assert_no_axe_violations, login
from tests.browser.test_budgets import load_budget

pytestmark = pytest.mark.browser
NV = "norra-vastmanland"


def first(model, report):
    with scopes_disabled():
        return model.objects.filter(report=report).order_by("order", "pk").first()


def save_form(page):
    assert_no_axe_violations(page)
    page.locator("main form [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/reports/\d+/(#.*)?$"))


def test_kansli_drafts_the_report(page, demo):
    plan = load_budget(NV)
    load_demo_outcome(plan)
    load_demo_followup(plan.association, plan)
    login(page, demo, f"{NV}-kansli")
    page.goto(f"{demo}/f/{NV}/plans/")
    page.locator(f"nav a[href='/f/{NV}/reports/']").first.click()
    expect(page).to_have_url(re.compile(rf"/f/{NV}/reports/$"))
    assert_no_axe_violations(page)

    page.locator(f"main a[href='/f/{NV}/reports/new/']").click()
    page.locator("#id_year").fill("2022")
    page.locator("#id_kind").select_option("annual")
    save_form(page)
    with scopes_disabled():
        report = AnnualReport.objects.get(association__slug=NV, year=2022)
    expect(page.locator("h1")).to_contain_text("2022")
    assert_no_axe_violations(page)

    director = first(ReportSection, report)  # "A word from the director", first of two
    page.locator(f"#section-{director.pk} a[href$='/sections/{director.pk}/edit/']").click()
    page.locator("#id_body").fill("Året präglades av **samverkan** mellan huvudmännen.")
    save_form(page)

    goal = first(GoalResult, report)
    page.locator(f"#goal-result-{goal.pk} a[href$='/edit/']").click()
    page.locator("#id_status").select_option("partly")
    page.locator("#id_comment").fill("Målet nåddes nästan; rekryteringen tog tid.")
    save_form(page)

    entry = first(InterventionResult, report)
    page.locator(f"#intervention-result-{entry.pk} a[href$='/edit/']").click()
    page.locator("#id_narrative").fill("Teamet mötte fler deltagare än året innan.")
    save_form(page)

    main = page.locator("main")
    expect(page.locator(f"#section-{director.pk} strong")).to_have_text("samverkan")
    expect(page.locator(f"#goal-result-{goal.pk}")).to_contain_text(
        "Målet nåddes nästan; rekryteringen tog tid."
    )
    expect(page.locator(f"#goal-result-{goal.pk}")).to_contain_text(
        re.compile("Partly reached|Delvis nått")
    )
    expect(page.locator(f"#intervention-result-{entry.pk}")).to_contain_text(
        "Teamet mötte fler deltagare än året innan."
    )
    expect(main).to_contain_text(entry.plan_intervention.name)
    assert_no_axe_violations(page)
