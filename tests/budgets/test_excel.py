from decimal import Decimal
from io import BytesIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_scopes import scope
from openpyxl import load_workbook

from associations.models import Association, User
from budgets.excel import budget_workbook
from budgets.models import Budget
from budgets.selectors import budget_table
from tests.factories import PlanFactory


@pytest.fixture
def norra(db):
    call_command("load_demo", verbosity=0)
    association = Association.objects.get(slug="norra-vastmanland")
    with scope(association=association):
        budget = Budget.objects.select_related("plan").get()
        table = budget_table(budget=budget)
    return association, budget, table


def rows_by_label(sheet):
    return {row[0].value: row for row in sheet.iter_rows(min_row=3) if row[0].value}


def test_workbook_has_the_lines_and_formulas_for_totals(norra):
    _association, budget, table = norra
    sheet = load_workbook(BytesIO(budget_workbook(table, title=budget.plan.title)))["Budget"]
    assert sheet["A1"].value == budget.plan.title
    assert [c.value for c in sheet[2]][1:5] == [c.label for c in table.columns]
    rows = rows_by_label(sheet)
    assert rows["Samordningsteam Sala"][2].value == 1590000  # Budget 2022, a plain number
    total_costs = rows["Summa kostnader"]
    assert str(total_costs[2].value).startswith("=")  # a formula, live in Excel
    assert "7\u00a0638\u00a0400\u00a0kr" in str(total_costs[5].value)  # the stated figure beside it
    assert str(rows["Årets resultat"][2].value).startswith("=")


def evaluator(sheet):
    """The value of a cell, evaluating the workbook's simple sum formulas."""

    def value(ref):
        cell = sheet[ref].value
        if isinstance(cell, str) and cell.startswith("="):
            expression = cell[1:]
            total = Decimal(0)
            for sign, term in _terms(expression):
                total += sign * value(term)
            return total
        return Decimal(cell or 0)

    return value


def test_formulas_compute_the_same_totals_as_the_app(norra):
    """Evaluate the workbook's simple sum formulas and compare with the page's figures."""
    _association, budget, table = norra
    sheet = load_workbook(BytesIO(budget_workbook(table, title="t")))["Budget"]
    value = evaluator(sheet)
    rows = rows_by_label(sheet)
    for i, figure in enumerate(table.cost_total):
        assert value(rows["Summa kostnader"][1 + i].coordinate) == figure.computed
    for i, figure in enumerate(table.result):
        assert value(rows["Årets resultat"][1 + i].coordinate) == figure.computed


@pytest.mark.parametrize("slug", ["ostra-varmland", "samspelet", "norra-vastmanland"])
def test_the_equity_at_the_end_of_the_year_is_the_pages(norra, slug):
    """Also where the budget takes equity in among its income (Östra Värmland, Samspelet)."""
    association = Association.objects.get(slug=slug)
    with scope(association=association):
        budget = Budget.objects.filter(plan__revision_of=None).get()
        table = budget_table(budget=budget)
    sheet = load_workbook(BytesIO(budget_workbook(table, title="t")))["Budget"]
    value = evaluator(sheet)
    row = rows_by_label(sheet)["Eget kapital vid årets slut"]
    for i, figure in enumerate(table.equity_end):
        if figure.computed is not None:
            assert value(row[1 + i].coordinate) == figure.computed


def _terms(expression):
    term, sign = "", 1
    for char in expression + "+":
        if char in "+-":
            if term:
                yield sign, term
            sign, term = (1 if char == "+" else -1), ""
        else:
            term += char


def test_every_reader_downloads_the_workbook(client, norra):
    association, budget, _table = norra
    client.force_login(User.objects.get(username="norra-vastmanland-revisor"))
    url = reverse(
        "budgets:budget_export",
        kwargs={"association_slug": association.slug, "plan_pk": budget.plan_id},
    )
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    assert load_workbook(BytesIO(response.content))["Budget"]["A1"].value == budget.plan.title


def test_a_plan_without_budget_has_nothing_to_export(kansli_client, association):
    with scope(association=association):
        plan = PlanFactory(association=association)
    url = reverse(
        "budgets:budget_export", kwargs={"association_slug": association.slug, "plan_pk": plan.pk}
    )
    assert kansli_client.get(url).status_code == 404
