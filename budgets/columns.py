"""How a budget's columns move on when next year's plan starts from this year's.

A year's figure changes name as the years pass: what a plan calls "Plan 2023"
becomes next year's "Budget 2023", and that budget becomes the year after's
"Beslutad budget 2023" (the decided budget, beside its forecast). The copy of a
budget to next year's plan, the comparison of two plans ("Vad som ändrats") and
the import of last year's workbook all follow this one rule.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .models import BudgetColumn

Kind = BudgetColumn.Kind

# The kind the same year's column had in the plan a year earlier.
EARLIER_KIND = {Kind.DECIDED: Kind.BUDGET, Kind.BUDGET: Kind.PLAN}
YEAR = re.compile(r"\b(?:19|20)\d\d\b")


@dataclass(frozen=True)
class CarriedColumn:
    """A column of the new layout, and the earlier plan's column whose amounts it takes."""

    kind: str
    year: int
    label: str
    source: BudgetColumn | None


def _default_label(kind: str, year: int) -> str:
    labels = {
        Kind.DECIDED: _("Decided budget %(year)s"),
        Kind.FORECAST: _("Forecast %(year)s"),
        Kind.OUTCOME: _("Outcome %(year)s"),
        Kind.BUDGET: _("Budget %(year)s"),
        Kind.PLAN: _("Plan %(year)s"),
    }
    return labels[kind] % {"year": year}


def _label(kind: str, year: int, source_columns) -> str:
    """The förbund's own way of naming a column of this kind ("Beslutad Budget 2021",
    "Prognos 2021 (sept)", "Budget 2024" for a plan year), with the new year; else the
    app's own heading."""
    for column in source_columns:
        if column.kind == kind and YEAR.findall(column.label) == [str(column.year)]:
            return column.label.replace(str(column.year), str(year))
    return _default_label(kind, year)


def next_year_layout(source_columns, *, year: int, end_year: int) -> list[CarriedColumn]:
    """The columns of a plan for ``year``–``end_year`` started from an earlier plan's.

    The year before the plan gets the decided budget (the earlier plan's budget for
    that year) and an empty forecast; the plan year and the later years take what
    the earlier plan budgeted or planned for them; a year it did not reach is empty.
    """
    source_columns = list(source_columns)
    by_key = {(c.kind, c.year): c for c in source_columns}

    def budgeted(y):
        return by_key.get((Kind.BUDGET, y)) or by_key.get((Kind.PLAN, y))

    layout = [
        (Kind.DECIDED, year - 1, budgeted(year - 1)),
        (Kind.FORECAST, year - 1, None),
        (Kind.BUDGET, year, budgeted(year)),
        *((Kind.PLAN, y, budgeted(y)) for y in range(year + 1, end_year + 1)),
    ]
    return [
        CarriedColumn(kind, y, _label(kind, y, source_columns), source)
        for kind, y, source in layout
    ]


def earlier_form(column, candidates):
    """Among ``candidates`` (an earlier plan's columns), the one that shows the same
    figure as ``column``: the same kind and year, else what the year was called in an
    earlier plan (the budget, then the plan, for a decided budget; the plan for a
    budget). None if none."""
    by_key = {(c.kind, c.year): c for c in candidates}
    kind = column.kind
    while kind is not None:
        found = by_key.get((kind, column.year))
        if found is not None:
            return found
        kind = EARLIER_KIND.get(kind)
    return None


def paired_columns(earlier_columns, later_columns) -> list[tuple]:
    """``(earlier column, later column)`` for every later column that has an earlier form,
    in the later plan's order; each earlier column is used once."""
    pairs, used = [], set()
    for column in later_columns:
        found = earlier_form(column, [c for c in earlier_columns if c.pk not in used])
        if found is not None:
            used.add(found.pk)
            pairs.append((found, column))
    return pairs
