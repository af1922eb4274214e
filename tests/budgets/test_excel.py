import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django_scopes import scope
from openpyxl import load_workbook

from associations.models import Association, User
from budgets.excel import budget_workbook
from budgets.models import Budget, BudgetAmount, BudgetLine
from budgets.selectors import budget_table
from tests.budgets.recalculation import page_rows, recalculated, without_notes
from tests.factories import PlanFactory

NBSP = "\u00a0"


@pytest.fixture
def norra(demo_data):
    association = Association.objects.get(slug="norra-vastmanland")
    with scope(association=association):
        budget = Budget.objects.select_related("plan").get()
        table = budget_table(budget=budget)
    return association, budget, table


def rows_by_label(sheet):
    return {row[0].value: row for row in sheet.iter_rows(min_row=3) if row[0].value}


def approved_table(slug):
    association = Association.objects.get(slug=slug)
    with scope(association=association):
        budget = Budget.objects.select_related("plan").filter(plan__revision_of=None).get()
        return budget_table(budget=budget)


def test_workbook_has_the_lines_and_formulas_for_totals(norra):
    _association, budget, table = norra
    sheet = load_workbook(BytesIO(budget_workbook(table, title=budget.plan.title)))["Budget"]
    assert sheet["A1"].value == budget.plan.title
    assert [c.value for c in sheet[2]][1:5] == [c.label for c in table.columns]
    rows = rows_by_label(sheet)
    # Norra Västmanland shows its costs with a minus sign, and so does the workbook.
    assert rows["Samordningsteam Sala"][2].value == -1590000  # Budget 2022, a plain number
    total_costs = rows["Summa kostnader"]
    assert str(total_costs[2].value).startswith("=")  # a formula, live in Excel
    assert f"\u22127{NBSP}638{NBSP}400{NBSP}kr" in str(total_costs[5].value)  # the stated figure
    assert str(rows["Årets resultat"][2].value).startswith("=")


def test_stated_results_and_equity_are_written_beside_the_computed_ones(norra):
    """Norra Västmanland states results and year-end equity that differ from its lines;
    C39:E39 and C41:E41 had nothing beside them."""
    _association, _budget, table = norra
    sheet = load_workbook(BytesIO(budget_workbook(table, title="t")))["Budget"]
    rows = rows_by_label(sheet)
    note = str(rows["Årets resultat"][5].value)
    assert f"Budget 2022: angivet \u2212592{NBSP}400{NBSP}kr" in note
    assert f"Plan 2024: angivet 0{NBSP}kr" in note
    assert "angivet" in str(rows["Eget kapital vid årets slut"][5].value)


def test_a_missing_figure_says_why_with_the_stated_figure_beside_it(demo_data):
    """Samspelet's forecast 2021 has costs only: no result or equity is computed for it
    (the cell says "–"), and the equity the plan states (2 684 000, C48) stands beside."""
    rows = dict(recalculated(budget_workbook(approved_table("samspelet"), title="t")))
    assert rows["Årets resultat"][1] == "–"
    assert rows["Eget kapital vid årets slut"][1] == "–"
    note = rows["Eget kapital vid årets slut"][3]
    assert "Prognos Budget 2021: – (" in note
    assert f"angivet 2{NBSP}684{NBSP}000{NBSP}kr" in note


def test_every_demo_workbook_recalculates_to_the_page(demo_data):
    """Each exported demo budget, recalculated by a formula engine, has the page's figure
    in every cell: lines, group totals, totals, result, equity and allocations."""
    checked = 0
    for association in Association.objects.order_by("slug"):
        with scope(association=association):
            for budget in Budget.objects.select_related("plan").order_by("pk"):
                table = budget_table(budget=budget)
                data = budget_workbook(table, title=budget.plan.title)
                rows = without_notes(recalculated(data), len(table.columns))
                assert rows == page_rows(table), association.slug
                checked += 1
    assert checked >= 5


def test_seed_001_result_and_equity_in_the_recalculated_workbook(demo_data):
    rows = dict(recalculated(budget_workbook(approved_table("ostra-varmland"), title="t")))
    assert rows["Årets resultat"][0] == Decimal(-110000)
    assert rows["Eget kapital vid årets slut"][0] == Decimal(214581)


def test_seed_000_allocations_and_notes_in_the_workbook(demo_data):
    data = budget_workbook(approved_table("samspelet"), title="t")
    rows = dict(recalculated(data))
    assert rows["Buffert enl beslut"][:3] == [Decimal(700000)] * 3
    assert rows["Ej beslutat"][2] == Decimal(1831000)
    assert rows["Eget kapital vid årets början"][2] == Decimal(2684000)
    sheet = load_workbook(BytesIO(data))["Budget"]
    comments = {c.comment.text for row in sheet.iter_rows() for c in row if c.comment}
    assert comments == {"funktion utreds", "se utveckl.strateg"}


def test_later_years_start_from_the_previous_columns_end_by_formula(norra):
    _association, _budget, table = norra
    sheet = load_workbook(BytesIO(budget_workbook(table, title="t")))["Budget"]
    rows = rows_by_label(sheet)
    start, end = rows["Eget kapital vid årets början"], rows["Eget kapital vid årets slut"]
    assert start[1].value == 1347400  # the first column: the opening equity, typed
    for i in (2, 3, 4):
        assert start[i].value == f"={end[i - 1].column_letter}{end[i - 1].row}"


def test_a_row_inserted_inside_a_group_counts_in_its_total(norra):
    _association, _budget, table = norra
    book = load_workbook(BytesIO(budget_workbook(table, title="t")))
    sheet = book["Budget"]
    row = rows_by_label(sheet)["Samordningsteam Sala"][0].row
    sheet.insert_rows(row + 1)
    # openpyxl moves no formula; shift the references as Excel does on inserting a row.
    for line in sheet.iter_rows():
        for cell in line:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.value = _shift_rows(cell.value, row + 1)
    sheet.cell(row + 1, 1, "Ny insats")
    sheet.cell(row + 1, 3, -100000)
    output = BytesIO()
    book.save(output)
    rows = dict(recalculated(output.getvalue()))
    assert rows["Summa kostnader"][1] == -(table.cost_total[1].computed + 100000)


def _shift_rows(formula: str, inserted: int) -> str:
    """The formula with every row reference at or below ``inserted`` one row lower."""

    def shift(match):
        column, dollar, number = match.group(1), match.group(2), int(match.group(3))
        return f"{column}{dollar}{number + 1 if number >= inserted else number}"

    return re.sub(r"(\$?[A-Z]{1,3})(\$?)(\d+)", shift, formula)


def test_texts_that_look_like_formulas_are_written_as_text(budget):
    with scope(association=budget.association):
        line = BudgetLine.objects.get(group__budget=budget, name="Stegen")
        line.name = "=1+1"
        line.save(update_fields=["name"])
        group = line.group
        group.name = "@SUM(A1)"
        group.save(update_fields=["name"])
        amount = BudgetAmount.objects.filter(line=line).first()
        amount.note = "+46 70 123"
        amount.save(update_fields=["note"])
        table = budget_table(budget=budget)
    sheet = load_workbook(BytesIO(budget_workbook(table, title="-title")))["Budget"]
    texts = {c.value: c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    for text in ("=1+1", "@SUM(A1)", "-title"):
        assert texts[text].data_type == "s"
    noted = next(c for row in sheet.iter_rows() for c in row if c.comment)
    assert noted.comment.text == "+46 70 123"


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
