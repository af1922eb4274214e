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


def test_the_board_approves_the_report_and_an_auditor_records_the_statement(page, demo, fake_pdf):
    """Kansli sends the report to the board and records its decision; the report is then
    frozen; the auditor records the auditors' statement, which the report shows."""
    import datetime

    from django.utils import timezone
    from django_scopes import scope

    from associations.models import User
    from reports.services import report_create

    plan = load_budget(NV)
    load_demo_outcome(plan)
    with scope(association=plan.association):
        report = report_create(
            association=plan.association,
            acting_user=User.objects.get(username=f"{NV}-kansli"),
            year=2022,
            kind="annual",
        )
    url = f"{demo}/f/{NV}/reports/{report.pk}/"
    login(page, demo, f"{NV}-kansli")
    page.goto(url)
    page.get_by_role("link", name="Skicka på remiss till styrelsen").click()
    assert_no_axe_violations(page)
    deadline = timezone.localdate() + datetime.timedelta(days=14)
    page.get_by_label("Synpunkter senast").fill(deadline.isoformat())
    page.get_by_role("button", name="Skicka till styrelsen").click()
    expect(page.locator(".alert-success")).to_contain_text("Rapporten har skickats till styrelsen")
    expect(page.get_by_role("link", name="Hämta siffrorna igen")).to_have_count(0)

    page.get_by_role("link", name="Registrera styrelsens beslut").click()
    assert_no_axe_violations(page)
    page.get_by_label("Datum för styrelsemötet").fill("2023-03-16")
    page.get_by_label("Protokollsparagraf (§)").fill("§8")
    page.get_by_role("button", name="Registrera beslutet").click()
    expect(page.locator("main")).to_contain_text("Fastställd av styrelsen 2023-03-16 §8")
    expect(page.locator("main")).to_contain_text("Revisorernas uttalande är inte registrerat ännu")

    page.context.clear_cookies()
    login(page, demo, f"{NV}-revisor")
    page.goto(url)
    page.get_by_role("link", name="Registrera revisorernas uttalande").click()
    assert_no_axe_violations(page)
    page.get_by_label("Datum för uttalandet").fill("2023-04-12")
    page.get_by_label("Revisorerna tillstyrker ansvarsfrihet").check()
    page.get_by_label("Revisorernas uttalande").fill("Vi tillstyrker ansvarsfrihet för 2022.")
    page.get_by_role("button", name="Registrera uttalandet").click()
    statement = page.locator("#auditors-statement")
    expect(statement).to_contain_text(
        "Revisorerna tillstyrker att styrelsen beviljas ansvarsfrihet"
    )
    expect(statement).to_contain_text("Vi tillstyrker ansvarsfrihet för 2022.")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Rapportens historik").click()
    expect(page.locator("main table")).to_contain_text("Revisorernas uttalande")
    assert_no_axe_violations(page)
