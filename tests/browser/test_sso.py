"""Single sign-on in a real browser: the kansli turns on the förbund's own identity
provider (the tests' OpenID Connect provider, started here), and a user of the förbund
then logs in with the login page's button, through the provider and back."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_axe_violations, login
from tests.browser.test_roles import nav_manage
from tests.oidc_provider import LocalIdentityProvider

pytestmark = pytest.mark.browser


@pytest.fixture
def idp():
    provider = LocalIdentityProvider().start()
    yield provider
    provider.stop()


def test_the_kansli_turns_it_on_and_a_user_logs_in_through_it(demo, page, idp, settings):
    settings.SSO_ALLOW_HTTP = True
    login(page, demo, "samspelet-kansli")
    nav_manage(page, "Inloggningstjänst")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggningstjänst")
    expect(page.locator("#redirect-uri")).to_have_text(f"{demo}/accounts/sso/samspelet/callback/")
    assert_no_axe_violations(page)
    page.get_by_label("Utfärdare (issuer)").fill(idp.issuer)
    page.get_by_label("Klient-id").fill(idp.client_id)
    page.get_by_label("Inloggning via förbundets inloggningstjänst").check()
    page.get_by_role("button", name="Spara").click()
    saved = page.get_by_role("status").first
    expect(saved).to_contain_text("Inloggningsinställningarna är sparade")

    page.context.clear_cookies()
    idp.identity = {"sub": "k1", "email": "samspelet-projektledare@demo.example"}
    page.goto(f"{demo}/accounts/login/")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Samspelets testinloggning").click()
    expect(page).to_have_url(f"{demo}/f/samspelet/")
    expect(page.get_by_role("main")).to_contain_text("Samspelet")

    page.context.clear_cookies()
    idp.identity = {"sub": "k2", "email": "ingen@demo.example"}
    page.goto(f"{demo}/accounts/login/")
    page.get_by_role("link", name="Samspelets testinloggning").click()
    expect(page).to_have_url(f"{demo}/accounts/login/")
    expect(page.get_by_role("status").first).to_contain_text("Be förbundets kansli om en inbjudan")
