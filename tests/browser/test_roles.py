"""Every role in a real browser: log in, land in the förbund, use the management
pages, and pass axe-core's WCAG 2.1 AA rules on every page we reach."""

import re

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from associations.models import BoardSeat, MemberParty
from tests.browser.conftest import assert_no_axe_violations, login

pytestmark = pytest.mark.browser

OSTRA = "ostra-varmland"


def nav_manage(page, item):
    """Open the navbar's "Förbundet" dropdown and follow one of its items."""
    nav = page.get_by_role("navigation", name="Huvudmeny")
    nav.get_by_role("button", name="Förbundet").click()
    nav.get_by_role("link", name=item, exact=True).click()


def test_static_files_are_served(demo, page):
    css = page.request.get(f"{demo}/static/vendor/bootstrap/bootstrap.min.css")
    assert css.status == 200, css.status
    page.goto(f"{demo}/accounts/login/")
    background = page.locator("nav.navbar").evaluate("el => getComputedStyle(el).backgroundColor")
    assert background not in ("", "transparent", "rgba(0, 0, 0, 0)"), background


def test_login_page_is_accessible(demo, page):
    page.goto(f"{demo}/accounts/login/")
    expect(page.get_by_role("heading", name="Logga in", level=1)).to_be_visible()
    assert_no_axe_violations(page)


@pytest.mark.parametrize("role", ["kansli", "styrelse", "projektledare", "revisor"])
def test_each_role_lands_on_its_forbund(demo, page, role):
    login(page, demo, f"{OSTRA}-{role}")
    expect(page).to_have_url(f"{demo}/f/{OSTRA}/")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Pernilla Matsson")
    expect(main).to_contain_text("222000-2352")
    assert_no_axe_violations(page)


def test_kansli_management_pages_are_accessible(demo, page):
    login(page, demo, "samspelet-kansli")
    expect(page).to_have_url(f"{demo}/f/samspelet/")

    nav_manage(page, "Uppgifter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ändra förbundets uppgifter")
    assert_no_axe_violations(page)

    nav_manage(page, "Medlemsparter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Medlemsparter")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Lägg till", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lägg till medlemspart")
    assert_no_axe_violations(page)

    # Submitted empty: the server's Swedish messages on the required fields.
    page.get_by_role("button", name="Spara").click()
    expect(page.locator("#div_id_name .invalid-feedback")).to_have_text(
        "Detta fält måste fyllas i."
    )
    expect(page.locator("#div_id_kind .invalid-feedback")).to_have_text(
        "Detta fält måste fyllas i."
    )
    assert_no_axe_violations(page)

    nav_manage(page, "Styrelse")
    expect(page.get_by_role("heading", level=1)).to_have_text("Styrelse")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Lägg till", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lägg till styrelseledamot")
    assert_no_axe_violations(page)

    nav_manage(page, "Kanslikontakter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kanslikontakter")
    assert_no_axe_violations(page)

    nav_manage(page, "Användare")
    expect(page.get_by_role("heading", level=1)).to_have_text("Användare")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Lägg till", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bjud in användare")
    assert_no_axe_violations(page)


def storfors():
    with scopes_disabled():
        return MemberParty.objects.get(association__slug=OSTRA, name="Storfors kommun")


def test_kansli_edits_a_party_and_the_board_through_the_ui(demo, page):
    login(page, demo, f"{OSTRA}-kansli")
    nav_manage(page, "Medlemsparter")
    expect(page).to_have_url(f"{demo}/f/{OSTRA}/parties/")

    # The edit link's visually hidden text names the record.
    page.get_by_role("link", name="Ändra Storfors kommun").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ändra medlemspart")
    page.get_by_label("Befolkning").fill("4000")
    page.get_by_role("button", name="Spara").click()
    expect(page).to_have_url(f"{demo}/f/{OSTRA}/parties/")
    expect(page.get_by_role("status")).to_have_text("Sparat.")
    expect(page.get_by_role("row", name=re.compile("Storfors kommun"))).to_contain_text("4 000")
    assert storfors().population == 4000

    # A deputy for Storfors, through the board form.
    nav_manage(page, "Styrelse")
    page.get_by_role("link", name="Lägg till", exact=True).click()
    page.get_by_label("Namn").fill("Test Ersättare")
    page.get_by_label("Medlemspart").select_option(label="Storfors kommun")
    page.get_by_label("Uppdrag").select_option(label="Ersättare")
    page.get_by_role("button", name="Spara").click()
    expect(page).to_have_url(f"{demo}/f/{OSTRA}/board/")
    expect(page.get_by_role("status")).to_have_text("Sparat.")
    with scopes_disabled():
        seat = BoardSeat.objects.get(association__slug=OSTRA, name="Test Ersättare")
        assert (seat.party.name, seat.seat) == ("Storfors kommun", "ersattare")

    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Översikt").click()
    expect(page).to_have_url(f"{demo}/f/{OSTRA}/")
    board = page.get_by_role("region", name="Styrelse")
    storfors_row = board.get_by_role("row", name=re.compile("^Storfors kommun"))
    expect(storfors_row.get_by_role("cell").nth(2)).to_contain_text("Test Ersättare")
    parties = page.get_by_role("region", name="Medlemsparter")
    expect(parties.get_by_role("row", name=re.compile("Storfors kommun"))).to_contain_text("4 000")

    # A negative population: the Swedish message next to the field, nothing saved.
    nav_manage(page, "Medlemsparter")
    page.get_by_role("link", name="Ändra Storfors kommun").click()
    edit_url = page.url
    population = page.get_by_label("Befolkning")
    population.fill("-5")
    page.get_by_role("button", name="Spara").click()
    error = page.locator("#div_id_population .invalid-feedback")
    expect(error).to_have_text("Kontrollera att detta värde är större än eller lika med 0.")
    expect(population).to_have_attribute("aria-invalid", "true")
    expect(page).to_have_url(edit_url)
    expect(page.get_by_role("status")).to_have_count(0)
    assert storfors().population == 4000
    assert_no_axe_violations(page)


def test_user_of_two_forbund_chooses_one(demo, page):
    login(page, demo, "flera-forbund")
    expect(page).to_have_url(f"{demo}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Välj förbund")
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name="Samordningsförbundet Samspelet")).to_be_visible()
    expect(main.get_by_role("link", name="Samordningsförbundet Östra Värmland")).to_be_visible()
    assert_no_axe_violations(page)


def test_another_forbunds_page_is_not_found(demo, page):
    login(page, demo, f"{OSTRA}-kansli")
    response = page.goto(f"{demo}/f/samspelet/parties/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Sidan hittades inte")
    expect(page.get_by_role("main")).not_to_contain_text("Samspelet")
    assert_no_axe_violations(page)


def test_language_switch_to_english(demo, page):
    login(page, demo, f"{OSTRA}-kansli")
    nav = page.get_by_role("navigation", name="Huvudmeny")
    expect(nav.get_by_role("button", name="Logga ut")).to_be_visible()
    nav.get_by_label("Språk").select_option(label="English")
    nav.get_by_role("button", name="Byt", exact=True).click()
    nav = page.get_by_role("navigation", name="Main menu")
    expect(nav.get_by_role("button", name="Log out")).to_be_visible()
    expect(page).to_have_url(f"{demo}/f/{OSTRA}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_no_axe_violations(page)


def test_an_english_browser_gets_swedish_and_the_choice_follows_the_account(demo, browser):
    """Swedish whatever the browser asks for; a user's English is remembered on the
    account and is there on another device (another browser context, another session)."""
    laptop = browser.new_context(locale="en-US", extra_http_headers={"Accept-Language": "en-US"})
    phone = browser.new_context(locale="sv-SE", viewport={"width": 390, "height": 844})
    try:
        page = laptop.new_page()
        page.goto(f"{demo}/accounts/login/")
        expect(page.locator("html")).to_have_attribute("lang", "sv")
        expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")
        login(page, demo, f"{OSTRA}-kansli")
        expect(page.locator("html")).to_have_attribute("lang", "sv")
        nav = page.get_by_role("navigation", name="Huvudmeny")
        nav.get_by_label("Språk").select_option(label="English")
        nav.get_by_role("button", name="Byt", exact=True).click()
        expect(page.locator("html")).to_have_attribute("lang", "en")

        other = phone.new_page()
        login(other, demo, f"{OSTRA}-kansli")
        expect(other.locator("html")).to_have_attribute("lang", "en")
        expect(other.get_by_role("navigation", name="Main menu")).to_have_count(1)
    finally:
        laptop.close()
        phone.close()


def test_the_platform_administrator_reaches_admin_only_with_the_code(demo, page, settings):
    """A password alone never reaches /admin/: the demo administrator gives the code of
    the published key (README), after a wrong one is refused."""
    from django_otp.oath import totp

    from associations.demo import DEMO_ADMIN_TOTP_KEY

    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the wrong code, then the right one at once
    login(page, demo, "admin")
    page.goto(f"{demo}/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/tvastegs/kod/\?next=/admin/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kod från din app")
    assert_no_axe_violations(page)
    page.get_by_label("Kod").fill("000000")
    page.get_by_role("button", name="Logga in").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("inte den som appen visar")
    page.goto(f"{demo}/admin/")  # still refused
    expect(page).to_have_url(re.compile(r"/accounts/tvastegs/kod/"))
    page.get_by_label("Kod").fill(f"{totp(bytes.fromhex(DEMO_ADMIN_TOTP_KEY)):06d}")
    page.get_by_role("button", name="Logga in").click()
    expect(page).to_have_url(f"{demo}/admin/")
    expect(page.locator("#site-name")).to_be_visible()


def test_two_factor_setup_is_accessible_and_says_why_a_code_is_refused(demo, page):
    login(page, demo, f"{OSTRA}-kansli")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role(
        "link", name="Tvåstegsverifiering"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tvåstegsverifiering")
    expect(page.get_by_role("img", name="QR-kod med nyckeln nedan")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("textbox", name="Kod").fill("123456")
    page.get_by_role("button", name="Slå på tvåstegsverifiering").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("inte den som appen visar")
    assert_no_axe_violations(page)


def test_invitations_the_event_log_and_the_export_are_accessible(demo, page, browser):
    """The kansli invites an address, sees it waiting, reads the Händelselogg and the
    export page; the person opens the link logged out. axe finds nothing on any of them."""
    import re as _re

    from django.core import mail

    login(page, demo, "samspelet-kansli")
    nav_manage(page, "Användare")
    page.get_by_role("link", name="Lägg till", exact=True).click()
    page.get_by_label("E-post").fill("ny.ledamot@example.se")
    page.get_by_label("Förnamn").fill("Ny")
    page.get_by_label("Efternamn").fill("Ledamot")
    page.get_by_label("Roll").select_option("styrelse")
    page.get_by_role("button", name="Skicka inbjudan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbjudningar")
    expect(page.locator("main table")).to_contain_text("ny.ledamot@example.se")
    expect(page.locator("main table")).to_contain_text("Väntar")
    assert_no_axe_violations(page)

    nav_manage(page, "Händelselogg")
    expect(page.get_by_role("heading", level=1)).to_have_text("Händelselogg")
    expect(page.locator("main table")).to_contain_text("ny.ledamot@example.se")
    assert_no_axe_violations(page)

    nav_manage(page, "Exportera all data")
    expect(page.get_by_role("heading", level=1)).to_have_text("Exportera all data")
    assert_no_axe_violations(page)

    link = _re.search(r"https?://[^/\s]+(/inbjudan/[^/\s]+/)", mail.outbox[-1].body).group(1)
    stranger = browser.new_context(locale="sv-SE")
    try:
        other = stranger.new_page()
        other.goto(f"{demo}{link}")
        expect(other.get_by_role("heading", level=1)).to_have_text("Inbjudan till Samspelet")
        assert_no_axe_violations(other)
    finally:
        stranger.close()
