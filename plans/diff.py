"""What changed between two versions of a plan: plain functions, no views.

Parts of two versions are different rows (a revision or next year's plan is a
copy), so they are matched by what they say: sections by heading, goals and
measurement points by their text under the same goal area or intervention
(an edited one is matched to the most similar one left), budget lines by group
and name, budget columns by kind and year.
"""

import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .models import Goal, MeasurementPoint, Plan
from .richtext import render_text

SIMILAR = 0.5  # an edited goal or point still shares at least half its words


def word_diff(old: str, new: str) -> SafeString:
    """``new`` with the words removed since ``old`` in <del> and the added ones in <ins>.

    Whitespace (line breaks included) is kept as written; every word is escaped.
    """
    old_tokens = re.findall(r"\s+|[^\s]+", old or "")
    new_tokens = re.findall(r"\s+|[^\s]+", new or "")
    parts = []
    matcher = difflib.SequenceMatcher(a=old_tokens, b=new_tokens, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(old_tokens[a1:a2])))
            continue
        removed = "".join(old_tokens[a1:a2])
        added = "".join(new_tokens[b1:b2])
        if removed.strip():
            parts.append(f"<del>{escape(removed)}</del>")
        elif removed:
            parts.append(escape(removed))
        if added.strip():
            parts.append(f"<ins>{escape(added)}</ins>")
        elif added and not removed:
            parts.append(escape(added))
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped above


@dataclass
class TextChange:
    """A part present in both versions whose text changed (``old``/``new``), or added/removed.

    ``old_label``: the heading the part had before, where it was renamed."""

    label: str
    old: str | None
    new: str | None
    context: str = ""
    old_label: str | None = None

    @property
    def diff(self) -> SafeString:
        return word_diff(self.old or "", self.new or "")

    @property
    def heading_diff(self) -> SafeString:
        return word_diff(self.old_label or "", self.label)

    @property
    def body_changed(self) -> bool:
        return self.old != self.new


@dataclass
class PartChanges:
    added: list[TextChange] = field(default_factory=list)
    removed: list[TextChange] = field(default_factory=list)
    changed: list[TextChange] = field(default_factory=list)

    def __bool__(self):
        return bool(self.added or self.removed or self.changed)


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


@dataclass
class PlanChanges:
    earlier: Plan
    later: Plan
    title: TextChange | None
    sections: PartChanges
    goals: PartChanges
    points: PartChanges
    budget: BudgetChanges

    @property
    def nothing_changed(self) -> bool:
        return not (
            self.title
            or self.sections
            or self.goals
            or self.points
            or self.budget.lines
            or any(any(c for c in t.change if c) for t in self.budget.totals)
        )


def _match_texts(old_items, new_items) -> PartChanges:
    """``*_items``: lists of ``(context, label, text)``. Exact text first, then most similar."""
    result = PartChanges()
    new_left = list(new_items)
    old_left = []
    for item in old_items:
        same = next((n for n in new_left if n[0] == item[0] and n[2] == item[2]), None)
        if same is not None:
            new_left.remove(same)
        else:
            old_left.append(item)
    for item in old_left:
        best, best_ratio = None, SIMILAR
        for candidate in new_left:
            if candidate[0] != item[0]:
                continue
            ratio = difflib.SequenceMatcher(
                a=item[2].split(), b=candidate[2].split(), autojunk=False
            ).ratio()
            if ratio >= best_ratio:
                best, best_ratio = candidate, ratio
        if best is None:
            result.removed.append(TextChange(item[1], item[2], None, item[0]))
        else:
            new_left.remove(best)
            result.changed.append(TextChange(best[1], item[2], best[2], item[0]))
    result.added = [TextChange(n[1], None, n[2], n[0]) for n in new_left]
    return result


def _sections(plan: Plan):
    """``(heading, body as the reader sees it)`` per section: Markdown rendered to text, so
    a diff never shows ``**`` or ``- ``."""
    return [(s.heading, render_text(s.body)) for s in plan.sections.all()]


def _similarity(old: str, new: str) -> float:
    return difflib.SequenceMatcher(a=old.split(), b=new.split(), autojunk=False).ratio()


def _section_changes(earlier: Plan, later: Plan) -> PartChanges:
    """Sections match by heading (in order among equal headings); a section left over
    matches the left-over section whose text is most alike (a renamed heading, shown as a
    heading change). A changed body is a change, diffed word by word as rendered text."""
    result = PartChanges()
    new_left = _sections(later)
    old_left = []
    for heading, body in _sections(earlier):
        match = next((n for n in new_left if n[0] == heading), None)
        if match is None:
            old_left.append((heading, body))
            continue
        new_left.remove(match)
        if match[1] != body:
            result.changed.append(TextChange(heading, body, match[1]))
    for heading, body in old_left:
        best, best_ratio = None, SIMILAR
        for candidate in new_left:
            ratio = _similarity(body, candidate[1]) if body or candidate[1] else 0
            if ratio >= best_ratio:
                best, best_ratio = candidate, ratio
        if best is None:
            result.removed.append(TextChange(heading, body, None))
            continue
        new_left.remove(best)
        result.changed.append(TextChange(best[0], body, best[1], old_label=heading))
    result.added = [TextChange(heading, None, body) for heading, body in new_left]
    return result


def _goal_items(plan: Plan):
    goals = Goal.objects.filter(plan=plan).select_related("goal_area", "plan_intervention")
    return [
        (
            g.goal_area.name if g.goal_area_id else g.plan_intervention.name,
            g.get_level_display(),
            g.text,
        )
        for g in goals
    ]


def _point_items(plan: Plan):
    points = MeasurementPoint.objects.filter(plan=plan).select_related(
        "goal__goal_area",
        "goal__plan_intervention",
        "plan_intervention",
    )
    items = []
    for p in points:
        if p.plan_intervention_id:
            context = p.plan_intervention.name
        elif p.goal.goal_area_id:
            context = p.goal.goal_area.name
        else:
            context = p.goal.plan_intervention.name
        target = p.target_summary()
        items.append(
            (context, str(p.get_kind_display()), f"{p.text} ({target})" if target else p.text)
        )
    return items


def _line_amounts(budget) -> dict:
    """(group, line) → {column pk: amount}, lines in the budget's order; a "varav" line is
    named with the line it is part of."""
    from budgets.models import BudgetAmount, BudgetLine

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


def _budget_changes(earlier: Plan, later: Plan) -> BudgetChanges:
    """The budget lines whose amounts differ and every total, column by column.

    Columns pair by kind and year (``budgets.columns.paired_columns``), so next year's
    plan compares its decided budget with last year's budget and its budget with last
    year's plan for the year. Lines are compared on the paired columns only: a line with
    amounts only in columns outside them (last year's earlier years) is no change.
    """
    from budgets.columns import paired_columns
    from budgets.models import Budget
    from budgets.selectors import budget_table

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


def plan_changes(*, earlier: Plan, later: Plan) -> PlanChanges:
    """Everything that differs between ``earlier`` and ``later`` (two versions of a plan)."""
    title = None
    if earlier.title != later.title:
        title = TextChange("", earlier.title, later.title)
    return PlanChanges(
        earlier=earlier,
        later=later,
        title=title,
        sections=_section_changes(earlier, later),
        goals=_match_texts(_goal_items(earlier), _goal_items(later)),
        points=_match_texts(_point_items(earlier), _point_items(later)),
        budget=_budget_changes(earlier, later),
    )
