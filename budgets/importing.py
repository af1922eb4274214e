"""Reading a budget workbook back: the app's own export after editing, or a plain sheet.

A plain sheet has a header row with a year or a column heading ("Budget 2022",
"Plan 2023") over each amount column, and the line names in column A. A row with
a name and no amounts that names a group ("Individinriktade insatser") starts that
group; a new line below it is created in it. "varav ..." rows are parts of the line
above. Rows ending in ", summa" and the rows "Summa intäkter", "Summa kostnader",
"Årets resultat" and "Eget kapital vid årets slut" are totals: a formula there is
ignored (the app computes totals itself), a typed number is kept as the stated
figure and shown beside the computed one.

``read_workbook`` either returns a ``ParsedImport`` or raises ``WorkbookRejected``
with every problem found, each naming sheet, row and column. Nothing is written
here; ``services.import_apply`` writes a parsed import in one transaction.
"""

import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from io import BytesIO
from itertools import islice
from xml.etree import ElementTree

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from finsam.formatting import format_integer

from . import workbook_limits
from .columns import EARLIER_KIND
from .models import (
    MAX_AMOUNT,
    Budget,
    BudgetColumn,
    BudgetGroup,
    BudgetLine,
    StatedFigure,
    name_key,
)
from .services import LineRef, NewLine

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 50
MAX_ERRORS_SHOWN = 50
SHEET_NAME = "Budget"

SIDE_HEADINGS = {
    "intäkter",
    "kostnader",
    "avsättningar av eget kapital",
    "income",
    "costs",
    "allocations of the equity",
}
TOTAL_ROWS = {
    "summa intäkter": StatedFigure.Kind.INCOME_TOTAL,
    "total income": StatedFigure.Kind.INCOME_TOTAL,
    "summa kostnader": StatedFigure.Kind.COST_TOTAL,
    "total costs": StatedFigure.Kind.COST_TOTAL,
    "årets resultat": StatedFigure.Kind.RESULT,
    "result of the year": StatedFigure.Kind.RESULT,
    "eget kapital vid årets slut": StatedFigure.Kind.EQUITY_END,
    "equity at the end of the year": StatedFigure.Kind.EQUITY_END,
}
# Rows of the export that are computed and have no stated figure to keep.
IGNORED_ROWS = {
    "eget kapital vid årets början",
    "equity at the start of the year",
    "avgår eget kapital som räknats bland intäkterna",
    "less the equity counted among the income",
    "summa avsättningar",
    "total allocations",
    "fritt eget kapital vid årets slut",
    "free equity at the end of the year",
}
GROUP_TOTAL_SUFFIXES = (", summa", ", total")
SUB_LINE_PREFIX = re.compile(r"^varav\s+", re.IGNORECASE)
YEAR = re.compile(r"\b(19|20)\d\d\b")
SPACES = re.compile(r"[\s\u00a0\u202f]+")


@dataclass(frozen=True)
class ImportProblem:
    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self):
        if self.row and self.column:
            where = _("Sheet %(sheet)s, row %(row)s, column %(column)s") % {
                "sheet": self.sheet,
                "row": self.row,
                "column": self.column,
            }
        elif self.row:
            where = _("Sheet %(sheet)s, row %(row)s") % {"sheet": self.sheet, "row": self.row}
        elif self.sheet:
            where = _("Sheet %(sheet)s") % {"sheet": self.sheet}
        else:
            return self.message
        return f"{where}: {self.message}"


class WorkbookRejected(Exception):
    def __init__(self, problems: list[ImportProblem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems[:5]))

    @property
    def messages(self) -> list[str]:
        shown = [str(p) for p in self.problems[:MAX_ERRORS_SHOWN]]
        hidden = len(self.problems) - len(shown)
        if hidden:
            shown.append(_("… and %(count)s more problems.") % {"count": hidden})
        return shown


@dataclass
class ParsedImport:
    sheet: str
    columns: list[BudgetColumn]
    new_lines: list[NewLine] = field(default_factory=list)
    amounts: dict = field(default_factory=dict)  # (LineRef, column pk) → Decimal|None
    stated: dict = field(default_factory=dict)  # (kind, group pk|None, column pk) → Decimal
    line_count: int = 0
    # Headings of columns for years before the budget's (last year's workbook has them).
    skipped_columns: list[str] = field(default_factory=list)


def _key(text) -> str:
    return name_key(text)


def _text(value) -> str:
    return "" if value is None else SPACES.sub(" ", str(value)).strip()


# What Excel writes for a workbook with a password to open, and for the old .xls format.
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _refused(message: str) -> WorkbookRejected:
    return WorkbookRejected([ImportProblem("", None, None, message)])


def _open(data: bytes):
    if data.startswith(OLE_SIGNATURE):
        raise _refused(
            _(
                "The file has a password, or is in the old .xls format. Save it from Excel "
                'as "Excel Workbook (.xlsx)" without a password and try again.'
            )
        )
    # The zip itself first: a small file can unpack to gigabytes or millions of cells.
    too_much = workbook_limits.problem(data)
    if too_much:
        raise _refused(too_much)
    try:
        # Read-only mode streams the sheet: several times faster on large sheets.
        values = load_workbook(BytesIO(data), data_only=True, read_only=True)
        formulas = load_workbook(BytesIO(data), data_only=False, read_only=True)
    except (
        zipfile.BadZipFile,
        InvalidFileException,
        KeyError,
        OSError,
        ValueError,
        TypeError,
        ElementTree.ParseError,
    ):
        raise _refused(
            _(
                "The file is not an Excel workbook (.xlsx). Save it from Excel as "
                '"Excel Workbook (.xlsx)" and try again.'
            )
        ) from None
    return values, formulas


def read_workbook(data: bytes, *, budget: Budget) -> ParsedImport:
    if not data:
        raise WorkbookRejected([ImportProblem("", None, None, _("The file is empty."))])
    if len(data) > MAX_BYTES:
        raise WorkbookRejected(
            [
                ImportProblem(
                    "",
                    None,
                    None,
                    _("The file is larger than %(limit)s MB; a budget workbook is far smaller.")
                    % {"limit": MAX_BYTES // (1024 * 1024)},
                )
            ]
        )
    values_book, formulas_book = _open(data)
    name = SHEET_NAME if SHEET_NAME in values_book.sheetnames else values_book.sheetnames[0]
    try:
        return _Reader(budget, name, values_book[name], formulas_book[name]).read()
    except ElementTree.ParseError:  # a damaged sheet, found as it is read
        raise _refused(workbook_limits.not_a_workbook()) from None


class _Problems:
    """The problems found so far, each placed at its sheet, row and column."""

    def __init__(self, sheet_name: str):
        self.sheet_name = sheet_name
        self.found: list[ImportProblem] = []

    def add(self, row, column, message) -> None:
        letter = get_column_letter(column) if column else None
        self.found.append(ImportProblem(self.sheet_name, row, letter, message))

    def __bool__(self) -> bool:
        return bool(self.found)

    def rejection(self) -> WorkbookRejected:
        return WorkbookRejected(self.found)


class CellKind(Enum):
    AMOUNT = "amount"  # whole kronor
    EMPTY = "empty"  # nothing typed: the import clears the amount
    REJECTED = "rejected"  # not an amount the budget takes; the problem has been reported


@dataclass(frozen=True)
class CellAmount:
    """What an amount cell holds, as the import reads it; ``value`` is set for an amount."""

    kind: CellKind
    value: Decimal | None = None


EMPTY_CELL = CellAmount(CellKind.EMPTY)
REJECTED_CELL = CellAmount(CellKind.REJECTED)


@dataclass(frozen=True)
class _SheetRow:
    """A row of the sheet below the header: its name (column A) and the cells of the
    mapped columns, by column number, as values and as the formulas workbook has them."""

    number: int
    name: str
    cells: dict
    formulas: tuple

    @classmethod
    def of(cls, number, row, formula_row, mapping) -> "_SheetRow":
        return cls(
            number=number,
            name=_text(row[0].value if row else None),
            cells={index: row[index - 1] if index - 1 < len(row) else None for index, _ in mapping},
            formulas=formula_row,
        )

    @property
    def has_values(self) -> bool:
        return any(c is not None and c.value is not None for c in self.cells.values())

    def is_formula(self, index) -> bool:
        if index - 1 >= len(self.formulas):
            return False
        cell = self.formulas[index - 1]
        return cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("="))


def is_total_row(key: str) -> bool:
    """A total the app computes: a side's, the result, the equity's, or a group's."""
    return key in TOTAL_ROWS or key in IGNORED_ROWS or key.endswith(GROUP_TOTAL_SUFFIXES)


class _AmountReader:
    """Reads an amount cell as whole kronor, reporting what it refuses."""

    def __init__(self, problems: _Problems):
        self.problems = problems

    def read(self, row: _SheetRow, index, group, *, allow_negative=False) -> CellAmount:
        cell = row.cells[index]
        value = None if cell is None else cell.value
        if value is None:
            if row.is_formula(index):
                return self.refuse(
                    row,
                    index,
                    _(
                        "The formula has no calculated value. Open the file in Excel, save it "
                        "and import it again, or type the amount."
                    ),
                )
            return EMPTY_CELL
        amount = parse_amount(value)
        if amount is None:
            return self.refuse(
                row,
                index,
                _('"%(value)s" is not an amount in kronor.') % {"value": _text(value)[:40]},
            )
        if amount != amount.to_integral_value():
            return self.refuse(
                row, index, _("%(value)s is not whole kronor.") % {"value": _text(value)}
            )
        amount = amount.quantize(Decimal(1))
        if abs(amount) > MAX_AMOUNT:
            return self.refuse(row, index, too_large_message())
        if amount < 0 and not allow_negative:
            return self.negative(row, index, amount, group)
        return CellAmount(CellKind.AMOUNT, amount)

    def negative(self, row, index, amount, group) -> CellAmount:
        if group is not None and group.side == BudgetGroup.Side.COST:
            return CellAmount(CellKind.AMOUNT, -amount)  # a cost with a minus sign, as seed 003
        if group is not None and group.side == BudgetGroup.Side.ALLOCATION:
            return self.refuse(row, index, _("An allocation cannot be negative."))
        return self.refuse(row, index, _("An income cannot be negative."))

    def refuse(self, row, index, message) -> CellAmount:
        self.problems.add(row.number, index, message)
        return REJECTED_CELL


class _BudgetLines:
    """The budget's groups and lines, looked up by name as the rows of a sheet name them
    ("varav" lines by their name without the prefix, under their parent)."""

    def __init__(self, budget):
        self.groups = list(budget.groups.all())
        self.groups_by_name = {_key(g.name): g for g in self.groups}
        lines = list(BudgetLine.objects.filter(group__budget=budget).order_by("order", "pk"))
        self.by_pk = {line.pk: line for line in lines}
        self.existing: dict[tuple, list[BudgetLine]] = {}
        for line in lines:
            name = SUB_LINE_PREFIX.sub("", line.name) if line.parent_id else line.name
            self.existing.setdefault((line.group_id, line.parent_id, _key(name)), []).append(line)

    def is_known_line(self, key) -> bool:
        if is_total_row(key):
            return True
        key = SUB_LINE_PREFIX.sub("", key)
        return any(k == key for (_group, _parent, k) in self.existing)

    def group_of_known_line(self, name):
        """The group of an existing top-level line of that name, if exactly one has it."""
        group_ids = {
            lines[0].group_id
            for (_group, parent, key), lines in self.existing.items()
            if parent is None and key == _key(name)
        }
        if len(group_ids) != 1:
            return None
        group_id = group_ids.pop()
        return next(g for g in self.groups if g.pk == group_id)

    def existing_line(self, group_id, parent: LineRef | None, key) -> BudgetLine | None:
        """The budget's line of that name in the group (under ``parent``), if it has one; a
        line under a line the import adds is new too."""
        if parent is not None and parent.is_new:
            return None
        found = self.existing.get((group_id, parent.pk if parent else None, key))
        return found[0] if found else None


class _HeaderReader:
    """Maps the header row's headings to the budget's columns."""

    def __init__(self, budget, problems: _Problems):
        self.plan = budget.plan
        self.columns = list(budget.columns.all())
        self.problems = problems
        self.skipped_columns: list[str] = []

    def map_columns(self, header, row_number) -> list[tuple[int, BudgetColumn]]:
        by_label = {_key(c.label): c for c in self.columns}
        mapping, used = [], {}
        for index, cell in enumerate(header[1:], start=2):
            text = _text(cell.value)
            if not text:
                continue
            if text.casefold().startswith(("angivet", "stated")):
                continue  # the export's note column
            column = by_label.get(_key(text))
            if column is None:
                column = self.column_for_year(text, row_number, index)
                if column is None:
                    continue
            if column.pk in used:
                self.problems.add(
                    row_number,
                    index,
                    _("The column %(label)s is also in column %(other)s.")
                    % {"label": column.label, "other": get_column_letter(used[column.pk])},
                )
                continue
            used[column.pk] = index
            mapping.append((index, column))
        if not mapping and not self.problems:
            self.problems.add(
                row_number, None, _("No column heading matches a column of the budget.")
            )
        return mapping

    def column_for_year(self, text, row_number, column_number):
        """The one column a heading with a year names, or None (a problem reported, or a
        year before the budget's skipped)."""
        found = YEAR.search(text)
        if not found:
            self.problems.add(
                row_number,
                column_number,
                _('"%(text)s" is not a year or a column of the budget (%(known)s).')
                % {"text": text, "known": self.known()},
            )
            return None
        year = int(found.group(0))
        if self.columns and year < min(c.year for c in self.columns):
            # Last year's workbook: its first years are before this budget's.
            self.skipped_columns.append(text)
            return None
        candidates = [c for c in self.columns if c.year == year]
        if text.strip() != found.group(0):
            candidates = self.of_named_kind(text, candidates)
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            self.no_column_for(text, year, row_number, column_number)
        else:
            self.problems.add(
                row_number,
                column_number,
                _(
                    "The budget has several columns for %(year)s (%(labels)s); "
                    "write the column's heading instead."
                )
                % {"year": year, "labels": ", ".join(c.label for c in candidates)},
            )
        return None

    def of_named_kind(self, text, candidates) -> list:
        """ "Budget 2026": a heading with a year that is not one of the budget's headings
        picks the year's columns of the kind it names. Last year's "Plan 2024" is this
        year's "Budget 2024", its "Budget 2023" this year's decided budget
        (``columns.earlier_form``)."""
        named = self.kind_named(text)
        same_kind = [c for c in candidates if c.kind == named]
        return same_kind or [
            c for c in candidates if named is not None and EARLIER_KIND.get(c.kind) == named
        ]

    def no_column_for(self, text, year, row_number, column_number) -> None:
        if not any(c.year == year for c in self.columns):
            self.problems.add(
                row_number,
                column_number,
                _("The year %(year)s is outside the plan %(period)s; the budget has %(known)s.")
                % {"year": year, "period": self.plan.period_label, "known": self.known()},
            )
        else:
            self.problems.add(
                row_number,
                column_number,
                _('"%(text)s" is not a column of the budget (%(known)s).')
                % {"text": text, "known": self.known()},
            )

    def known(self) -> str:
        return ", ".join(c.label for c in self.columns)

    @staticmethod
    def kind_named(text):
        """The column kind a heading names ("Beslutad budget 2022": the decided budget, not
        the budget), or None."""
        key = _key(text)
        named = [
            (len(str(label)), kind)
            for kind, label in BudgetColumn.Kind.choices
            if str(label).casefold() in key
        ]
        return max(named)[1] if named else None


class _RowReader:
    """Reads the rows below the header into a ``ParsedImport``, top to bottom.

    It keeps where it is in the sheet: the group of the last group heading (new lines go
    in it) and the last top-level line (a "varav" row is part of it)."""

    def __init__(self, lines: _BudgetLines, problems: _Problems, mapping, parsed):
        self.lines = lines
        self.problems = problems
        self.amounts = _AmountReader(problems)
        self.mapping = mapping
        self.parsed = parsed
        self.group = None
        self.last_top: tuple[LineRef, BudgetGroup] | None = None
        self.seen: dict[tuple, int] = {}  # (group pk, parent, name key) → row number

    def read(self, rows, formula_rows: dict) -> None:
        for number, row in rows:
            self.read_row(_SheetRow.of(number, row, formula_rows.get(number, ()), self.mapping))

    def read_row(self, row: _SheetRow) -> None:
        if not row.name:
            if row.has_values:
                self.problems.add(row.number, 1, _("The row has amounts but no name in column A."))
            return
        key = _key(row.name)
        if not row.has_values and key in SIDE_HEADINGS:
            # "Kostnader": the lines below are not in the last income group.
            self.group, self.last_top = None, None
        elif self.is_heading(row, key):
            self.read_heading(row, key)
        elif is_total_row(key):
            self.read_total(row, key)
        else:
            self.read_line(row)

    def is_heading(self, row: _SheetRow, key) -> bool:
        """A group's name (with amounts only where no line has the name), or a name alone
        on its row that no line has."""
        known_line = self.lines.is_known_line(key)
        if key in self.lines.groups_by_name:
            return not row.has_values or not known_line
        return not row.has_values and not known_line

    def read_heading(self, row: _SheetRow, key) -> None:
        group = self.lines.groups_by_name.get(key)
        self.group, self.last_top = group, None
        if group is None:
            self.problems.add(
                row.number,
                1,
                _('"%(name)s" is not a group of the budget (the groups: %(groups)s).')
                % {"name": row.name, "groups": ", ".join(g.name for g in self.lines.groups)},
            )
        elif row.has_values:
            self.problems.add(
                row.number,
                1,
                _(
                    '"%(name)s" is a group of the budget: its row takes no amounts. '
                    "Write them on the group's lines."
                )
                % {"name": row.name},
            )

    def read_line(self, row: _SheetRow) -> None:
        sub = SUB_LINE_PREFIX.match(row.name)
        name = row.name[sub.end() :].strip() if sub else row.name
        place = self.place_of(row, name, is_sub_line=bool(sub))
        if place is None:
            return
        parent, group = place
        identity = (group.pk, parent, _key(name))
        if identity in self.seen:
            self.problems.add(
                row.number,
                1,
                _('"%(name)s" is also on row %(row)s of the same group.')
                % {"name": name, "row": self.seen[identity]},
            )
            return
        self.seen[identity] = row.number
        ref = self.line_ref(group, name, parent, row.number)
        if not sub:
            self.last_top = (ref, group)
        self.parsed.line_count += 1
        for index, column in self.mapping:
            cell = self.amounts.read(row, index, group)
            if cell.kind is not CellKind.REJECTED:
                self.parsed.amounts[(ref, column.pk)] = cell.value

    def place_of(self, row: _SheetRow, name, *, is_sub_line):
        """``(parent, group)`` of a line row: a "varav" line is part of the line above it,
        another line goes in the group above it or, with none, the group of the budget's
        line of that name. None after a problem."""
        if is_sub_line:
            if self.last_top is None:
                self.problems.add(
                    row.number, 1, _('A "varav" line must come right after the line it is part of.')
                )
                return None
            return self.last_top
        group = self.group if self.group is not None else self.lines.group_of_known_line(name)
        if group is None:
            self.problems.add(
                row.number,
                1,
                _(
                    'Unknown line "%(name)s" and no group above it. Put a row with the '
                    "group's name (e.g. %(example)s) above new lines."
                )
                % {"name": name, "example": self.lines.groups[0].name if self.lines.groups else ""},
            )
            return None
        return None, group

    def line_ref(self, group, name, parent: LineRef | None, number) -> LineRef:
        """The budget's line of that name, or a new line the import adds."""
        existing = self.lines.existing_line(group.pk, parent, _key(name))
        if existing is not None:
            return LineRef(pk=existing.pk)
        new_key = f"new-{number}"
        self.parsed.new_lines.append(
            NewLine(
                key=new_key,
                group=group,
                name=name[:200],
                parent=self.lines.by_pk.get(parent.pk) if parent and not parent.is_new else None,
                parent_key=parent.new_key if parent else None,
            )
        )
        return LineRef(new_key=new_key)

    def read_total(self, row: _SheetRow, key) -> None:
        if key in IGNORED_ROWS:
            return
        if key in TOTAL_ROWS:
            kind, group = TOTAL_ROWS[key], None
        else:
            group_name = next(key[: -len(s)] for s in GROUP_TOTAL_SUFFIXES if key.endswith(s))
            group = self.lines.groups_by_name.get(group_name.strip())
            if group is None:
                self.problems.add(
                    row.number,
                    1,
                    _('"%(name)s" is the total of a group the budget does not have.')
                    % {"name": row.name},
                )
                return
            kind = StatedFigure.Kind.GROUP_TOTAL
        for index, column in self.mapping:
            if row.is_formula(index):
                continue  # totals are computed by the app; Excel's own sum is not a statement
            cell = self.amounts.read(row, index, group, allow_negative=True)
            # A stated zero states nothing: it is not kept (nor is an empty cell).
            if cell.kind is CellKind.AMOUNT and cell.value:
                self.parsed.stated[(kind, group.pk if group else None, column.pk)] = cell.value


class _Reader:
    """Reads one sheet: the header row maps the columns, the rows below give the lines."""

    def __init__(self, budget, sheet_name, values, formulas):
        self.budget = budget
        self.sheet_name = sheet_name
        self.values = values
        self.formulas = formulas
        self.problems = _Problems(sheet_name)

    def read(self) -> ParsedImport:
        rows = self.sheet_rows()
        header_index = next(
            (i for i, row in enumerate(rows) if any(c.value is not None for c in row[1:])), None
        )
        if header_index is None:
            self.reject(
                _("No header row: put the years or column headings in row 1 from column B on.")
            )
        header = _HeaderReader(self.budget, self.problems)
        mapping = header.map_columns(rows[header_index], header_index + 1)
        parsed = ParsedImport(
            sheet=self.sheet_name,
            columns=[c for _, c in mapping],
            skipped_columns=header.skipped_columns,
        )
        if not self.problems:
            first_number = header_index + 2
            _RowReader(_BudgetLines(self.budget), self.problems, mapping, parsed).read(
                enumerate(rows[header_index + 1 :], start=first_number),
                self.formula_rows(first_number),
            )
        if not self.problems and not parsed.line_count:
            self.problems.add(None, None, _("The sheet has no budget lines."))
        if self.problems:
            raise self.problems.rejection()
        return parsed

    def sheet_rows(self) -> list:
        """At most MAX_ROWS + 1 rows and MAX_COLUMNS columns are read, whatever the file
        says; an empty sheet or one with more rows is refused."""
        rows = list(islice(self.values.iter_rows(max_col=MAX_COLUMNS), MAX_ROWS + 1))
        if not rows or all(c.value is None for row in rows for c in row):
            self.reject(_("The sheet is empty."))
        if len(rows) > MAX_ROWS:
            self.reject(
                _("The sheet has more than %(limit)s rows; a budget has far fewer.")
                % {"limit": MAX_ROWS}
            )
        return rows

    def formula_rows(self, first_number) -> dict:
        """The rows from ``first_number`` on as the formulas workbook has them, by number."""
        return dict(
            enumerate(
                islice(
                    self.formulas.iter_rows(min_row=first_number, max_col=MAX_COLUMNS),
                    MAX_ROWS,
                ),
                start=first_number,
            )
        )

    def reject(self, message):
        self.problems.add(None, None, message)
        raise self.problems.rejection()


def too_large_message() -> str:
    return _("The amount is too large: at most %(max)s kr.") % {"max": format_integer(MAX_AMOUNT)}


def parse_amount(value) -> Decimal | None:
    """A number, or a text such as "1 234 000", "1 234 000 kr" or "−25 000", as ``Decimal``;
    None when it is not an amount."""
    if isinstance(value, bool | date | datetime):
        return None
    if isinstance(value, int | float | Decimal):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return None
    text = SPACES.sub("", str(value)).replace("\u2212", "-")
    text = re.sub(r"(kr|sek)$", "", text, flags=re.IGNORECASE).replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        return None
    return Decimal(text)
