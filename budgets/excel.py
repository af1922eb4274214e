"""The budget as an Excel workbook laid out like the plans' tables.

Amounts are whole kronor, costs with the sign the page gives them. Every subtotal,
total, the result, the equity and the free equity are formulas, so the workbook
stays live when someone changes it in Excel: a group's total is a ``SUM`` over the
group's rows (a row inserted inside the group counts; its "varav" rows are taken
out again), the equity at the start of a later year points at the previous column's
end. A figure the page cannot compute (a column with no income or no costs) is
"–" in the workbook too, by a formula that fills in once the missing side is typed.

Each group starts with a heading row and "varav" lines are written as such, so
``importing.read_workbook`` reads the file back. Stated figures that differ from
the computed ones, and the reason a figure is missing, are written in a note
column beside the computed one, never in its place. A note on an amount is the
cell's comment. Every text written is a string cell, never a formula, whatever
it starts with.
"""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from finsam.exports import set_text
from finsam.formatting import format_kronor

from .selectors import BudgetTable, Figure

MONEY_FORMAT = "#,##0"
BOLD = Font(bold=True)
HEADING_FILL = PatternFill("solid", fgColor="DDE5F0")
FIRST_AMOUNT_COLUMN = 2
MISSING = "–"  # what the page shows for a figure it cannot compute
SUB_LINE_CRITERION = "varav *"
NOTE_AUTHOR = "Finsam"

# The labels of the computed rows, as the import recognises them.
INCOME_TOTAL = "Summa intäkter"
COST_TOTAL = "Summa kostnader"
RESULT = "Årets resultat"
EQUITY_START = "Eget kapital vid årets början"
EQUITY_END = "Eget kapital vid årets slut"
ALLOCATION_TOTAL = "Summa avsättningar"
FREE_EQUITY = "Fritt eget kapital vid årets slut"


def _letter(index: int) -> str:
    return get_column_letter(FIRST_AMOUNT_COLUMN + index)


class _Sheet:
    """Writes rows top to bottom and remembers where each computed figure is."""

    def __init__(self, sheet, table: BudgetTable):
        self.sheet = sheet
        self.table = table
        self.count = len(table.columns)
        self.row = 0

    def text_row(self, label, *, font=None, fill=None) -> int:
        self.row += 1
        cell = self.sheet.cell(self.row, 1)
        set_text(cell, label)
        if font:
            cell.font = font
        if fill:
            cell.fill = fill
        return self.row

    def amount_row(self, label, values, *, bold=False, indent=0, notes=None) -> int:
        row = self.text_row(label, font=BOLD if bold else None)
        self.sheet.cell(row, 1).alignment = Alignment(indent=indent)
        for i, value in enumerate(values):
            cell = self.sheet.cell(row, FIRST_AMOUNT_COLUMN + i)
            if isinstance(value, str) and not value.startswith("="):
                set_text(cell, value)
            else:
                cell.value = value
            cell.number_format = MONEY_FORMAT
            if bold:
                cell.font = BOLD
            if notes and notes[i]:
                cell.comment = Comment(notes[i], NOTE_AUTHOR)
        return row

    def note(self, row, figures: list[Figure], *, negate=False) -> None:
        """Beside a computed figure: the one the plan states where it differs, and why a
        figure is missing."""
        parts = []
        for column, figure in zip(self.table.columns, figures, strict=True):
            stated = figure.stated
            if stated is not None and negate:
                stated = -stated
            if figure.gap is not None:
                text = f"{column.label}: {MISSING} ({figure.gap.label})"
                if stated is not None:
                    text += f", angivet {format_kronor(stated)}"
                parts.append(text)
            elif figure.difference:
                parts.append(f"{column.label}: angivet {format_kronor(stated)}")
        if parts:
            set_text(
                self.sheet.cell(row, FIRST_AMOUNT_COLUMN + self.count),
                "Angivet i planen: " + "; ".join(parts),
            )

    def side(self, heading, blocks, *, sign=1) -> list[int]:
        """The groups of one side; returns the row of each group's total."""
        self.text_row(heading, font=BOLD, fill=HEADING_FILL)
        totals = []
        for block in blocks:
            # The group's heading: new lines typed below it go in the group.
            first = self.text_row(block.group.name, font=Font(bold=True, italic=True))
            has_sub_lines = False
            for row in block.rows:
                has_sub_lines |= row.is_sub_line
                self.amount_row(
                    _sub_line_label(row.line.name) if row.is_sub_line else row.line.name,
                    [None if a is None else sign * int(a) for a in row.amounts],
                    indent=2 if row.is_sub_line else 0,
                    notes=row.notes,
                )
            last = self.row
            formulas = []
            for i in range(self.count):
                amounts = f"{_letter(i)}{first}:{_letter(i)}{last}"
                formula = f"=SUM({amounts})"
                if has_sub_lines:
                    names = f"$A${first}:$A${last}"
                    formula += f'-SUMIF({names},"{SUB_LINE_CRITERION}",{amounts})'
                formulas.append(formula)
            total = self.amount_row(f"{block.group.name}, summa", formulas, bold=True)
            self.note(total, block.totals, negate=sign < 0)
            totals.append((total, first, last))
        return totals

    def side_total(self, label, totals, figures, *, negate=False) -> int:
        """The side's total, or "–" while no amount of the side is filled in."""
        values = []
        for i in range(self.count):
            if not totals:
                values.append(MISSING)
                continue
            ranges = ",".join(
                f"{_letter(i)}{first}:{_letter(i)}{last}" for _, first, last in totals
            )
            terms = "+".join(f"{_letter(i)}{row}" for row, _, _ in totals)
            values.append(f'=IF(COUNT({ranges})=0,"{MISSING}",{terms})')
        row = self.amount_row(label, values, bold=True)
        self.note(row, figures, negate=negate)
        return row


def _known(*cells) -> str:
    return "OR(" + ",".join(f'{c}="{MISSING}"' for c in cells) + ")"


def budget_workbook(table: BudgetTable, *, title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Budget"
    out = _Sheet(sheet, table)
    _write_header(out, title)
    cost_sign = -1 if table.budget.costs_negative else 1
    income_groups = out.side("Intäkter", table.income)
    income_row = out.side_total(INCOME_TOTAL, income_groups, table.income_total)
    cost_groups = out.side("Kostnader", table.costs, sign=cost_sign)
    cost_row = out.side_total(COST_TOTAL, cost_groups, table.cost_total, negate=cost_sign < 0)
    equity_used = [
        row
        for (row, _, _), block in zip(income_groups, table.income, strict=True)
        if block.is_equity_used
    ]
    result_row = _write_result(out, income_row, cost_row, equity_used, cost_sign)
    end_row = _write_equity(out, result_row)
    if table.allocations:
        _write_allocations(out, end_row)
    sheet.column_dimensions["A"].width = 48
    for i in range(out.count + 1):
        sheet.column_dimensions[_letter(i)].width = 18
    sheet.freeze_panes = "B3"
    output = BytesIO()
    workbook.save(output)
    return output.getvalue()


def _write_header(out: _Sheet, title: str) -> None:
    out.text_row(title, font=Font(bold=True, size=14))
    header = out.text_row("Rad", font=BOLD, fill=HEADING_FILL)
    for i, column in enumerate(out.table.columns):
        cell = out.sheet.cell(header, FIRST_AMOUNT_COLUMN + i)
        set_text(cell, column.label)
        cell.font = BOLD
        cell.fill = HEADING_FILL


def _write_result(out: _Sheet, income_row, cost_row, equity_used, cost_sign) -> int:
    """Årets resultat: the income less the equity taken in among it, less the costs."""

    def result(i):
        c = _letter(i)
        # Costs are negative where the page shows them so: they are then added.
        costs = f"-{c}{cost_row}" if cost_sign > 0 else f"+{c}{cost_row}"
        used = "".join(f"-{c}{r}" for r in equity_used)
        return (
            f'=IF({_known(f"{c}{income_row}", f"{c}{cost_row}")},"{MISSING}",'
            f"{c}{income_row}{used}{costs})"
        )

    result_row = out.amount_row(RESULT, [result(i) for i in range(out.count)], bold=True)
    out.note(result_row, out.table.result)
    return result_row


def _write_equity(out: _Sheet, result_row) -> int:
    """The equity at the start of each year (stated, or carried from the column of the
    same year or the year before) and at its end; returns the end's row."""
    table = out.table
    start_row = out.row + 1
    end_row = start_row + 1
    starts = []
    for i, column in enumerate(table.columns):
        same_year = [j for j in range(i) if table.columns[j].year == column.year]
        year_before = [j for j in range(i) if table.columns[j].year == column.year - 1]
        if column.opening_equity is not None:
            starts.append(int(column.opening_equity))
        elif same_year:
            starts.append(f"={_letter(same_year[0])}{start_row}")
        elif year_before:
            starts.append(f"={_letter(year_before[-1])}{end_row}")
        else:
            starts.append(MISSING)
    out.amount_row(EQUITY_START, starts)
    out.note(start_row, table.equity_start)
    ends = []
    for i in range(out.count):
        start, res = f"{_letter(i)}{start_row}", f"{_letter(i)}{result_row}"
        ends.append(f'=IF({_known(start, res)},"{MISSING}",{start}+{res})')
    out.amount_row(EQUITY_END, ends, bold=True)
    out.note(end_row, table.equity_end)
    return end_row


def _write_allocations(out: _Sheet, end_row) -> None:
    """The allocations of the equity, their total, and the free equity left."""
    allocation_groups = out.side("Avsättningar av eget kapital", out.table.allocations)
    allocation_row = out.amount_row(
        ALLOCATION_TOTAL,
        [
            "=" + "+".join(f"{_letter(i)}{row}" for row, _, _ in allocation_groups)
            for i in range(out.count)
        ],
        bold=True,
    )
    free = []
    for i in range(out.count):
        end, allocated = f"{_letter(i)}{end_row}", f"{_letter(i)}{allocation_row}"
        free.append(f'=IF({_known(end)},"{MISSING}",{end}-{allocated})')
    out.amount_row(FREE_EQUITY, free, bold=True)


def _sub_line_label(name: str) -> str:
    return name if name.casefold().startswith("varav ") else f"varav {name}"
