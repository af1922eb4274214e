"""Kansli reads the year's outcome from the finance system's SIE file into Norra
Västmanland 2022 and sees budget against outcome per line, with the deviations."""

import json

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from budgets.demo import demo_sie_file
from budgets.outcome import mapping_save
from tests.browser.conftest import assert_no_axe_violations, login
from tests.browser.test_budgets import load_budget

pytestmark = pytest.mark.browser
NBSP = "\u00a0"
NV = "norra-vastmanland"


def map_accounts_except(plan, account: str) -> None:
    """Last year's mapping, as the förbund keeps it, but for one account."""
    sample = demo_sie_file(NV, 2022)
    with scope(association=plan.association):
        for item in json.loads(sample.with_suffix(".mapping.json").read_text(encoding="utf-8")):
            if item["accounts"] != account:
                mapping_save(
                    association=plan.association,
                    acting_user=None,
                    accounts=item["accounts"],
                    line_name=item["line"],
                )


def test_kansli_imports_the_sie_file_and_sees_budget_against_outcome(page, demo):
    plan = load_budget(NV)
    map_accounts_except(plan, "4011")
    login(page, demo, f"{NV}-kansli")
    page.goto(f"{demo}/f/{NV}/budgets/plans/{plan.pk}/")
    page.get_by_role("link", name="Budget mot utfall 2022").click()
    expect(page.locator("main")).to_contain_text("Inget utfall har angetts för 2022 ännu.")
    page.get_by_role("link", name="Läs in från ekonomisystemet (SIE)").click()
    assert_no_axe_violations(page)

    # A file for another organisation: refused with its line, nothing read.
    other = demo_sie_file(NV, 2022).read_bytes().replace(b"222000-1875", b"222000-9999")
    page.get_by_label("SIE-fil (typ 4)").set_input_files(
        files=[{"name": "annan.se", "mimeType": "text/plain", "buffer": other}]
    )
    page.get_by_role("button", name="Läs in filen").click()
    expect(page.locator(".alert-danger")).to_contain_text("inte 222000-1875")

    page.get_by_label("SIE-fil (typ 4)").set_input_files(str(demo_sie_file(NV, 2022)))
    page.get_by_role("button", name="Läs in filen").click()
    # The one account without a line is listed with its sum, and gets one.
    expect(page.locator("h1")).to_have_text("Konton utan budgetrad")
    expect(page.locator("main")).to_contain_text(f"1{NBSP}561{NBSP}200{NBSP}kr")
    assert_no_axe_violations(page)
    page.get_by_label("Budgetrad för konto 4011").select_option("Samordningsteam FNS")
    page.get_by_role("button", name="Koppla kontona och läs in utfallet").click()

    expect(page.locator(".alert-success")).to_contain_text("utfallet har lästs in")
    table = page.locator("table.outcome-table").first
    styrelse = table.locator("tr", has=page.get_by_role("rowheader", name="Styrelse", exact=True))
    expect(styrelse).to_contain_text(f"455{NBSP}100{NBSP}kr")
    expect(styrelse).to_contain_text(f"457{NBSP}300{NBSP}kr")
    expect(styrelse).to_contain_text(f"+2{NBSP}200{NBSP}kr")
    expect(styrelse).to_contain_text(f"+0,5{NBSP}%")
    fns = table.locator(
        "tr", has=page.get_by_role("rowheader", name="Samordningsteam FNS", exact=True)
    )
    expect(fns).to_contain_text(f"+38{NBSP}200{NBSP}kr")
    expect(page.locator("main")).to_contain_text("Inläst från norra-vastmanland-2022.se")
    assert_no_axe_violations(page)

    # The mapping chosen for 4011 is kept for next year, beside the others.
    page.get_by_role("link", name="Konton och budgetrader").click()
    expect(page.locator("main table")).to_contain_text("Samordningsteam FNS")
    assert_no_axe_violations(page)


def test_kansli_types_an_outcome_and_the_board_reads_it(page, demo):
    plan = load_budget(NV)
    login(page, demo, f"{NV}-kansli")
    page.goto(f"{demo}/f/{NV}/budgets/plans/{plan.pk}/outcome/")
    page.get_by_role("link", name="Ange utfall").click()
    assert_no_axe_violations(page)
    page.get_by_label("Utfall 2022, Styrelse").fill("500 000")
    page.get_by_role("button", name="Spara").click()
    expect(page.locator(".alert-success")).to_contain_text("1 utfall ändrat")
    row = page.locator("table.outcome-table tr", has=page.get_by_role("rowheader", name="Styrelse"))
    expect(row).to_contain_text(f"+44{NBSP}900{NBSP}kr")

    page.context.clear_cookies()
    login(page, demo, f"{NV}-styrelse")
    page.goto(f"{demo}/f/{NV}/budgets/plans/{plan.pk}/outcome/")
    expect(page.get_by_role("link", name="Ange utfall")).to_have_count(0)
    row = page.locator("table.outcome-table tr", has=page.get_by_role("rowheader", name="Styrelse"))
    expect(row).to_contain_text(f"500{NBSP}000{NBSP}kr")
    assert_no_axe_violations(page)
