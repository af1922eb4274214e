"""The budget as an Excel workbook laid out like the plans' tables.

Amounts are whole kronor. Every subtotal, total, the result and the equity at
the end of the year are formulas, so the workbook stays live when someone
changes a line in Excel. Each group starts with a heading row and "varav" lines
are written as such, so ``importing.read_workbook`` reads the file back. Stated
totals that differ from the lines are written in a note column beside the
computed one, never in its place.
"""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from finsam.exports import set_text, text_cell
from finsam.formatting import format_kronor

from .selectors import BudgetTable

MONEY_FORMAT = "#,##0"
BOLD = Font(bold=True)
HEADING_FILL = PatternFill("solid", fgColor="DDE5F0")
FIRST_AMOUNT_COLUMN = 2


def _letter(index: int) -> str:
    return get_column_letter(FIRST_AMOUNT_COLUMN + index)


def budget_workbook(table: BudgetTable, *, title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Budget"
    # What users named (title, columns, groups, lines) is written as text, never a formula.
    sheet.append([text_cell(sheet, title)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["Rad", *[text_cell(sheet, column.label) for column in table.columns]])
    for cell in sheet[2]:
        cell.font = BOLD
        cell.fill = HEADING_FILL
    count = len(table.columns)

    def amount_row(label, values, *, bold=False, indent=0):
        sheet.append([text_cell(sheet, label), *values])
        row = sheet.max_row
        sheet.cell(row, 1).alignment = Alignment(indent=indent)
        for i in range(count):
            cell = sheet.cell(row, FIRST_AMOUNT_COLUMN + i)
            cell.number_format = MONEY_FORMAT
            if bold:
                cell.font = BOLD
        if bold:
            sheet.cell(row, 1).font = BOLD
        return row

    equity_used_rows = []  # the subtotals of income groups that are equity taken in

    def side(heading, blocks, total_label):
        sheet.append([heading])
        sheet.cell(sheet.max_row, 1).font = BOLD
        sheet.cell(sheet.max_row, 1).fill = HEADING_FILL
        subtotal_rows = []
        for block in blocks:
            # The group's heading: new lines below go in it.
            sheet.append([text_cell(sheet, block.group.name)])
            sheet.cell(sheet.max_row, 1).font = Font(bold=True, italic=True)
            top_rows = []
            for row in block.rows:
                r = amount_row(
                    _sub_line_label(row.line.name) if row.is_sub_line else row.line.name,
                    [None if a is None else int(a) for a in row.amounts],
                    indent=2 if row.is_sub_line else 0,
                )
                if not row.is_sub_line:
                    top_rows.append(r)
            formulas = [
                "=" + "+".join(f"{_letter(i)}{r}" for r in top_rows) if top_rows else 0
                for i in range(count)
            ]
            subtotal = amount_row(f"{block.group.name}, summa", formulas, bold=True)
            subtotal_rows.append(subtotal)
            if block.is_equity_used:
                equity_used_rows.append(subtotal)
            _stated_note(sheet, subtotal, block.totals, table.columns)
        formulas = [
            "=" + "+".join(f"{_letter(i)}{r}" for r in subtotal_rows) if subtotal_rows else 0
            for i in range(count)
        ]
        return amount_row(total_label, formulas, bold=True)

    income_row = side("Intäkter", table.income, "Summa intäkter")
    _stated_note(sheet, income_row, table.income_total, table.columns)
    cost_row = side("Kostnader", table.costs, "Summa kostnader")
    _stated_note(sheet, cost_row, table.cost_total, table.columns)
    result_row = amount_row(
        "Årets resultat",
        [f"={_letter(i)}{income_row}-{_letter(i)}{cost_row}" for i in range(count)],
        bold=True,
    )
    start_row = amount_row(
        "Eget kapital vid årets början",
        [None if s is None else int(s) for s in table.equity_start],
    )
    end_terms = [start_row, result_row]
    if equity_used_rows:
        # As on the budget page: equity taken in among the income is not added twice.
        end_terms.append(
            amount_row(
                "Avgår eget kapital som räknats bland intäkterna",
                [
                    "=" + "".join(f"-{_letter(i)}{r}" for r in equity_used_rows)
                    for i in range(count)
                ],
            )
        )
    amount_row(
        "Eget kapital vid årets slut",
        [
            "=" + "+".join(f"{_letter(i)}{r}" for r in end_terms) if s is not None else None
            for i, s in enumerate(table.equity_start)
        ],
        bold=True,
    )

    sheet.column_dimensions["A"].width = 48
    for i in range(count + 1):
        sheet.column_dimensions[_letter(i)].width = 18
    sheet.freeze_panes = "B3"
    output = BytesIO()
    workbook.save(output)
    return output.getvalue()


def _sub_line_label(name: str) -> str:
    return name if name.casefold().startswith("varav") else f"varav {name}"


def _stated_note(sheet, row, figures, columns) -> None:
    """Beside a computed total, the figure the plan states where it differs."""
    notes = [
        f"{column.label}: {format_kronor(figure.stated)}"
        for column, figure in zip(columns, figures, strict=True)
        if figure.difference
    ]
    if notes:
        set_text(
            sheet.cell(row, FIRST_AMOUNT_COLUMN + len(columns)),
            "Angivet i planen: " + "; ".join(notes),
        )
