"""Small-count suppression: 1–4 shown as "färre än 5", and nothing hidden can be derived."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from followup.suppression import (
    LOW,
    LOW_LABEL,
    PROTECTED,
    is_small,
    publish_count,
    suppress_table,
)


def entries(table):
    """Every published entry as ((row, col), Cell); totals at index len(rows)/len(cols)."""
    n_rows, n_cols = len(table.cells), len(table.cells[0])
    for r, row in enumerate(table.cells):
        for c, cell in enumerate(row):
            yield (r, c), cell
    for r, cell in enumerate(table.row_totals):
        yield (r, n_cols), cell
    for c, cell in enumerate(table.column_totals):
        yield (n_rows, c), cell
    yield (n_rows, n_cols), table.grand_total


def allowed(cell, value):
    """Whether ``value`` fits what a reader sees of ``cell``."""
    if cell.hidden == LOW:
        return 1 <= value <= 4
    if cell.hidden == PROTECTED:
        return value >= 0
    return value == (cell.value or 0)


def feasible_values(table, cap):
    """For each hidden entry, every value it takes in some table of cells (each at most
    ``cap``) that matches everything shown: the reader's best effort, done exactly by
    dynamic programming over rows with the column sums as state."""
    n_rows, n_cols = len(table.cells), len(table.cells[0])
    candidates = []
    for r, row in enumerate(table.cells):
        domains = [range(cap + 1) if cell.hidden else [cell.value or 0] for cell in row]
        candidates.append(
            [
                combo
                for combo in itertools.product(*domains)
                if all(allowed(cell, v) for cell, v in zip(row, combo, strict=True))
                and allowed(table.row_totals[r], sum(combo))
            ]
        )

    def final_ok(sums):
        return all(allowed(table.column_totals[c], sums[c]) for c in range(n_cols)) and allowed(
            table.grand_total, sum(sums)
        )

    forward = [{(0,) * n_cols}]
    for r in range(n_rows):
        forward.append(
            {
                tuple(a + b for a, b in zip(state, combo, strict=True))
                for state in forward[r]
                for combo in candidates[r]
            }
        )
    backward = [set() for _ in range(n_rows + 1)]
    backward[n_rows] = {s for s in forward[n_rows] if final_ok(s)}
    seen = {}
    for r in range(n_rows - 1, -1, -1):
        for state in forward[r]:
            for combo in candidates[r]:
                after = tuple(a + b for a, b in zip(state, combo, strict=True))
                if after in backward[r + 1]:
                    backward[r].add(state)
                    for c, cell in enumerate(table.cells[r]):
                        if cell.hidden:
                            seen.setdefault((r, c), set()).add(combo[c])
                    if table.row_totals[r].hidden:
                        seen.setdefault((r, n_cols), set()).add(sum(combo))
    for state in backward[n_rows]:
        for c in range(n_cols):
            if table.column_totals[c].hidden:
                seen.setdefault((n_rows, c), set()).add(state[c])
        if table.grand_total.hidden:
            seen.setdefault((n_rows, n_cols), set()).add(sum(state))
    return seen


counts = st.one_of(st.integers(0, 8), st.none())
tables = st.integers(1, 2).flatmap(
    lambda n_cols: st.lists(
        st.lists(counts, min_size=n_cols, max_size=n_cols), min_size=1, max_size=3
    )
)


@settings(max_examples=120, deadline=None)
@given(tables)
def test_no_small_count_can_be_derived_from_what_is_published(rows):
    table = suppress_table(rows)
    grand = sum(v or 0 for row in rows for v in row)
    seen = feasible_values(table, cap=grand + 5)
    for position, cell in entries(table):
        if is_small(cell.value):
            assert cell.hidden, (rows, position)
            assert len(seen[position]) >= 2, (rows, position, seen[position])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(counts, min_size=2, max_size=2), min_size=1, max_size=6))
def test_every_count_from_1_to_4_is_hidden_and_nothing_else_is_changed(rows):
    table = suppress_table(rows)
    for _position, cell in entries(table):
        if is_small(cell.value) and not table.withheld:
            assert cell.hidden == LOW and cell.label == str(LOW_LABEL)
        if is_small(cell.value):
            assert cell.hidden
        if not cell.hidden:
            assert cell.shown == cell.value
    totals = [None if all(v is None for v in row) else sum(v or 0 for v in row) for row in rows]
    assert [c.value for c in table.row_totals] == totals


def test_the_kansli_sees_the_real_figures():
    table = suppress_table([[3, 10], [7, 8]], suppress=False)
    assert not table.any_hidden
    assert [[c.label for c in row] for row in table.cells] == [["3", "10"], ["7", "8"]]


def test_one_small_cell_takes_a_partner_in_its_row_and_column():
    table = suppress_table([[3, 10], [7, 8], [6, 12]])
    assert table.cells[0][0].hidden == LOW
    assert table.cells[0][1].hidden == PROTECTED  # else 13 − 10 gives the 3
    assert any(table.cells[r][0].hidden == PROTECTED for r in (1, 2))  # else the column total


def test_two_fours_under_a_total_of_eight_are_not_left_alone():
    table = suppress_table([[4, 4], [7, 8]])
    # 8 = 4 + 4 is the only way two counts from 1 to 4 make 8: the total must go too.
    assert table.row_totals[0].hidden


def test_zero_and_nothing_entered_are_not_small():
    table = suppress_table([[0, 12], [None, 9]])
    assert not table.any_hidden
    assert table.cells[1][0].label == "–"


def test_a_single_figure():
    assert publish_count(3).label == str(LOW_LABEL)
    assert publish_count(3, suppress=False).label == "3"
    assert publish_count(5).label == "5"


def test_a_table_of_only_small_counts_is_withheld_whole():
    table = suppress_table([[1, 1], [1, 1]])
    assert table.withheld
    assert {cell.hidden for _, cell in entries(table)} == {PROTECTED}


def test_a_quarter_with_nothing_entered_has_no_total():
    table = suppress_table([[None, None], [7, 8]])
    assert table.row_totals[0].label == "–" and table.row_totals[1].label == "15"
    assert table.grand_total.label == "15"
