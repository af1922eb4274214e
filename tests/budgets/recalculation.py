"""Recalculating an exported budget workbook with a formula engine, as Excel would, and
the figures the budget page shows for the same cells."""

from decimal import Decimal
from io import BytesIO
from pathlib import Path
from tempfile import TemporaryDirectory

import formulas
from openpyxl import load_workbook

from budgets.excel import (
    ALLOCATION_TOTAL,
    COST_TOTAL,
    EQUITY_END,
    EQUITY_START,
    FIRST_AMOUNT_COLUMN,
    FREE_EQUITY,
    INCOME_TOTAL,
    MISSING,
    RESULT,
)
from budgets.selectors import BudgetTable


def _plain(value):
    """A recalculated value as the page would have it: whole kronor or a text."""
    if value is None or type(value).__name__ == "XlEmpty" or str(value) == "empty":
        return None
    if isinstance(value, str):
        return value
    number = Decimal(repr(float(value)))
    assert number == number.to_integral_value(), value
    return number.quantize(Decimal(1))


def recalculated(data: bytes) -> list[tuple[str, list]]:
    """``(label in column A, [value per amount column])`` for each row with a label from
    row 3 on, every formula recalculated by the ``formulas`` engine."""
    sheet = load_workbook(BytesIO(data))["Budget"]
    with TemporaryDirectory() as folder:
        path = Path(folder) / "budget.xlsx"
        path.write_bytes(data)
        solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    computed = {}
    for key, ranged in solution.items():
        reference = key.split("!")[-1]
        if ":" not in reference and hasattr(ranged, "value"):
            computed[reference] = ranged.value[0][0]
    columns = sheet.max_column
    rows = []
    for row in sheet.iter_rows(min_row=3):
        label = row[0].value
        if label is None:
            continue
        values = []
        for cell in row[FIRST_AMOUNT_COLUMN - 1 : columns]:
            raw = cell.value
            formula = isinstance(raw, str) and raw.startswith("=") and cell.data_type == "f"
            values.append(_plain(computed[cell.coordinate] if formula else raw))
        rows.append((label, values))
    return rows


def page_rows(table: BudgetTable) -> list[tuple[str, list]]:
    """The same rows as the page shows them, in kronor (costs with the page's sign)."""
    count = len(table.columns)
    cost_sign = -1 if table.budget.costs_negative else 1

    def figures(items, sign=1):
        return [MISSING if f.computed is None else sign * f.computed for f in items]

    rows = []

    def side(heading, blocks, sign=1):
        rows.append((heading, [None] * count))
        for block in blocks:
            rows.append((block.group.name, [None] * count))
            for row in block.rows:
                label = row.line.name
                if row.is_sub_line and not label.casefold().startswith("varav "):
                    label = f"varav {label}"
                rows.append((label, [None if a is None else sign * a for a in row.amounts]))
            rows.append((f"{block.group.name}, summa", figures(block.totals, sign)))

    side("Intäkter", table.income)
    rows.append((INCOME_TOTAL, figures(table.income_total)))
    side("Kostnader", table.costs, cost_sign)
    rows.append((COST_TOTAL, figures(table.cost_total, cost_sign)))
    rows.append((RESULT, figures(table.result)))
    rows.append((EQUITY_START, figures(table.equity_start)))
    rows.append((EQUITY_END, figures(table.equity_end)))
    if table.allocations:
        side("Avsättningar av eget kapital", table.allocations)
        rows.append((ALLOCATION_TOTAL, figures(table.allocation_total)))
        rows.append((FREE_EQUITY, figures(table.free_equity)))
    return rows


def without_notes(rows, count):
    """The amount columns only (the note column beside them is text for people)."""
    return [(label, values[:count]) for label, values in rows]
