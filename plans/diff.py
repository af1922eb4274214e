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
    """A part present in both versions whose text changed (``old``/``new``), or added/removed."""

    label: str
    old: str | None
    new: str | None
    context: str = ""

    @property
    def diff(self) -> SafeString:
        return word_diff(self.old or "", self.new or "")


@dataclass
class PartChanges:
    added: list[TextChange] = field(default_factory=list)
    removed: list[TextChange] = field(default_factory=list)
    changed: list[TextChange] = field(default_factory=list)

    def __bool__(self):
        return bool(self.added or self.removed or self.changed)


@dataclass
class LineChange:
    group: str
    name: str
    old: list  # one amount (or None) per compared column
    new: list

    @property
    def change(self) -> list:
        return [
            (n or Decimal(0)) - (o or Decimal(0)) for o, n in zip(self.old, self.new, strict=True)
        ]

    @property
    def cells(self) -> list:
        return list(zip(self.old, self.new, self.change, strict=True))

    @property
    def status(self) -> str:
        if all(o is None for o in self.old):
            return "added"
        if all(n is None for n in self.new):
            return "removed"
        return "changed"


@dataclass
class TotalChange:
    label: str
    old: list
    new: list

    @property
    def change(self) -> list:
        return [
            None if o is None or n is None else n - o
            for o, n in zip(self.old, self.new, strict=True)
        ]

    @property
    def cells(self) -> list:
        return list(zip(self.old, self.new, self.change, strict=True))


@dataclass
class BudgetChanges:
    columns: list[str] = field(default_factory=list)
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
    return [("", s.heading, s.body) for s in plan.sections.all()]


def _section_changes(earlier: Plan, later: Plan) -> PartChanges:
    """Sections match by heading (in order among equal headings); a changed body is a change."""
    result = PartChanges()
    new_left = _sections(later)
    for _ctx, heading, body in _sections(earlier):
        match = next((n for n in new_left if n[1] == heading), None)
        if match is None:
            result.removed.append(TextChange(heading, body, None))
            continue
        new_left.remove(match)
        if match[2] != body:
            result.changed.append(TextChange(heading, body, match[2]))
    result.added = [TextChange(heading, None, body) for _ctx, heading, body in new_left]
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


def _budget_changes(earlier: Plan, later: Plan) -> BudgetChanges:
    from budgets.models import Budget, BudgetAmount, BudgetLine
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

    def key(column):
        return (column.kind, column.year)

    new_columns = {key(c): i for i, c in enumerate(new_table.columns)}
    pairs = [
        (i, new_columns[key(c)], c.label)
        for i, c in enumerate(old_table.columns)
        if key(c) in new_columns
    ]
    result = BudgetChanges(columns=[label for _i, _j, label in pairs])

    def amounts(budget):
        columns = {c.pk: key(c) for c in budget.columns.all()}
        lines = {}
        for line in BudgetLine.objects.filter(group__budget=budget).select_related(
            "group", "parent"
        ):
            lines[line.pk] = (
                line.group.name,
                f"{line.parent.name}: {line.name}" if line.parent_id else line.name,
            )
        values = {}
        for line_key in lines.values():
            values.setdefault(line_key, {})
        for a in BudgetAmount.objects.filter(line__group__budget=budget):
            values[lines[a.line_id]][columns[a.column_id]] = a.amount
        return values

    old_values, new_values = amounts(old_budget), amounts(new_budget)
    column_keys = [key(old_table.columns[i]) for i, _j, _label in pairs]
    for line_key in [*old_values, *(k for k in new_values if k not in old_values)]:
        old = (
            [old_values[line_key].get(k) for k in column_keys]
            if line_key in old_values
            else [None] * len(column_keys)
        )
        new = (
            [new_values[line_key].get(k) for k in column_keys]
            if line_key in new_values
            else [None] * len(column_keys)
        )
        if old != new or (line_key in old_values) != (line_key in new_values):
            result.lines.append(LineChange(line_key[0], line_key[1], old, new))

    def figures(table, attr, index):
        return [getattr(table, attr)[p[index]].computed for p in pairs]

    for attr, label in [
        ("income_total", _("Total income")),
        ("cost_total", _("Total costs")),
        ("result", _("Result of the year")),
    ]:
        result.totals.append(
            TotalChange(label, figures(old_table, attr, 0), figures(new_table, attr, 1))
        )
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
