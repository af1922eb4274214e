"""Writes for plans.

Every write goes through here: the plan must be editable (drafts and plans sent
back; an approved plan is frozen below the views), the record is validated
with ``full_clean()``, and an edit of an existing record succeeds only if
nobody saved it since the editor loaded it (optimistic locking on
``version``).
"""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from associations.models import Membership, Role

# ``EditConflict`` is re-exported: the views of plans and follow-up import it from here.
from associations.versioning import EditConflict as EditConflict
from associations.versioning import claim_version

from . import extensions
from .cloning import clone, create_all
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


def ensure_editable(plan: Plan) -> None:
    """The one check every write makes: only a draft or a plan sent back can change.

    Reads the stored status too, so a plan object loaded before someone sent
    the plan to the board cannot be written through. (``freezing`` guards the
    models underneath, for every other path.)
    """
    if plan.pk is not None:
        stored = Plan.objects.filter(pk=plan.pk).values_list("status", flat=True).first()
        if stored is not None and stored != plan.status:
            plan = Plan.objects.get(pk=plan.pk)
    if not plan.is_editable:
        raise ValidationError(
            _("The plan is %(status)s and can no longer be changed.")
            % {"status": plan.get_status_display().lower()}
        )


def _next_order(queryset) -> int:
    last = queryset.order_by("-order").values_list("order", flat=True).first()
    return (last or 0) + 1


def siblings_of(instance):
    """The records ``instance`` is ordered among."""
    model = type(instance)
    if isinstance(instance, Goal):
        return model.objects.filter(
            goal_area=instance.goal_area_id, plan_intervention=instance.plan_intervention_id
        )
    if isinstance(instance, MeasurementPoint):
        return model.objects.filter(
            goal=instance.goal_id, plan_intervention=instance.plan_intervention_id
        )
    if isinstance(instance, StaffingLine):
        return model.objects.filter(plan_intervention=instance.plan_intervention_id)
    return model.objects.filter(plan=instance.plan_id)


def plan_of(instance) -> Plan:
    if isinstance(instance, Plan):
        return instance
    if isinstance(instance, StaffingLine):
        return instance.plan_intervention.plan
    return instance.plan


@transaction.atomic
def plan_part_save(*, instance, acting_user, expected_version: int | None = None, m2m=None):
    """Create or update a part of a plan (section, goal, intervention entry, table row...).

    ``expected_version`` is the version the editor loaded; None when creating.
    ``m2m`` maps many-to-many field names to their new values.
    """
    plan = plan_of(instance)
    ensure_editable(plan)
    instance.association_id = plan.association_id
    instance._history_user = acting_user
    instance.full_clean()
    creating = instance.pk is None
    if creating:
        if hasattr(instance, "order") and not instance.order:
            instance.order = _next_order(siblings_of(instance))
        instance.save()
    else:
        if hasattr(instance, "version") and expected_version is not None:
            instance.version = claim_version(type(instance), instance.pk, expected_version)
        instance.save()
    for name, values in (m2m or {}).items():
        getattr(instance, name).set(values)
    return instance


@transaction.atomic
def plan_part_delete(*, instance, acting_user) -> None:
    ensure_editable(plan_of(instance))
    instance._history_user = acting_user
    instance.delete()


def reordered(items: list, item, offset: int) -> list:
    """``items`` with ``item`` moved ``offset`` places (clamped at the ends)."""
    result = [x for x in items if x != item]
    index = min(max(items.index(item) + offset, 0), len(result))
    result.insert(index, item)
    return result


@transaction.atomic
def plan_part_move(*, instance, acting_user, offset: int) -> None:
    """Move a section, goal area, goal, row... up (-1) or down (+1) among its siblings."""
    ensure_editable(plan_of(instance))
    siblings = list(siblings_of(instance).order_by("order", "pk"))
    new_order = reordered(siblings, instance, offset)
    for position, sibling in enumerate(new_order, start=1):
        sibling.order = position
    bulk_update_with_history(new_order, type(instance), ["order"], default_user=acting_user)


def _has_plan_for(association, year: int) -> bool:
    return Plan.objects.filter(association=association, year=year).exists()


@transaction.atomic
def plan_create(*, association, acting_user, year: int, end_year: int, title: str) -> Plan:
    """A new, empty draft. One plan a year: a changed plan for a year that has one is a
    revision of it (``workflow.start_revision``)."""
    if _has_plan_for(association, year):
        raise ValidationError({"year": _("There is already a plan for %(year)s.") % {"year": year}})
    plan = Plan(association=association, year=year, end_year=end_year, title=title)
    plan.full_clean()
    plan._history_user = acting_user
    plan.save()
    return plan


@transaction.atomic
def plan_update(*, plan: Plan, acting_user, expected_version: int) -> Plan:
    ensure_editable(Plan.objects.get(pk=plan.pk))
    return plan_part_save(instance=plan, acting_user=acting_user, expected_version=expected_version)


def _next_year_title(title: str, offset: int = 1) -> str:
    return re.sub(r"\b(19|20)(\d\d)\b", lambda m: str(int(m.group(0)) + offset), title)


@transaction.atomic
def plan_copy_to_next_year(*, plan: Plan, acting_user) -> Plan:
    """Start next year's plan as a new draft with everything of ``plan`` copied, its
    budget a year on (``budgets.copying.copy_budget``, through ``extensions.plan_copied``).

    The source plan is only read, and the copy is always a new plan: an
    existing plan for next year (approved or not) is never written into.
    """
    association = plan.association
    next_year = plan.year + 1
    if _has_plan_for(association, next_year):
        raise ValidationError(_("There is already a plan for %(year)s.") % {"year": next_year})
    new_plan = Plan(
        association=association,
        year=next_year,
        end_year=plan.end_year + 1,
        title=_next_year_title(plan.title),
        copied_from=plan,
    )
    new_plan.full_clean()
    new_plan._history_user = acting_user
    new_plan.save()
    copy_plan_parts(source=plan, target=new_plan, acting_user=acting_user, years_on=1)
    # What the apps above plans keep with a plan (its budget) comes along.
    extensions.plan_copied(source=plan, target=new_plan, acting_user=acting_user, years_on=1)
    return new_plan


def _years_later(day, years: int):
    """The same day ``years`` later (28 February for a 29th in a common year)."""
    if day is None or not years:
        return day
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def copy_plan_parts(*, source: Plan, target: Plan, acting_user, years_on: int = 0) -> None:
    """Copy every part of ``source`` into the new, empty draft ``target``.

    The copy shares the förbund's ``Intervention`` records (an intervention
    lives across years) and copies everything the plan says about them. The
    source is only read. A fixed number of queries, whatever the size.
    ``years_on``: how many years later the target's plan starts (next year's plan:
    1); milestone deadlines move with it, so they stay within the plan's years.
    """
    ensure_editable(target)
    plan, new_pk = source, target.pk
    create_all(Section, clone(plan.sections.all(), plan_id=new_pk), acting_user)
    create_all(ControlPoint, clone(plan.control_points.all(), plan_id=new_pk), acting_user)
    create_all(
        CommunicationItem, clone(plan.communication_items.all(), plan_id=new_pk), acting_user
    )
    area_map = _copied(GoalArea, list(plan.goal_areas.all()), acting_user, plan_id=new_pk)
    entry_map = _copy_entries(plan, new_pk, acting_user)
    goal_map = _copied(
        Goal,
        list(plan.goals.all()),
        acting_user,
        plan_id=new_pk,
        goal_area_id=lambda g: area_map.get(g.goal_area_id),
        plan_intervention_id=lambda g: entry_map.get(g.plan_intervention_id),
    )
    _copy_points(
        plan, new_pk, acting_user, goal_map=goal_map, entry_map=entry_map, years_on=years_on
    )


def _copy_entries(plan: Plan, new_pk: int, acting_user) -> dict[int, int]:
    """The plan's intervention entries with their municipalities and staffing; returns the
    new entry's pk for each old one's."""
    old_entries = list(plan.plan_interventions.prefetch_related("municipalities"))
    entry_map = _copied(PlanIntervention, old_entries, acting_user, plan_id=new_pk)
    Through = PlanIntervention.municipalities.through
    Through.objects.bulk_create(
        Through(planintervention_id=entry_map[old.pk], memberparty_id=party.pk)
        for old in old_entries
        for party in old.municipalities.all()
    )
    create_all(
        StaffingLine,
        clone(
            StaffingLine.objects.filter(plan_intervention__plan=plan),
            plan_intervention_id=lambda s: entry_map[s.plan_intervention_id],
        ),
        acting_user,
    )
    return entry_map


def _copy_points(
    plan: Plan, new_pk: int, acting_user, *, goal_map: dict, entry_map: dict, years_on: int
) -> None:
    """The plan's measurement points under the copied goals and entries, with the
    interventions they count; deadlines ``years_on`` years later."""
    old_points = list(plan.measurement_points.prefetch_related("counted_interventions"))
    point_map = _copied(
        MeasurementPoint,
        old_points,
        acting_user,
        plan_id=new_pk,
        goal_id=lambda p: goal_map.get(p.goal_id),
        plan_intervention_id=lambda p: entry_map.get(p.plan_intervention_id),
        deadline=lambda p: _years_later(p.deadline, years_on),
    )
    Counted = MeasurementPoint.counted_interventions.through
    Counted.objects.bulk_create(
        Counted(measurementpoint_id=point_map[old.pk], intervention_id=intervention.pk)
        for old in old_points
        for intervention in old.counted_interventions.all()
    )


def _copied(model, originals: list, acting_user, **changes) -> dict[int, int]:
    """Copies of ``originals`` with ``changes`` (as ``cloning.clone`` takes them); returns
    the copy's pk for each original's."""
    copies = create_all(model, clone(originals, **changes), acting_user)
    return {old.pk: new.pk for old, new in zip(originals, copies, strict=True)}


def leader_names(users) -> str:
    """The project leaders as a plan prints them: "Anna Andersson, Bo Berg"."""
    ordered = sorted(users, key=lambda user: (user.last_name, user.first_name, user.username))
    return ", ".join(str(user) for user in ordered)


def _is_latest_entry(entry: PlanIntervention) -> bool:
    """No plan of a later year has the intervention: this entry speaks for it now."""
    later = entry.intervention.plan_entries.filter(plan__year__gt=entry.plan.year)
    return not later.exclude(pk=entry.pk).exists()


def _check_project_leaders(*, association, leaders: list) -> None:
    allowed = set(
        Membership.objects.filter(
            association=association, role=Role.PROJECT_LEADER, user__in=leaders
        ).values_list("user_id", flat=True)
    )
    if any(user.pk not in allowed for user in leaders):
        raise ValidationError(
            {"project_leaders": _("A project leader must have the project leader role here.")}
        )


def _intervention_of(entry: PlanIntervention, *, name: str) -> Intervention:
    """The shared intervention an entry speaks for: its own, or for a new entry the
    förbund's intervention of that name (an unsaved one where it has none)."""
    if entry.pk is not None:
        return entry.intervention
    plan = entry.plan
    # "stegen karlstad" is last year's Stegen Karlstad.
    intervention = Intervention.objects.filter(
        association=plan.association, name__iexact=name
    ).first()
    if intervention is not None and intervention.plan_entries.filter(plan=plan).exists():
        raise ValidationError({"name": _("This intervention is already in the plan.")})
    if intervention is None:
        intervention = Intervention(association=plan.association, name=name)
    entry.intervention = intervention
    return intervention


@transaction.atomic
def plan_intervention_save(
    *,
    entry: PlanIntervention,
    acting_user,
    expected_version: int | None,
    name: str,
    kind: str,
    start_year: int | None,
    owner_party,
    project_leaders,
    municipalities,
) -> PlanIntervention:
    """Save what the plan says about an intervention.

    The name, kind, start year, owner and the project leaders' names are the
    entry's own: another plan (approved, on review, or next year's draft) never
    changes with it. The shared ``Intervention`` takes them too when this is its
    latest plan, so follow-up lists it as the latest plan calls it, and its
    project leaders (who may report follow-up) become the chosen users.

    A new entry whose name matches an existing intervention of the förbund,
    whatever the capitals (say, last year's Stegen Karlstad: the intervention's
    name is its latest plan's), joins that intervention instead of creating a
    second one. Project leaders must have the projektledare role in this förbund.
    """
    plan = entry.plan
    ensure_editable(plan)
    leaders = list(project_leaders)
    _check_project_leaders(association=plan.association, leaders=leaders)
    name = name.strip()
    intervention = _intervention_of(entry, name=name)
    entry.name = name
    entry.kind = kind
    entry.start_year = start_year
    entry.owner_party = owner_party
    entry.project_leader_names = leader_names(leaders)

    if intervention.pk is None or _is_latest_entry(entry):
        intervention.name = name
        intervention.kind = kind
        intervention.start_year = start_year
        intervention.owner_party = owner_party
        intervention.full_clean()
        intervention._history_user = acting_user
        intervention.save()
    intervention.project_leaders.set(leaders)

    entry.intervention = intervention
    return plan_part_save(
        instance=entry,
        acting_user=acting_user,
        expected_version=expected_version,
        m2m={"municipalities": list(municipalities)},
    )
