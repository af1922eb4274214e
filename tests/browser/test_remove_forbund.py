"""The platform administrator removes a förbund in a real browser: the password and the
demo administrator's published second factor, the admin's action on the förbund, the
confirmation page (checked with axe), a wrong address refused, the right one removes."""

import re

import pytest
from django_otp.oath import totp
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from associations import services
from associations.demo import DEMO_ADMIN_TOTP_KEY
from associations.models import Association
from tests.browser.conftest import assert_no_axe_violations, login

pytestmark = pytest.mark.browser


def test_the_administrator_removes_an_exported_forbund(demo, page):
    with scopes_disabled():
        insjoriket = Association.objects.get(slug="insjoriket")
    services.association_export_recorded(association=insjoriket)
    login(page, demo, "admin")  # sent on to the code
    page.get_by_label("Kod").fill(f"{totp(bytes.fromhex(DEMO_ADMIN_TOTP_KEY)):06d}")
    page.get_by_role("main").get_by_role("button", name="Logga in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/"))

    page.goto(f"{demo}/admin/associations/association/")
    page.get_by_role("row", name=insjoriket.name).get_by_role("checkbox").check()
    page.locator("select[name='action']").select_option("remove_association")
    page.get_by_role("button", name="Utför").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(insjoriket.name)
    assert_no_axe_violations(page)

    page.get_by_label("Förbundets korta adress").fill("samspelet")
    page.get_by_role("button", name="Ta bort förbundet").click()
    expect(page.locator(".errorlist")).to_be_visible()
    with scopes_disabled():
        assert Association.objects.filter(slug="insjoriket").exists()

    page.get_by_label("Förbundets korta adress").fill("insjoriket")
    page.get_by_role("button", name="Ta bort förbundet").click()
    expect(page.locator(".messagelist")).to_contain_text("Insjöriket")
    with scopes_disabled():
        assert not Association.objects.filter(slug="insjoriket").exists()
        assert Association.objects.filter(slug="samspelet").exists()
