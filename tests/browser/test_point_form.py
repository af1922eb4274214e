"""The mätpunkt form shows only the chosen kind's fields with script, and every field
without; what is typed is saved either way."""

import re

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from associations.models import Association
from plans.models import MeasurementPoint, Plan
from tests.browser.conftest import assert_no_axe_violations, login

pytestmark = pytest.mark.browser

SLUG = "ostra-varmland"


def draft_points_url(base) -> tuple[Plan, str]:
    with scopes_disabled():
        association = Association.objects.get(slug=SLUG)
        plan = Plan.objects.filter(association=association, status=Plan.Status.DRAFT).get()
    return plan, f"{base}/f/{SLUG}/plans/{plan.pk}/points/new/"


def first_goal(page) -> None:
    goal = page.locator("#id_parent optgroup[label='Mål'] option").first.get_attribute("value")
    page.get_by_label("Hör till").select_option(goal)


def test_with_script_only_the_kinds_fields_show(page, full_demo):
    plan, url = draft_points_url(full_demo)
    login(page, full_demo, f"{SLUG}-kansli")
    page.goto(url)
    page.locator("#id_kind").select_option("milestone")
    expect(page.locator("#div_id_deadline")).to_be_visible()
    expect(page.locator("#div_id_target_count")).to_be_hidden()
    expect(page.locator("#div_id_outcome_work")).to_be_hidden()
    page.locator("#id_kind").select_option("count_floor")
    expect(page.locator("#div_id_target_count")).to_be_visible()
    expect(page.locator("#div_id_counted_interventions")).to_be_visible()
    expect(page.locator("#div_id_deadline")).to_be_hidden()
    assert_no_axe_violations(page)

    first_goal(page)
    page.locator("#id_text").fill("Minst 40 deltagare i Stegen")
    page.locator("#id_target_count").fill("40")
    page.locator("main form [type='submit']").first.click()
    expect(page).to_have_url(re.compile(rf"/f/{SLUG}/plans/{plan.pk}/#point-\d+$"))
    point = saved(plan)
    assert (point.kind, point.target_count) == ("count_floor", 40)
    assert page.url.endswith(f"#point-{point.pk}")


def test_without_script_every_field_shows_and_saves(browser, full_demo):
    context = browser.new_context(locale="sv-SE", java_script_enabled=False)
    page = context.new_page()
    try:
        plan, url = draft_points_url(full_demo)
        login(page, full_demo, f"{SLUG}-kansli")
        page.goto(url)
        for name in ("deadline", "target_count", "outcome_work", "direction"):
            expect(page.locator(f"#div_id_{name}")).to_be_visible()
        first_goal(page)
        page.locator("#id_text").fill("Minst 40 deltagare i Stegen")
        page.locator("#id_kind").select_option("count_floor")
        page.locator("#id_target_count").fill("40")
        page.locator("main form [type='submit']").first.click()
        expect(page).to_have_url(re.compile(rf"/f/{SLUG}/plans/{plan.pk}/#point-\d+$"))
        assert saved(plan).target_count == 40
    finally:
        context.close()


def saved(plan) -> MeasurementPoint:
    with scopes_disabled():
        return MeasurementPoint.objects.get(plan=plan, text="Minst 40 deltagare i Stegen")
