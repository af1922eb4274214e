"""Demo plans, transcribed from the seed plans into ``plans/demo/<slug>.json``.

Idempotent: a förbund's seed plan is created once (matched on year and
title); running again leaves it, and any edits made in the browser, alone.
"""

import datetime
import json
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django_scopes import scope

from associations.models import MemberParty, Membership, Role

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
    StaffingLine,
)
from .services import leader_names

DEMO_DIR = Path(__file__).resolve().parent / "demo"


def read_demo_plan(slug: str) -> dict:
    return json.loads((DEMO_DIR / f"{slug}.json").read_text(encoding="utf-8"))["plan"]


def _point_fields(point: dict) -> dict:
    kind = point["type"]
    fields = {"kind": kind, "text": point["text"]}
    if kind in ("count_floor", "activity_count"):
        fields["target_count"] = point.get("target")
    if kind == "count_floor":
        fields["gender_split"] = bool(point.get("gender_split", True))
        # What the number counts; a point without it is not evaluated from the figures.
        fields["measure"] = point.get("measure", "")
    if kind == "activity_count":
        fields["activity"] = point.get("activity", "")
        fields["measure"] = point.get("measure", "activities")
    if kind in ("share_target", "outcome_share"):
        percent = point.get("target_percent")
        fields["target_percent"] = None if percent is None else Decimal(str(percent))
    if kind == "share_target":
        fields["survey_threshold"] = point.get("survey_threshold")
        fields["indicators"] = ", ".join(str(i) for i in point.get("indicators") or [])
    if kind == "outcome_share":
        outcomes = set(point.get("outcomes") or [])
        fields.update(
            outcome_work="work" in outcomes,
            outcome_studies="studies" in outcomes,
            outcome_step="step" in outcomes,
        )
    if kind == "milestone" and point.get("deadline"):
        fields["deadline"] = datetime.date.fromisoformat(point["deadline"])
    if kind == "trend":
        fields["base_year"] = point.get("base_year")
        fields["direction"] = point.get("direction") or "maintain"
    return fields


class _Loader:
    def __init__(self, association, plan):
        self.association = association
        self.plan = plan
        self.parties = {p.name: p for p in MemberParty.objects.filter(association=association)}
        self.interventions_by_name = {}

    def save(self, instance):
        instance.association = self.association
        instance.full_clean()
        instance.save()
        return instance

    def goals(self, goals, *, goal_area=None, plan_intervention=None):
        for order, data in enumerate(goals, start=1):
            goal = self.save(
                Goal(
                    plan=self.plan,
                    goal_area=goal_area,
                    plan_intervention=plan_intervention,
                    level=data["level"],
                    text=data["text"],
                    order=order,
                )
            )
            for point_order, point in enumerate(data["measurement_points"], start=1):
                self.point(point, point_order, goal=goal)

    def point(self, data, order, *, goal=None, plan_intervention=None):
        point = self.save(
            MeasurementPoint(
                plan=self.plan,
                goal=goal,
                plan_intervention=plan_intervention,
                order=order,
                **_point_fields(data),
            )
        )
        counted = [
            self.interventions_by_name[name]
            for name in data.get("interventions") or []
            if name in self.interventions_by_name
        ]
        point.counted_interventions.set(counted)

    def intervention(self, data, order):
        intervention, _ = Intervention.objects.get_or_create(
            association=self.association,
            name=data["name"],
            defaults={
                "kind": data["kind"],
                "start_year": data["start_year"],
                "owner_party": self.parties.get(data["owner_party"]),
            },
        )
        self.interventions_by_name[intervention.name] = intervention
        entry = self.save(
            PlanIntervention(
                plan=self.plan,
                intervention=intervention,
                name=data["name"],
                kind=data["kind"],
                start_year=data["start_year"],
                owner_party=self.parties.get(data["owner_party"]),
                status=data["status"],
                purpose=data["purpose"],
                target_group=data["target_group"],
                short_term_goals=data["short_term_goals"],
                long_term_goals=data["long_term_goals"],
                actions=data["actions"],
                steering_group=data["steering_group"],
                places=data["places"],
                places_note=data["places_note"],
                order=order,
            )
        )
        entry.municipalities.set(
            [self.parties[name] for name in data["municipalities"] if name in self.parties]
        )
        for line_order, line in enumerate(data["staffing"], start=1):
            self.save(
                StaffingLine(
                    plan_intervention=entry,
                    role=line["role"],
                    party=self.parties.get(line["party"]),
                    percent=Decimal(str(line["percent"])),
                    order=line_order,
                )
            )
        return entry


@transaction.atomic
def load_demo_plan(association, *, before_approval=None) -> Plan:
    """The förbund's seed plan, loaded as a draft and approved as the board did.

    ``before_approval(plan)`` fills in what belongs to what the board approved before
    the plan freezes: its budget (``budgets.demo.load_demo_budget``, which the
    ``load_demo`` command passes; plans imports nothing of budgets). Idempotent: an
    existing plan is returned as it is.

    Long because it is data: it creates each part of the plan in the order the seed
    gives them, and a split would only scatter that order."""
    data = read_demo_plan(association.slug)
    with scope(association=association):
        existing = Plan.objects.filter(
            association=association, year=data["year"], title=data["title"]
        ).first()
        if existing is not None:
            return existing
        approval = data["approval"] or {}
        # Loaded as a draft and approved last: an approved plan and its budget are frozen.
        plan = Plan(
            association=association,
            year=data["year"],
            end_year=data["end_year"],
            title=data["title"],
        )
        loader = _Loader(association, plan)
        loader.save(plan)
        for order, section in enumerate(data["sections"], start=1):
            loader.save(
                Section(
                    plan=plan,
                    heading=section["heading"],
                    level=section["level"],
                    kind=section["kind"],
                    body=section["body"],
                    order=order,
                )
            )
        entries = [
            (loader.intervention(item, order), item)
            for order, item in enumerate(data["interventions"], start=1)
        ]
        for order, area_data in enumerate(data["goal_areas"], start=1):
            area = loader.save(
                GoalArea(
                    plan=plan,
                    name=area_data["name"],
                    description=area_data["description"],
                    order=order,
                )
            )
            loader.goals(area_data["goals"], goal_area=area)
        for entry, item in entries:
            loader.goals(item["goals"], plan_intervention=entry)
        for order, row in enumerate(data["control_points"], start=1):
            loader.save(ControlPoint(plan=plan, order=order, **row))
        for order, row in enumerate(data["communication_items"], start=1):
            loader.save(CommunicationItem(plan=plan, order=order, **row))
        _assign_demo_project_leader(association, [entry for entry, _ in entries])
    # The budget belongs to what the board approved, so it is loaded before the approval.
    if before_approval is not None:
        before_approval(plan)
    if approval:
        with scope(association=association):
            plan.status = Plan.Status.APPROVED
            plan.approval_text = approval.get("text", "")
            plan.approved_on = (
                datetime.date.fromisoformat(approval["date"]) if approval.get("date") else None
            )
            plan.approval_paragraph = approval.get("paragraph", "")
            plan.approval_dnr = approval.get("dnr", "")
            plan.save()
    return plan


def _assign_demo_project_leader(association, entries) -> None:
    """The demo projektledare leads the plan's first two running individual interventions."""
    leader = (
        Membership.objects.filter(association=association, role=Role.PROJECT_LEADER)
        .select_related("user")
        .order_by("user__username")
        .first()
    )
    if leader is None:
        return
    running = [
        e
        for e in entries
        if e.intervention.kind == Intervention.Kind.INDIVIDUAL
        and e.status in (PlanIntervention.Status.RUNNING, PlanIntervention.Status.PLANNED)
    ]
    for entry in running[:2]:
        entry.intervention.project_leaders.add(leader.user)
        entry.project_leader_names = leader_names(entry.intervention.project_leaders.all())
        entry.save(update_fields=["project_leader_names"])
