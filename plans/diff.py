"""What changed between two versions of a plan: plain functions, no views.

Parts of two versions are different rows (a revision or next year's plan is a
copy), so they are matched by what they say: sections by heading, goals and
measurement points by their text under the same goal area or intervention
(an edited one is matched to the most similar one left). What changed in the
budget is ``budgets.diff``'s, added through ``extensions.add_changes``.
"""

import difflib
import re
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from . import extensions
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


@dataclass
class PlanChanges:
    earlier: Plan
    later: Plan
    title: TextChange | None
    sections: PartChanges
    goals: PartChanges
    points: PartChanges
    # What the apps above plans add (``extensions.add_changes``), by name: "budget".
    extra: dict = field(default_factory=dict)

    @property
    def nothing_changed(self) -> bool:
        return not (
            self.title or self.sections or self.goals or self.points or any(self.extra.values())
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
        extra={
            name: compute(earlier=earlier, later=later)
            for name, compute in extensions.CHANGES.items()
        },
    )
