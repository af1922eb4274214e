"""What changed in the budget between two versions of a plan: plain functions, no views.

Budget lines match by group and name, budget columns by kind and year. The totals are
``budget_table``'s for each version, never computed again here. The result is the
``"budget"`` part of ``plans.diff.PlanChanges`` (registered in ``BudgetsConfig.ready()``
through ``plans.extensions.add_changes``), shown on the plan's "what changed" page.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar

from django.utils.translation import gettext as _

from plans.models import Plan

from .columns import paired_columns
from .models import Budget, BudgetAmount, BudgetLine
from .selectors import budget_table


def _difference(old, new):
    """``new - old``; None where either is missing (a figure that cannot be computed)."""
    return None if old is None or new is None else new - old


@dataclass
class LineChange:
    group: str
    name: str
    old: list  # one amount (or None) per compared column
    new: list
    status: str = "changed"  # "added" / "removed": the line is in one version only

    @property
    def change(self) -> list:
        """Per column: an amount not entered counts as nothing budgeted; None where the line
        has no amount in either version."""
        return [
            None if o is None and n is None else (n or Decimal(0)) - (o or Decimal(0))
            for o, n in zip(self.old, self.new, strict=True)
        ]

    @property
    def cells(self) -> list:
        return list(zip(self.old, self.new, self.change, strict=True))


@dataclass
class TotalChange:
    """A computed figure (a group's or side's total, the result, the equity) in both
    versions; None where a version cannot compute it."""

    label: str
    old: list
    new: list
    kind: str = "total"  # "group" for a group's total

    @property
    def change(self) -> list:
        return [_difference(o, n) for o, n in zip(self.old, self.new, strict=True)]

    @property
    def cells(self) -> list:
        return list(zip(self.old, self.new, self.change, strict=True))


@dataclass(frozen=True)
class ColumnPair:
    """A later column and the earlier column that shows the same year's figure."""

    earlier: str
    later: str

    @property
    def label(self) -> str:
        if self.earlier == self.later:
            return self.later
        return _("%(later)s (before: %(earlier)s)") % {
            "later": self.later,
            "earlier": self.earlier,
        }


@dataclass
class BudgetChanges:
    columns: list[ColumnPair] = field(default_factory=list)
    lines: list[LineChange] = field(default_factory=list)
    totals: list[TotalChange] = field(default_factory=list)
    missing: str = ""  # "earlier" / "later" / "both" when a version has no budget

    # Its part of the plan's "what changed" page (``plans/changes.html`` includes it).
    template_name: ClassVar[str] = "budgets/includes/_changes.html"

    def __bool__(self):
        """Something changed: a line, or a total in a column."""
        return bool(self.lines or any(any(c for c in t.change if c) for t in self.totals))

    @property
    def colspan(self) -> int:
        """The columns of the changes table: the line's name, then before/now/change."""
        return 1 + 3 * len(self.columns)


def _line_amounts(budget) -> dict:
    """(group, line) → {column pk: amount}, lines in the budget's order; a "varav" line is
    named with the line it is part of."""
    lines = BudgetLine.objects.filter(group__budget=budget).select_related("group", "parent")
    keys, values = {}, {}
    for line in lines.order_by("group__order", "group__pk", "order", "pk"):
        name = f"{line.parent.name}: {line.name}" if line.parent_id else line.name
        keys[line.pk] = (line.group.name, name)
        values.setdefault(keys[line.pk], {})
    for a in BudgetAmount.objects.filter(line__group__budget=budget):
        values[keys[a.line_id]][a.column_id] = a.amount
    return values


def _totals(old_table, new_table, pairs) -> list[TotalChange]:
    """Group and side totals, the result and the equity, as ``budget_table`` computes them
    for each version (never computed again here), for the paired columns."""
    old_columns, new_columns = [o for o, _n in pairs], [n for _o, n in pairs]

    def values(table, columns, figures):
        index = {c.pk: i for i, c in enumerate(table.columns)}
        return [None if figures is None else figures[index[c.pk]].computed for c in columns]

    def row(label, old_figures, new_figures, kind="total"):
        return TotalChange(
            label,
            values(old_table, old_columns, old_figures),
            values(new_table, new_columns, new_figures),
            kind,
        )

    def groups(old_blocks, new_blocks):
        old_by_name = {b.group.name: b for b in old_blocks}
        new_by_name = {b.group.name: b for b in new_blocks}
        names = [*new_by_name, *(n for n in old_by_name if n not in new_by_name)]
        return [
            row(
                _("%(group)s, total") % {"group": name},
                old_by_name[name].totals if name in old_by_name else None,
                new_by_name[name].totals if name in new_by_name else None,
                "group",
            )
            for name in names
        ]

    return [
        *groups(old_table.income, new_table.income),
        row(_("Total income"), old_table.income_total, new_table.income_total),
        *groups(old_table.costs, new_table.costs),
        row(_("Total costs"), old_table.cost_total, new_table.cost_total),
        row(_("Result of the year"), old_table.result, new_table.result),
        row(_("Equity at the start of the year"), old_table.equity_start, new_table.equity_start),
        row(_("Equity at the end of the year"), old_table.equity_end, new_table.equity_end),
        *groups(old_table.allocations, new_table.allocations),
        # As on the budget page: the free equity is shown where there are allocations.
        *(
            [
                row(
                    _("Free equity at the end of the year"),
                    old_table.free_equity,
                    new_table.free_equity,
                )
            ]
            if old_table.allocations or new_table.allocations
            else []
        ),
    ]


def budget_changes(*, earlier: Plan, later: Plan) -> BudgetChanges:
    """The budget lines whose amounts differ and every total, column by column.

    Columns pair by kind and year (``columns.paired_columns``), so next year's
    plan compares its decided budget with last year's budget and its budget with last
    year's plan for the year. Lines are compared on the paired columns only: a line with
    amounts only in columns outside them (last year's earlier years) is no change.
    """
    budgets = {b.plan_id: b for b in Budget.objects.filter(plan__in=[earlier.pk, later.pk])}
    old_budget, new_budget = budgets.get(earlier.pk), budgets.get(later.pk)
    if old_budget is None or new_budget is None:
        missing = (
            "both"
            if old_budget is None and new_budget is None
            else ("earlier" if old_budget is None else "later")
        )
        return BudgetChanges(missing=missing)
    old_table, new_table = budget_table(budget=old_budget), budget_table(budget=new_budget)
    pairs = paired_columns(old_table.columns, new_table.columns)
    result = BudgetChanges(columns=[ColumnPair(old.label, new.label) for old, new in pairs])

    old_values, new_values = _line_amounts(old_budget), _line_amounts(new_budget)
    for line_key in [*new_values, *(k for k in old_values if k not in new_values)]:
        old = [old_values.get(line_key, {}).get(c.pk) for c, _new in pairs]
        new = [new_values.get(line_key, {}).get(c.pk) for _old, c in pairs]
        if old == new:
            continue
        status = (
            "changed"
            if line_key in old_values and line_key in new_values
            else ("added" if line_key in new_values else "removed")
        )
        result.lines.append(LineChange(line_key[0], line_key[1], old, new, status))
    result.totals = _totals(old_table, new_table, pairs)
    return result
