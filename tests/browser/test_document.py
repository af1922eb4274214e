"""The plan as a document in a real browser: a board member of Östra Värmland opens the
approved 2022 plan as one page (axe: 0 violations) and downloads it as PDF."""

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from associations.models import Association
from budgets.demo import load_demo_budget
from plans.demo import load_demo_plan
from tests.browser.conftest import assert_no_axe_violations, login

pytestmark = pytest.mark.browser

SLUG = "ostra-varmland"


def test_board_member_reads_and_downloads_the_approved_plan(page, demo):
    with scopes_disabled():
        plan = load_demo_plan(Association.objects.get(slug=SLUG), before_approval=load_demo_budget)
        load_demo_budget(plan)
    login(page, demo, f"{SLUG}-styrelse")
    page.goto(f"{demo}/f/{SLUG}/plans/{plan.pk}/")
    page.locator(f"a[href$='/plans/{plan.pk}/document/']").click()
    expect(page.locator("h1")).to_have_text("Verksamhetsplan 2022")
    expect(page.locator(".approval-line")).to_contain_text("2021-12-01 §39")
    expect(page.locator("#budget")).to_contain_text("2 172 581")
    assert_no_axe_violations(page)

    link = page.locator(f"nav a[href$='/plans/{plan.pk}/document.pdf']")
    expect(link).to_have_count(1)
    # The first download renders the 19-page plan (and stores it): allow for a busy machine,
    # and wait for it, so the live server is idle when the next test resets the database.
    response = page.context.request.get(link.evaluate("a => a.href"), timeout=120_000)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body()[:5] == b"%PDF-"
