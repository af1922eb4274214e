"""The budget workbook writes what users named as text, its own totals as formulas."""

import io

import pytest
from django_scopes import scope
from openpyxl import load_workbook

from budgets.excel import budget_workbook
from budgets.models import BudgetColumn, BudgetGroup, BudgetLine
from budgets.selectors import budget_table

from .conftest import build_budget

STARTS = ["=", "+", "-", "@", "\t", "\r"]


@pytest.mark.parametrize("start", STARTS)
def test_names_that_start_like_a_formula_are_text(association, start):
    budget = build_budget(association)
    line_name = start + 'HYPERLINK("https://example.invalid/?"&B5,"Mer info")'
    with scope(association=association):
        BudgetLine.objects.filter(name="Stegen").update(name=line_name)
        BudgetGroup.objects.filter(name="Styrelse").update(name=start + "1+1")
        BudgetColumn.objects.filter(label="Plan 2024").update(label=start + "SUM(A1)")
        content = budget_workbook(budget_table(budget=budget), title=start + "cmd")
    sheet = load_workbook(io.BytesIO(content)).active
    texts = {start + "cmd", line_name, start + "1+1", start + "1+1, summa", start + "SUM(A1)"}
    # XML reads a carriage return back as a line feed.
    texts = {text.replace("\r", "\n") for text in texts}
    found = {c.value: c for row in sheet.iter_rows() for c in row if c.value in texts}
    assert set(found) == texts
    assert {c.data_type for c in found.values()} == {"s"}
    # The workbook's own totals are still formulas, in the amount columns only.
    formulas = [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas and all(c.column > 1 for c in formulas)
