"""Kansli edits a budget in Chromium: Excel out, a line changed, Excel back in."""

from io import BytesIO

import pytest
from django_scopes import scopes_disabled
from openpyxl import load_workbook
from playwright.sync_api import expect

from plans.models import Plan
from tests.browser.conftest import assert_no_axe_violations, login
from tests.browser.test_budgets import load_budget

pytestmark = pytest.mark.browser
NBSP = "\u00a0"


def draft_budget(slug):
    """The demo plan is approved (frozen); a draft of it is what kansli edits."""
    plan = load_budget(slug)
    with scopes_disabled():
        Plan._base_manager.filter(pk=plan.pk).update(status=Plan.Status.DRAFT)  # past the guard
    return plan


def test_export_change_a_line_and_import_it_back(page, demo, tmp_path):
    """The approved Norra Västmanland plan is frozen: kansli starts a revision, and
    changes the revision's budget through Excel."""
    plan = load_budget("norra-vastmanland")
    login(page, demo, "norra-vastmanland-kansli")
    page.goto(f"{demo}/f/norra-vastmanland/budgets/plans/{plan.pk}/?unit=kr")
    table = page.locator("table.budget-table")
    expect(table).to_contain_text(f"7{NBSP}638{NBSP}500")  # computed
    expect(table).to_contain_text(f"7{NBSP}638{NBSP}400")  # stated in the seed
    expect(page.locator("main")).to_contain_text("Eget kapital högst en andel av årets intäkter")
    expect(page.get_by_role("link", name="Importera från Excel")).to_have_count(0)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ladda ner som Excel").click()
    book = load_workbook(BytesIO(download_info.value.path().read_bytes()))
    sheet = book["Budget"]
    row = next(r for r in sheet.iter_rows() if r[0].value == "Samordningsteam Sala")
    column = [c.value for c in sheet[2]].index("Budget 2022")
    assert row[column].value == -1_590_000  # costs with the page's minus sign (seed 003)
    row[column].value -= 10_000  # 10 000 kr more of cost
    changed = tmp_path / "budget.xlsx"
    book.save(changed)

    page.goto(f"{demo}/f/norra-vastmanland/plans/{plan.pk}/")
    page.get_by_role("link", name="Påbörja en revidering").click()
    page.get_by_role("button", name="Påbörja revideringen").click()
    with scopes_disabled():
        revision = Plan.objects.get(revision_of=plan)
    page.goto(f"{demo}/f/norra-vastmanland/budgets/plans/{revision.pk}/?unit=kr")
    page.get_by_role("link", name="Importera från Excel").click()
    assert_no_axe_violations(page)
    page.get_by_label("Excel-arbetsbok (.xlsx)").set_input_files(str(changed))
    page.get_by_role("button", name="Importera").click()
    expect(page.locator(".alert-success")).to_contain_text("1 belopp ändrade")
    expect(page.locator("table.budget-table")).to_contain_text(f"7{NBSP}648{NBSP}500")
    expect(page.locator("table.budget-table")).to_contain_text(f"7{NBSP}638{NBSP}400")
    assert_no_axe_violations(page)
    # The approved version is unchanged.
    page.goto(f"{demo}/f/norra-vastmanland/budgets/plans/{plan.pk}/?unit=kr")
    expect(page.locator("table.budget-table")).to_contain_text(f"7{NBSP}638{NBSP}500")


def test_a_broken_workbook_is_refused_and_changes_nothing(page, demo, tmp_path):
    plan = draft_budget("norra-vastmanland")
    login(page, demo, "norra-vastmanland-kansli")
    broken = tmp_path / "budget.xlsx"
    broken.write_bytes(b"not a workbook at all")
    page.goto(f"{demo}/f/norra-vastmanland/budgets/plans/{plan.pk}/import/")
    page.get_by_label("Excel-arbetsbok (.xlsx)").set_input_files(str(broken))
    page.get_by_role("button", name="Importera").click()
    expect(page.locator(".alert-danger").first).to_contain_text("inte en Excel-arbetsbok")
    assert_no_axe_violations(page)
    page.goto(f"{demo}/f/norra-vastmanland/budgets/plans/{plan.pk}/?unit=kr")
    expect(page.locator("table.budget-table")).to_contain_text(f"7{NBSP}638{NBSP}500")


def test_kansli_edits_amounts_in_the_grid(page, demo):
    plan = draft_budget("norra-vastmanland")
    login(page, demo, "norra-vastmanland-kansli")
    page.goto(f"{demo}/f/norra-vastmanland/budgets/plans/{plan.pk}/?unit=kr")
    page.get_by_role("link", name="Ändra beloppen").click()
    assert_no_axe_violations(page)
    page.get_by_label("Samordningsteam Sala, Budget 2022", exact=True).fill("1 600 000")
    page.get_by_role("button", name="Spara").click()
    expect(page.locator(".alert-success")).to_contain_text("1 belopp ändrat")
    expect(page.locator("table.budget-table")).to_contain_text(f"7{NBSP}648{NBSP}500")
    page.get_by_role("link", name="Kolumner, grupper och rader").click()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Lägg till en rad i Individinriktade insatser").click()
    page.get_by_label("Namn").fill("Ny insats")
    page.get_by_role("button", name="Spara").click()
    expect(page.locator("main")).to_contain_text("Ny insats")
    page.get_by_role("link", name="Lägg till en kolumn").click()
    page.locator("#id_kind").select_option("plan")
    page.locator("#id_year").fill("2030")
    page.locator("#id_label").fill("Plan 2030")
    page.get_by_role("button", name="Spara").click()
    expect(page.locator(".invalid-feedback").first).to_contain_text("ett av planens år")
    assert_no_axe_violations(page)
    page.goto(f"{demo}/f/norra-vastmanland/budgets/plans/{plan.pk}/settings/")
    assert_no_axe_violations(page)


def test_the_grid_moves_like_a_spreadsheet_and_takes_a_pasted_column(page, demo):
    """Arrow keys and Enter move between amount cells; a column copied from Excel fills
    the cells below; the server reads every pasted amount on save."""
    plan = draft_budget("norra-vastmanland")
    login(page, demo, "norra-vastmanland-kansli")
    page.goto(f"{demo}/f/norra-vastmanland/budgets/plans/{plan.pk}/amounts/")
    cells = page.locator("table.budget-grid input[inputmode='numeric']")
    first = page.get_by_label("Samordningsteam Sala, Budget 2022", exact=True)
    first.focus()
    below = page.evaluate(
        """() => { const a = document.activeElement; const rows = [...document.querySelectorAll(
        'table.budget-grid tr')].filter(r => r.querySelector("input[inputmode='numeric']"));
        const r = rows.findIndex(row => row.contains(a));
        const c = [...rows[r].querySelectorAll("input[inputmode='numeric']")].indexOf(a);
        return rows[r + 1].querySelectorAll("input[inputmode='numeric']")[c].id; }"""
    )
    page.keyboard.press("ArrowDown")
    expect(page.locator(f"#{below}")).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(f"#{below}")).to_be_focused()
    assert cells.count() > 2

    first.focus()
    page.evaluate(
        """() => { const data = new DataTransfer(); data.setData('text/plain',
        '1 600 000\\r\\n123 456\\r\\n'); document.activeElement.dispatchEvent(
        new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true})); }"""
    )
    expect(first).to_have_value("1 600 000")
    expect(page.locator(f"#{below}")).to_have_value("123 456")
    # The header row stays in view while the grid scrolls in its box.
    box = page.locator(".budget-grid-box")
    box.evaluate("b => { b.scrollTop = b.scrollHeight; }")
    expect(page.locator("table.budget-grid thead th").first).to_be_in_viewport()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Spara").click()
    expect(page.locator(".alert-success")).to_contain_text("2 belopp ändrade")


def test_the_totals_follow_the_typed_amounts_and_equal_the_saved_ones(page, demo):
    """As an amount is typed, the grid's totals are the server's for the typed amounts
    (nothing saved); after Save, the budget page shows exactly those figures."""
    plan = draft_budget("norra-vastmanland")
    login(page, demo, "norra-vastmanland-kansli")
    page.goto(f"{demo}/f/norra-vastmanland/budgets/plans/{plan.pk}/amounts/")
    expect(page.get_by_role("button", name="Räkna om summorna")).to_be_hidden()
    costs = page.locator("#grid-total-cost")
    expect(costs).to_contain_text(f"7{NBSP}638{NBSP}500")
    page.get_by_label("Samordningsteam Sala, Budget 2022", exact=True).fill("1 600 000")
    expect(costs).to_contain_text(f"7{NBSP}648{NBSP}500")  # 10 000 kr more of cost
    expect(page.locator("#grid-totals-status")).to_contain_text("Inget sparas förrän")
    assert_no_axe_violations(page)

    def shown(row):
        return [cell.inner_text() for cell in row.locator("td").all()]

    typed = {key: shown(page.locator(f"#grid-total-{key}")) for key in ("cost", "result")}
    page.get_by_role("button", name="Spara").click()
    expect(page.locator(".alert-success")).to_contain_text("1 belopp ändrat")
    page.goto(f"{demo}/f/norra-vastmanland/budgets/plans/{plan.pk}/?unit=kr")
    table = page.locator("table.budget-table")
    saved = {
        "cost": shown(table.locator("tr", has=page.locator("th", has_text="Summa kostnader"))),
        "result": shown(table.locator("tr", has=page.locator("th", has_text="Årets resultat"))),
    }
    assert typed == saved
