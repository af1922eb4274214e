"""The amount grid's running totals: the budget page's own figures, of the amounts as typed,
and nothing saved until the kansli presses Save."""

import re
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from budgets.models import Budget
from tests.budgets.conftest import amounts_of, build_budget
from tests.budgets.test_editing import cell, grid_data, url

NBSP = "\u00a0"
TOTALS = {"HTTP_X_GRID_TOTALS": "1"}


def row(page: str, key: str) -> str:
    """The computed row ``grid-total-<key>`` as the page or the fragment writes it."""
    found = re.search(rf'<tr id="grid-total-{key}".*?</tr>', page, re.S)
    assert found, f"no row grid-total-{key}"
    return found.group(0)


def figures(page: str, key: str) -> list[str]:
    """The row's figures per column, as shown (whole kronor, a dash where not computed)."""
    cells = re.findall(r'<td class="num">(.*?)</td>', row(page, key), re.S)
    return [re.sub(r"<[^>]+>", "", c).replace(NBSP, " ").strip() for c in cells]


def test_the_grid_shows_the_budget_pages_totals(kansli_client, budget):
    page = kansli_client.get(url("budgets:budget_amounts", budget)).content.decode()
    # Individinriktade insatser: Samordningsteam 2 000 000 + Stegen 1 200 000; the "varav"
    # line is inside Samordningsteam, not added again.
    assert figures(page, "income")[0] == "4 000 000 kr"
    assert figures(page, "cost") == ["3 500 000 kr"] * 5
    assert figures(page, "result") == ["500 000 kr"] * 5
    assert figures(page, "equity-start")[0] == "1 000 000 kr"
    assert figures(page, "equity-end")[:3] == ["1 500 000 kr", "1 500 000 kr", "2 000 000 kr"]
    assert "Räkna om summorna" in page


def test_recomputing_without_script_shows_the_typed_amounts_totals_and_saves_nothing(
    kansli_client, budget
):
    data = grid_data(kansli_client, budget)
    data[cell(budget, "Stegen", "Budget 2022")] = "1 300 000"
    data["preview"] = "1"
    response = kansli_client.post(url("budgets:budget_amounts", budget), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert figures(page, "cost")[2] == "3 600 000 kr"
    assert figures(page, "result")[2] == "400 000 kr"
    assert figures(page, "equity-end")[2] == "1 900 000 kr"
    assert 'value="1 300 000"' in page  # the typed amount is kept in its cell
    assert "Inget sparas förrän du trycker på Spara." in page
    assert amounts_of(budget)[("Stegen", "Budget 2022")] == Decimal(1_200_000)


def test_the_running_totals_equal_the_saved_budgets(kansli_client, budget):
    """The rows the script puts in the grid are, byte for byte, the rows the grid shows
    once the same amounts are saved."""
    data = grid_data(kansli_client, budget)
    data[cell(budget, "Stegen", "Budget 2022")] = "1 300 000"
    data[cell(budget, "Medlemsavgifter", "Plan 2024")] = ""
    data[cell(budget, "Styrelse", "Plan 2023")] = "-310 000"  # a cost typed with its sign
    preview = kansli_client.post(
        url("budgets:budget_amounts", budget), data | {"preview": "1"}, **TOTALS
    )
    fragment = preview.content.decode()
    assert "<form" not in fragment and "<nav" not in fragment  # only the rows and the status
    assert amounts_of(budget)[("Stegen", "Budget 2022")] == Decimal(1_200_000)

    kansli_client.post(url("budgets:budget_amounts", budget), data)
    assert amounts_of(budget)[("Stegen", "Budget 2022")] == Decimal(1_300_000)
    saved = kansli_client.get(url("budgets:budget_amounts", budget)).content.decode()
    for key in ("income", "cost", "result", "equity-start", "equity-end"):
        assert row(fragment, key) == row(saved, key)
    assert figures(fragment, "income")[4] == "–beräknas inte: Kolumnen har inga intäkter ifyllda."
    assert figures(fragment, "cost")[3] == "3 510 000 kr"


def test_an_amount_that_cannot_be_read_leaves_the_totals_and_says_which(kansli_client, budget):
    data = grid_data(kansli_client, budget)
    data[cell(budget, "Styrelse", "Budget 2022")] = "tre tusen"
    response = kansli_client.post(
        url("budgets:budget_amounts", budget), data | {"preview": "1"}, **TOTALS
    )
    fragment = response.content.decode()
    assert 'id="grid-total-' not in fragment  # the rows shown stay as they are
    assert "Styrelse, Budget 2022: ”tre tusen” är inte ett belopp i kronor." in fragment
    # Without script the page comes back with the cell marked and the saved totals.
    page = kansli_client.post(url("budgets:budget_amounts", budget), data | {"preview": "1"})
    assert "is-invalid" in page.content.decode()
    assert figures(page.content.decode(), "cost")[2] == "3 500 000 kr"


def test_only_kansli_of_an_editable_plan_computes_totals(client, members, association):
    budget = build_budget(association)
    client.force_login(members["kansli"])
    data = grid_data(client, budget) | {"preview": "1"}
    for role in ("styrelse", "projektledare", "revisor"):
        client.force_login(members[role])
        assert client.post(url("budgets:budget_amounts", budget), data, **TOTALS).status_code == 403
    frozen = build_budget(association, status="approved")
    client.force_login(members["kansli"])
    response = client.post(url("budgets:budget_amounts", frozen), data, **TOTALS)
    assert response.status_code in (302, 403)


@pytest.mark.parametrize("negative", [True, False])
def test_costs_shown_negative_are_shown_so_in_the_running_totals(kansli_client, budget, negative):
    with scopes_disabled():
        Budget.objects.filter(pk=budget.pk).update(costs_negative=negative)
    page = kansli_client.get(url("budgets:budget_amounts", budget)).content.decode()
    assert figures(page, "cost")[0] == ("−3 500 000 kr" if negative else "3 500 000 kr")
