"""The accessibility statement in a real browser: reached from the login page's footer
before logging in; axe finds nothing on it."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_axe_violations

pytestmark = pytest.mark.browser


def test_a_visitor_follows_the_footer_link_to_the_statement(page, demo):
    page.goto(f"{demo}/accounts/login/")
    page.locator("footer a", has_text="Tillgänglighetsredogörelse").click()
    expect(page.locator("h1")).to_have_text("Tillgänglighetsredogörelse")
    expect(page.locator("#brister")).to_be_visible()
    assert_no_axe_violations(page)
