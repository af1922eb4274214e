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
from .services import NewLine

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
    amounts: dict = field(default_factory=dict)  # (line pk or new key, column pk) → Decimal|None
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


class _Reader:
    def __init__(self, budget, sheet_name, values, formulas):
        self.budget = budget
        self.plan = budget.plan
        self.sheet_name = sheet_name
        self.values = values
        self.formulas = formulas
        self.problems: list[ImportProblem] = []
        self.skipped_columns: list[str] = []
        self.columns = list(budget.columns.all())
        self.groups = list(budget.groups.all())
        self.groups_by_name = {_key(g.name): g for g in self.groups}
        lines = list(BudgetLine.objects.filter(group__budget=budget).order_by("order", "pk"))
        self.lines_by_pk = {line.pk: line for line in lines}
        self.existing: dict[tuple, list[BudgetLine]] = {}
        for line in lines:
            name = SUB_LINE_PREFIX.sub("", line.name) if line.parent_id else line.name
            self.existing.setdefault((line.group_id, line.parent_id, _key(name)), []).append(line)

    def problem(self, row, column, message):
        letter = get_column_letter(column) if column else None
        self.problems.append(ImportProblem(self.sheet_name, row, letter, message))

    # The header ------------------------------------------------------------------------

    def read(self) -> ParsedImport:
        # At most MAX_ROWS + 1 rows and MAX_COLUMNS columns are read, whatever the file says.
        rows = list(islice(self.values.iter_rows(max_col=MAX_COLUMNS), MAX_ROWS + 1))
        if not rows or all(c.value is None for row in rows for c in row):
            self.problem(None, None, _("The sheet is empty."))
            raise WorkbookRejected(self.problems)
        if len(rows) > MAX_ROWS:
            self.problem(
                None,
                None,
                _("The sheet has more than %(limit)s rows; a budget has far fewer.")
                % {"limit": MAX_ROWS},
            )
            raise WorkbookRejected(self.problems)
        header_index = next(
            (i for i, row in enumerate(rows) if any(c.value is not None for c in row[1:])), None
        )
        if header_index is None:
            self.problem(
                None,
                None,
                _("No header row: put the years or column headings in row 1 from column B on."),
            )
            raise WorkbookRejected(self.problems)
        mapping = self.map_columns(rows[header_index], header_index + 1)
        parsed = ParsedImport(
            sheet=self.sheet_name,
            columns=[c for _, c in mapping],
            skipped_columns=self.skipped_columns,
        )
        if not self.problems:
            self.read_rows(rows[header_index + 1 :], header_index + 2, mapping, parsed)
        if not self.problems and not parsed.line_count:
            self.problem(None, None, _("The sheet has no budget lines."))
        if self.problems:
            raise WorkbookRejected(self.problems)
        return parsed

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
                self.problem(
                    row_number,
                    index,
                    _("The column %(label)s is also in column %(other)s.")
                    % {"label": column.label, "other": get_column_letter(used[column.pk])},
                )
                continue
            used[column.pk] = index
            mapping.append((index, column))
        if not mapping and not self.problems:
            self.problem(row_number, None, _("No column heading matches a column of the budget."))
        return mapping

    def column_for_year(self, text, row_number, column_number):
        found = YEAR.search(text)
        known = ", ".join(c.label for c in self.columns)
        if not found:
            self.problem(
                row_number,
                column_number,
                _('"%(text)s" is not a year or a column of the budget (%(known)s).')
                % {"text": text, "known": known},
            )
            return None
        year = int(found.group(0))
        if self.columns and year < min(c.year for c in self.columns):
            # Last year's workbook: its first years are before this budget's.
            self.skipped_columns.append(text)
            return None
        candidates = [c for c in self.columns if c.year == year]
        if text.strip() != found.group(0):
            # "Budget 2026": a heading with a year that is not one of the budget's headings.
            named = self.kind_named(text)
            same_kind = [c for c in candidates if c.kind == named]
            # Last year's "Plan 2024" is this year's "Budget 2024", its "Budget 2023" this
            # year's decided budget (``columns.earlier_form``).
            candidates = same_kind or [
                c for c in candidates if named is not None and EARLIER_KIND.get(c.kind) == named
            ]
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            if not any(c.year == year for c in self.columns):
                self.problem(
                    row_number,
                    column_number,
                    _("The year %(year)s is outside the plan %(period)s; the budget has %(known)s.")
                    % {"year": year, "period": self.plan.period_label, "known": known},
                )
            else:
                self.problem(
                    row_number,
                    column_number,
                    _('"%(text)s" is not a column of the budget (%(known)s).')
                    % {"text": text, "known": known},
                )
            return None
        self.problem(
            row_number,
            column_number,
            _(
                "The budget has several columns for %(year)s (%(labels)s); "
                "write the column's heading instead."
            )
            % {"year": year, "labels": ", ".join(c.label for c in candidates)},
        )
        return None

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

    # The rows ----------------------------------------------------------------------------

    def read_rows(self, rows, first_number, mapping, parsed) -> None:
        group = None
        last_top = None  # (pk or new key, group) of the last top-level line
        seen: dict[tuple, int] = {}
        formula_rows = dict(
            enumerate(
                islice(
                    self.formulas.iter_rows(min_row=first_number, max_col=MAX_COLUMNS),
                    MAX_ROWS,
                ),
                start=first_number,
            )
        )
        for number, row in enumerate(rows, start=first_number):
            name = _text(row[0].value if row else None)
            cells = {
                index: row[index - 1] if index - 1 < len(row) else None for index, _ in mapping
            }
            has_values = any(c is not None and c.value is not None for c in cells.values())
            formula_row = formula_rows.get(number, ())
            if not name:
                if has_values:
                    self.problem(number, 1, _("The row has amounts but no name in column A."))
                continue
            key = _key(name)
            if not has_values and key in SIDE_HEADINGS:
                # "Kostnader": the lines below are not in the last income group.
                group, last_top = None, None
                continue
            if key in self.groups_by_name and (not has_values or not self.is_known_line(key)):
                group, last_top = self.groups_by_name[key], None
                if has_values:
                    self.problem(
                        number,
                        1,
                        _(
                            '"%(name)s" is a group of the budget: its row takes no amounts. '
                            "Write them on the group's lines."
                        )
                        % {"name": name},
                    )
                continue
            if not has_values and not self.is_known_line(key):
                # A name alone on its row is a group heading; this one names no group.
                self.problem(
                    number,
                    1,
                    _('"%(name)s" is not a group of the budget (the groups: %(groups)s).')
                    % {"name": name, "groups": ", ".join(g.name for g in self.groups)},
                )
                group, last_top = None, None
                continue
            if key in TOTAL_ROWS or key in IGNORED_ROWS or key.endswith(GROUP_TOTAL_SUFFIXES):
                self.read_total(number, key, name, cells, formula_row, mapping, parsed)
                continue
            sub = SUB_LINE_PREFIX.match(name)
            line_name = name[sub.end() :].strip() if sub else name
            if sub:
                if last_top is None:
                    self.problem(
                        number, 1, _('A "varav" line must come right after the line it is part of.')
                    )
                    continue
                parent_ref, line_group = last_top
            else:
                parent_ref, line_group = None, group
            if line_group is None:
                line_group = self.group_of_known_line(line_name)
                if line_group is None:
                    self.problem(
                        number,
                        1,
                        _(
                            'Unknown line "%(name)s" and no group above it. Put a row with the '
                            "group's name (e.g. %(example)s) above new lines."
                        )
                        % {
                            "name": line_name,
                            "example": self.groups[0].name if self.groups else "",
                        },
                    )
                    continue
            identity = (line_group.pk, parent_ref, _key(line_name))
            if identity in seen:
                self.problem(
                    number,
                    1,
                    _('"%(name)s" is also on row %(row)s of the same group.')
                    % {"name": line_name, "row": seen[identity]},
                )
                continue
            seen[identity] = number
            ref = self.line_ref(identity, line_group, line_name, parent_ref, parsed, number)
            if not sub:
                last_top = (ref, line_group)
            parsed.line_count += 1
            for index, column in mapping:
                amount = self.amount(number, index, cells[index], formula_row, line_group)
                if amount is not False:
                    parsed.amounts[(ref, column.pk)] = amount

    def is_known_line(self, key) -> bool:
        if key in TOTAL_ROWS or key in IGNORED_ROWS or key.endswith(GROUP_TOTAL_SUFFIXES):
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

    def line_ref(self, identity, group, name, parent_ref, parsed, number):
        group_id, _, key = identity
        existing = (
            self.existing.get((group_id, parent_ref, key))
            if not isinstance(parent_ref, str)
            else None
        )
        if existing:
            return existing[0].pk
        new_key = f"new-{number}"
        parent = self.lines_by_pk.get(parent_ref) if isinstance(parent_ref, int) else None
        parsed.new_lines.append(
            NewLine(
                key=new_key,
                group=group,
                name=name[:200],
                parent=parent,
                parent_key=parent_ref if isinstance(parent_ref, str) else None,
            )
        )
        return new_key

    def read_total(self, number, key, name, cells, formula_row, mapping, parsed) -> None:
        if key in IGNORED_ROWS:
            return
        if key in TOTAL_ROWS:
            kind, group = TOTAL_ROWS[key], None
        else:
            group_name = next(key[: -len(s)] for s in GROUP_TOTAL_SUFFIXES if key.endswith(s))
            group = self.groups_by_name.get(group_name.strip())
            if group is None:
                self.problem(
                    number,
                    1,
                    _('"%(name)s" is the total of a group the budget does not have.')
                    % {"name": name},
                )
                return
            kind = StatedFigure.Kind.GROUP_TOTAL
        for index, column in mapping:
            if self.is_formula(formula_row, index):
                continue  # totals are computed by the app; Excel's own sum is not a statement
            amount = self.amount(
                number, index, cells[index], formula_row, group, allow_negative=True
            )
            if amount not in (None, False):
                parsed.stated[(kind, group.pk if group else None, column.pk)] = amount

    @staticmethod
    def is_formula(formula_row, index) -> bool:
        if index - 1 >= len(formula_row):
            return False
        cell = formula_row[index - 1]
        return cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("="))

    def amount(self, number, index, cell, formula_row, group, *, allow_negative=False):
        """The cell as whole kronor, None for an empty cell, or False after a problem."""
        value = None if cell is None else cell.value
        if value is None:
            if self.is_formula(formula_row, index):
                self.problem(
                    number,
                    index,
                    _(
                        "The formula has no calculated value. Open the file in Excel, save it "
                        "and import it again, or type the amount."
                    ),
                )
                return False
            return None
        amount = parse_amount(value)
        if amount is None:
            self.problem(
                number,
                index,
                _('"%(value)s" is not an amount in kronor.') % {"value": _text(value)[:40]},
            )
            return False
        if amount != amount.to_integral_value():
            self.problem(
                number,
                index,
                _("%(value)s is not whole kronor.") % {"value": _text(value)},
            )
            return False
        amount = amount.quantize(Decimal(1))
        if abs(amount) > MAX_AMOUNT:
            self.problem(number, index, too_large_message())
            return False
        is_cost = group is not None and group.side == BudgetGroup.Side.COST
        if amount < 0 and not allow_negative:
            if is_cost:
                return -amount  # a cost written with a minus sign, as seed 003 does
            if group is not None and group.side == BudgetGroup.Side.ALLOCATION:
                self.problem(number, index, _("An allocation cannot be negative."))
            else:
                self.problem(number, index, _("An income cannot be negative."))
            return False
        return amount


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
