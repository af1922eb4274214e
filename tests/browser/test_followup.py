"""Follow-up in a real browser: a projektledare enters a quarter and submits it, cannot
reach another intervention's form, and the kansli's dashboard then shows the new
figures, the evaluated measurement point and the charts. 0 axe violations throughout."""

import re
import time

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from associations.models import Association
from budgets.demo import load_demo_budget
from followup.demo import load_demo_followup
from followup.models import Measure, QuarterReport
from followup.suppression import LOW_LABEL
from plans.demo import load_demo_plan
from plans.models import Intervention
from tests.browser.conftest import assert_no_axe_violations, login

pytestmark = pytest.mark.browser

SLUG = "samspelet"


def load_samspelet():
    with scopes_disabled():
        association = Association.objects.get(slug=SLUG)
    plan = load_demo_plan(association, before_approval=load_demo_budget)
    load_demo_budget(plan)
    load_demo_followup(association, plan)
    with scope(association=association):
        measures = {m.key: m.pk for m in Measure.objects.filter(association=association) if m.key}
        interventions = {i.name: i.pk for i in Intervention.objects.filter(association=association)}
    return measures, interventions


FIGURES = {
    "new": (8, 7),
    "active": (71, 63),
    "ended": (12, 10),
    "ended_work": (3, 2),
    "ended_studies": (1, 1),
    "freda": (6, 5),
}


def test_projektledare_enters_a_quarter_and_the_kansli_sees_it(page, demo):
    measures, interventions = load_samspelet()
    login(page, demo, f"{SLUG}-projektledare")
    page.goto(f"{demo}/f/{SLUG}/followup/mine/?year=2022")
    expect(page.locator("h1")).to_contain_text("2022")
    assert_no_axe_violations(page)

    started = time.monotonic()
    page.get_by_role("link", name=re.compile("Stegen Kristinehamn, K4 2022")).click()
    expect(page.locator("h1")).to_contain_text("Stegen Kristinehamn: K4 2022")
    # The form starts from last quarter's active participants who did not end.
    assert page.locator(f"#id_m{measures['active']}_women").input_value() != ""
    for key, (women, men) in FIGURES.items():
        page.locator(f"#id_m{measures[key]}_women").fill(str(women))
        page.locator(f"#id_m{measures[key]}_men").fill(str(men))
    page.locator(f"#id_m{measures['consultations']}_all").fill("12")
    assert_no_axe_violations(page)
    page.locator("button[name=submit_quarter]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert time.monotonic() - started < 120
    assert_no_axe_violations(page)
    with scopes_disabled():
        report = QuarterReport.objects.get(
            intervention_id=interventions["Stegen Kristinehamn"], year=2022, quarter=4
        )
        assert report.status == "submitted"

    # Another intervention's form is out of reach.
    response = page.goto(
        f"{demo}/f/{SLUG}/followup/interventions/{interventions['Lärvuxlärling']}/2022/q1/"
    )
    assert response.status == 403

    page.context.clear_cookies()
    login(page, demo, f"{SLUG}-kansli")
    page.goto(f"{demo}/f/{SLUG}/followup/?year=2022")
    section = page.locator("section", has=page.get_by_role("heading", name="Stegen Kristinehamn"))
    row = section.locator("tbody tr").nth(3)
    expect(row).to_contain_text("71")
    expect(row).to_contain_text("63")
    expect(section.locator("svg[role=img]")).to_have_count(1)
    point = page.locator("tr", has_text="Minst 200 kvinnor och män deltar i Stegarna")
    expect(point.locator(".badge")).to_be_visible()
    expect(point).to_contain_text(re.compile(r"\d{3}"))
    assert_no_axe_violations(page)


def test_kansli_pages_and_the_boards_suppressed_dashboard(page, demo):
    _measures, interventions = load_samspelet()
    with scopes_disabled():
        from plans.models import MeasurementPoint

        point = MeasurementPoint.objects.get(text__startswith="Alla parter ska bidra")
    login(page, demo, f"{SLUG}-kansli")
    stegen = interventions["Stegen Karlstad"]
    page.goto(f"{demo}/f/{SLUG}/followup/interventions/{stegen}/2022/q3/")
    expect(page.locator("#actions-heading")).to_be_visible()
    assert_no_axe_violations(page)
    page.locator("button[name=action][value=approve]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert_no_axe_violations(page)
    for path in (
        f"interventions/{stegen}/settings/",
        "measures/new/",
        f"points/{point.pk}/",
        "mine/?year=2022",
    ):
        page.goto(f"{demo}/f/{SLUG}/followup/{path}")
        expect(page.locator("h1")).to_be_visible()
        assert_no_axe_violations(page)

    page.context.clear_cookies()
    login(page, demo, f"{SLUG}-styrelse")
    page.goto(f"{demo}/f/{SLUG}/followup/?year=2022")
    section = page.locator("section", has=page.get_by_role("heading", name="Lärvuxlärling"))
    expect(section.locator("tbody")).to_contain_text(str(LOW_LABEL))
    assert_no_axe_violations(page)
