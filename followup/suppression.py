"""Small-count suppression for anything published.

A count from 1 to 4 is shown as "färre än 5" (primary suppression). A table is
published with its row totals, column totals and grand total, so hiding the
small cells is not enough: a hidden cell must not be derivable from a total and
the other cells. Secondary suppression hides further entries until every small
count sits in a rectangle of hidden entries that can shift together (see
``_rectangle_move``), so what is shown fits more than one value for it. A
reader knows the rule: a cell shown as "färre än 5" is 1 to 4; one hidden for
protection ("dolt") may be anything. Where no protection is possible (every
entry of a small table is 1–4) the whole table is hidden, without saying which
entries are small.

Zero is not small: 0 is shown. ``None`` (nothing entered) is shown as a dash
and counts as 0 in the totals; a total of nothing entered is a dash too.

Plain functions on plain data; the kansli sees the real figures (callers pass
``suppress=False``).
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

LOW, PROTECTED = "low", "protected"
LOW_LABEL = _("fewer than 5")
PROTECTED_LABEL = _("hidden")


def is_small(value) -> bool:
    return value is not None and 1 <= value <= 4


@dataclass
class Cell:
    value: int | None
    hidden: str | None = None  # LOW, PROTECTED or None

    @property
    def shown(self) -> int | None:
        """The value as published: None when hidden (a chart leaves it out)."""
        return None if self.hidden else self.value

    @property
    def label(self) -> str:
        if self.hidden == LOW:
            return str(LOW_LABEL)
        if self.hidden == PROTECTED:
            return str(PROTECTED_LABEL)
        if self.value is None:
            return "–"
        return str(self.value)

    def __str__(self):
        return self.label


@dataclass
class PublishedTable:
    """``cells[r][c]``, ``row_totals[r]``, ``column_totals[c]`` and ``grand_total``."""

    cells: list[list[Cell]]
    row_totals: list[Cell]
    column_totals: list[Cell]
    grand_total: Cell
    suppressed: bool = field(default=False)
    withheld: bool = field(default=False)  # no protection possible: everything hidden

    @property
    def rows(self) -> list[tuple[list[Cell], Cell]]:
        """Each row's cells with the row's total."""
        return list(zip(self.cells, self.row_totals, strict=True))

    @property
    def any_hidden(self) -> bool:
        every = [c for row in self.cells for c in row] + self.row_totals + self.column_totals
        return any(c.hidden for c in [*every, self.grand_total])


def _full_matrix(rows):
    """Cells plus a total column and a total row: (R+1) × (C+1) ints (None as 0)."""
    width = len(rows[0]) if rows else 0
    matrix = [[v or 0 for v in row] + [sum(v or 0 for v in row)] for row in rows]
    totals = [sum((row[c] or 0) for row in matrix) for c in range(width + 1)]
    matrix.append(totals)
    return matrix


def _sign(index, size):
    return -1 if index == size else 1


def _fits(value, kind) -> bool:
    if kind == LOW:
        return 1 <= value <= 4
    return value >= 0


STEPS = (1, -1, 2, -2, 3, -3, 4, -4)


def _rectangle_move(corners, matrix, kinds, n_rows, n_cols):
    """A step that moves the four corners of a rectangle of the table (totals included)
    while every line still adds up and every corner stays in what a reader knows of it
    (1–4 for a small count, anything for a protecting one); None if there is none.

    Add ``+d, -d, -d, +d`` to the corners with each entry's sign flipped once for being
    in the total row and once for being in the total column: every row and column of
    the table, totals included, then still adds up. So a small count that can move
    this way cannot be derived from what is shown."""
    (r1, c1), (_, c2), (r2, _), _ = corners
    pattern = {(r1, c1): 1, (r1, c2): -1, (r2, c1): -1, (r2, c2): 1}
    for step in STEPS:
        if all(
            _fits(
                matrix[r][c] + step * sign * _sign(r, n_rows) * _sign(c, n_cols),
                kinds[(r, c)],
            )
            for (r, c), sign in pattern.items()
        ):
            return step
    return None


def _has_move(position, matrix, hidden, n_rows, n_cols) -> bool:
    r, c = position
    for r2 in range(n_rows + 1):
        for c2 in range(n_cols + 1):
            corners = [(r, c), (r, c2), (r2, c), (r2, c2)]
            if r2 == r or c2 == c or any(p not in hidden for p in corners):
                continue
            if _rectangle_move(corners, matrix, hidden, n_rows, n_cols) is not None:
                return True
    return False


def _protect(position, matrix, hidden, n_rows, n_cols) -> bool:
    """Make sure the small count at ``position`` has a rectangle that can move, hiding
    as few and as small other entries as possible. False if the table allows none."""
    r, c = position
    best = None
    for r2 in range(n_rows + 1):
        for c2 in range(n_cols + 1):
            if r2 == r or c2 == c:
                continue
            corners = [(r, c), (r, c2), (r2, c), (r2, c2)]
            kinds = {p: hidden.get(p, PROTECTED) for p in corners}
            if _rectangle_move(corners, matrix, kinds, n_rows, n_cols) is None:
                continue
            new = [p for p in corners if p not in hidden]
            # Hide few entries, inner cells before totals, small before large.
            cost = sum(
                1_000_000 + (1_000 if p[0] == n_rows or p[1] == n_cols else 0) + matrix[p[0]][p[1]]
                for p in new
            )
            if best is None or cost < best[0]:
                best = (cost, new)
    if best is None:
        return False
    for p in best[1]:
        hidden[p] = PROTECTED
    return True


def suppress_table(rows: list[list[int | None]], *, suppress: bool = True) -> PublishedTable:
    """Publish ``rows`` (a list of rows of counts) with its totals.

    With ``suppress`` (anyone but the kansli), counts 1–4 are hidden as "färre än 5"
    and further entries are hidden until no hidden one can be derived from a line.
    """
    n_rows = len(rows)
    n_cols = len(rows[0]) if rows else 0
    matrix = _full_matrix(rows)
    hidden: dict = {}
    withheld = False
    if suppress:
        for r, row in enumerate(matrix):
            for c, value in enumerate(row):
                if is_small(value):
                    hidden[(r, c)] = LOW
        pending = True
        while pending:
            pending = False
            for position, kind in sorted(hidden.items()):
                if kind != LOW or _has_move(position, matrix, hidden, n_rows, n_cols):
                    continue
                if not _protect(position, matrix, hidden, n_rows, n_cols):
                    # No rectangle can move (say, every entry 1–4): publish nothing of
                    # this table, and not even which entries are small.
                    for r in range(n_rows + 1):
                        for c in range(n_cols + 1):
                            hidden[(r, c)] = PROTECTED
                    withheld = True
                    pending = False
                    break
                pending = True

    def entered(r, c):
        """Whether anything was entered in the cell, or in the line a total adds up."""
        if r < n_rows and c < n_cols:
            return rows[r][c] is not None
        row_range = range(n_rows) if r == n_rows else [r]
        col_range = range(n_cols) if c == n_cols else [c]
        return any(rows[i][j] is not None for i in row_range for j in col_range)

    def cell(r, c):
        value = matrix[r][c] if entered(r, c) else None
        return Cell(value, hidden.get((r, c)))

    return PublishedTable(
        cells=[[cell(r, c) for c in range(n_cols)] for r in range(n_rows)],
        row_totals=[cell(r, n_cols) for r in range(n_rows)],
        column_totals=[cell(n_rows, c) for c in range(n_cols)],
        grand_total=cell(n_rows, n_cols),
        suppressed=suppress,
        withheld=withheld,
    )


def publish_count(value: int | None, *, suppress: bool = True) -> Cell:
    """A single published figure (no totals beside it)."""
    return Cell(value, LOW if suppress and is_small(value) else None)
