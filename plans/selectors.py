"""Reads for plans: the whole plan in a fixed number of queries."""

import re
from dataclasses import dataclass

from django.db.models import CharField, Prefetch, Q, TextField

from associations.models import MemberParty

from . import frozen_cache
from .models import (
    CommunicationItem,
    ControlPoint,
    Goal,
    GoalArea,
    Intervention,
    MeasurementPoint,
    Plan,
    PlanIntervention,
    Section,
)


def _points(queryset) -> Prefetch:
    return Prefetch(
        "measurement_points",
        queryset=queryset.prefetch_related(
            Prefetch("counted_interventions", to_attr="counted_list")
        ),
        to_attr="point_list",
    )


def _goals_with_points() -> Prefetch:
    # Built per call: a scoped queryset made at import time would be outside any scope.
    return Prefetch(
        "goals",
        queryset=Goal.objects.prefetch_related(_points(MeasurementPoint.objects.all())),
        to_attr="goal_list",
    )


def plans_of(*, association):
    return Plan.objects.filter(association=association).select_related("association", "copied_from")


def plan_document(*, plan: Plan) -> dict:
    """Everything the plan page (and later the PDF) shows, fully prefetched.

    Related rows arrive as plain lists (``goal_list``, ``point_list``,
    ``staffing_list``...): a template that calls ``.all()`` on a scoped related
    manager would build a new filtered queryset each time, which costs more than
    the rendering itself on a large plan.
    """
    interventions = list(
        PlanIntervention.objects.filter(plan=plan)
        .select_related("intervention", "owner_party")
        .prefetch_related(
            Prefetch("municipalities", to_attr="municipality_list"),
            Prefetch(
                "staffing",
                queryset=plan.staffing_lines().select_related("party"),
                to_attr="staffing_list",
            ),
            _goals_with_points(),
            _points(MeasurementPoint.objects.filter(goal__isnull=True)),
        )
    )
    goal_areas = list(plan.goal_areas.prefetch_related(_goals_with_points()))
    _counted_by_the_plans_names(goal_areas, interventions)
    return {
        "plan": plan,
        "sections": list(plan.sections.all()),
        "goal_areas": goal_areas,
        "plan_interventions": interventions,
        "control_points": list(plan.control_points.all()),
        "communication_items": list(plan.communication_items.all()),
    }


def _counted_by_the_plans_names(goal_areas, entries) -> None:
    """A measurement point's counted interventions as this plan names them (its own
    entries), not by the shared intervention's latest name."""
    by_intervention = {entry.intervention_id: entry for entry in entries}
    goals = [g for area in goal_areas for g in area.goal_list]
    goals += [g for entry in entries for g in entry.goal_list]
    points = [p for g in goals for p in g.point_list]
    points += [p for entry in entries for p in entry.point_list]
    for point in points:
        point.counted_list = [by_intervention.get(i.pk, i) for i in point.counted_list]


def attach_budget_comments(table, threads) -> None:
    """Give each line of the budget table its comment threads as ``comment_list``."""
    by_line: dict[int, list] = {}
    for thread in threads:
        if thread.budget_line_id:
            by_line.setdefault(thread.budget_line_id, []).append(thread)
    for block in [*table.income, *table.costs]:
        for row in block.rows:
            row.line.comment_list = by_line.get(row.line.pk, [])


def document_parts(document: dict) -> dict:
    """Every part the plan page shows, from ``plan_document``'s lists, by model."""
    goals = [g for area in document["goal_areas"] for g in area.goal_list]
    points = [p for g in goals for p in g.point_list]
    for entry in document["plan_interventions"]:
        goals += entry.goal_list
        points += entry.point_list + [p for g in entry.goal_list for p in g.point_list]
    return {
        Section: document["sections"],
        GoalArea: document["goal_areas"],
        Goal: goals,
        MeasurementPoint: points,
        PlanIntervention: document["plan_interventions"],
        ControlPoint: document["control_points"],
        CommunicationItem: document["communication_items"],
    }


def attach_comments(document: dict, threads) -> None:
    """Give each part on the plan page its comment threads as ``comment_list``."""
    by_target = {}
    for thread in threads:
        by_target.setdefault(thread.anchor, []).append(thread)
    parts = document_parts(document)
    for model, prefix in (
        (Section, "section"),
        (PlanIntervention, "intervention"),
        (Goal, "goal"),
        (MeasurementPoint, "point"),
    ):
        for obj in parts[model]:
            obj.comment_list = by_target.get(f"{prefix}-{obj.pk}", [])


def plan_page_body_key(*, plan: Plan, threads: list) -> str | None:
    """The cache key of an approved plan's page body (``plans.frozen_cache``): what it
    shows besides the frozen plan is the förbund's parties and interventions as they
    are now, and each part's comment threads (their count and the first one's link).
    None for a plan that is not approved: its page is rendered each time."""
    return frozen_cache.frozen_key(
        plan=plan,
        kind="plan-page",
        live=[
            MemberParty.objects.filter(association=plan.association_id),
            Intervention.objects.filter(association=plan.association_id),
        ],
        extra=[plan.association.slug, [(thread.anchor, thread.pk) for thread in threads]],
    )


# The parts of a plan whose texts are copied to next year's, with the name of their
# edit URL (``plans:<name>_update``).
COPIED_TEXTS = (
    (Section, "sections"),
    (GoalArea, "goal_areas"),
    (Goal, "goals"),
    (MeasurementPoint, "points"),
    (PlanIntervention, "interventions"),
    (ControlPoint, "controls"),
    (CommunicationItem, "communication"),
)


@dataclass(frozen=True)
class OldYearMention:
    """A part of a copied draft whose text still names the year it was copied from."""

    url_name: str
    pk: int
    label: str
    fields: list[str]


def _free_texts(model) -> list:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, (CharField, TextField)) and not f.choices
    ]


def old_year_mentions(*, plan: Plan, document: dict | None = None) -> list[OldYearMention]:
    """The parts of a draft started from an earlier plan ("Starta planen för 2023")
    whose headings or texts still name that plan's first year, for the kansli to go
    through. Empty for a plan not copied or no longer editable. Looked for in the
    parts of ``plan_document(plan=plan)`` when the page has read them, else one query
    per kind."""
    source = plan.copied_from
    if source is None or not plan.is_editable:
        return []
    year = str(source.year)
    named = re.compile(rf"(?<!\d){year}(?!\d)")
    loaded = document_parts(document) if document is not None else {}
    mentions = []
    for model, name in COPIED_TEXTS:
        fields = _free_texts(model)
        if model in loaded:
            parts = sorted(loaded[model], key=lambda part: part.pk)
        else:
            mentioning = Q()
            for field in fields:
                mentioning |= Q(**{f"{field.name}__contains": year})
            parts = model.objects.filter(plan=plan).filter(mentioning).order_by("pk")
        for part in parts:
            found = [
                str(f.verbose_name) for f in fields if named.search(getattr(part, f.name) or "")
            ]
            if found:
                label = " ".join(str(part).split())
                label = label if len(label) <= 60 else f"{label[:59]}…"
                mentions.append(OldYearMention(f"plans:{name}_update", part.pk, label, found))
    return mentions
