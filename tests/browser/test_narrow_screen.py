"""On a phone (390 × 844): the plan's title and actions come first, its contents fold
away behind a button, a wide table scrolls in its own box; axe finds nothing, folded or
open. (``scripts/check_html.py`` measures every page shape at this width in CI.)"""

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from associations.models import Association
from plans.models import Plan
from tests.browser.conftest import assert_no_axe_violations, login

pytestmark = pytest.mark.browser

SLUG = "samspelet"
PHONE = {"width": 390, "height": 844}


def test_the_plan_page_on_a_phone(page, full_demo):
    demo = full_demo
    page.set_viewport_size(PHONE)
    with scopes_disabled():
        plan = Plan.objects.filter(association=Association.objects.get(slug=SLUG)).first()
    login(page, demo, f"{SLUG}-styrelse")
    page.goto(f"{demo}/f/{SLUG}/plans/{plan.pk}/")
    title = page.locator("h1")
    expect(title).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    contents = page.locator("details", has=page.locator("summary", has_text="Innehåll"))
    expect(contents.locator("ol.toc")).to_be_hidden()
    assert_no_axe_violations(page)

    contents.locator("summary").click()
    expect(contents.locator("ol.toc")).to_be_visible()
    assert_no_axe_violations(page)
    contents.locator("a", has_text="Insatser").first.click()
    expect(page.locator("#interventions")).to_be_in_viewport()
