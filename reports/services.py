"""Writes for annual reports: create a report from the plan that covered its year, fill
its figures from the budget's outcome and the follow-up, save its parts.

A report's parts are edited as a plan's are: each carries a ``version`` and every save
claims it (``associations.versioning``); a report on review or approved cannot change
(``ensure_report_editable`` first, with a message the user reads; ``reports.freezing``
under it). History is written for every created, changed and removed record.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_update_with_history

from associations.versioning import claim_version
from budgets.models import Budget
from budgets.outcome import outcome_table
from followup import evaluation
from followup.dashboard import dashboard
from followup.selectors import year_figures
from plans.models import ControlPoint, MeasurementPoint, Plan, PlanIntervention
from plans.services import reordered

from .models import (
    AnnualReport,
    ControlResult,
    GoalResult,
    InterventionResult,
    ReportSection,
)

DEFAULT_SECTIONS = (
    gettext_noop("A word from the director"),
    gettext_noop("Significant events of the year"),
)
DEFAULT_TITLES = {
    AnnualReport.Kind.ANNUAL: gettext_noop("Annual report %(year)s"),
    AnnualReport.Kind.INTERIM: gettext_noop("Interim report %(year)s"),
}
# The follow-up's status of a measurement point at the end of the period, as the
# report's status (the kansli may change it): on track at the end is reached.
STATUS_FROM_FOLLOWUP = {
    evaluation.REACHED: GoalResult.Status.REACHED,
    evaluation.ON_TRACK: GoalResult.Status.REACHED,
    evaluation.BEHIND: GoalResult.Status.PARTLY,
    evaluation.NOT_REACHED: GoalResult.Status.NOT_REACHED,
}


def ensure_report_editable(report: AnnualReport) -> None:
    if not report.is_editable:
        raise ValidationError(
            _("The report is %(status)s and can no longer be changed.")
            % {"status": report.get_status_display().lower()},
            code="frozen",
        )


def plan_covering(*, association, year: int) -> Plan | None:
    """The approved plan in force that covered ``year`` (the latest that did)."""
    return (
        Plan.objects.filter(
            association=association,
            year__lte=year,
            end_year__gte=year,
            status=Plan.Status.APPROVED,
            superseded_by__isnull=True,
        )
        .order_by("-year", "-pk")
        .first()
    )


def period_end(report: AnnualReport) -> datetime.date:
    """The last day the report covers: the year's, or the first half's."""
    if report.kind == AnnualReport.Kind.INTERIM:
        return datetime.date(report.year, 6, 30)
    return datetime.date(report.year, 12, 31)


@transaction.atomic
def report_create(
    *, association, acting_user, year: int, kind: str, title: str = ""
) -> AnnualReport:
    """A new draft report of ``year`` from the approved plan that covered it, with a row
    for each measurement point, intervention and internal control of the plan, the
    default sections, and the figures filled in."""
    plan = plan_covering(association=association, year=year)
    if plan is None:
        raise ValidationError(
            {"year": _("There is no approved plan for %(year)s to report on.") % {"year": year}}
        )
    report = AnnualReport(
        association=association,
        year=year,
        kind=kind,
        plan=plan,
        title=title.strip() or _(DEFAULT_TITLES[kind]) % {"year": year},
    )
    report.full_clean(validate_constraints=False)
    if AnnualReport.objects.filter(association=association, year=year, kind=kind).exists():
        raise ValidationError(
            _("The förbund already has a %(kind)s for %(year)s.")
            % {"kind": report.get_kind_display().lower(), "year": year}
        )
    report._history_user = acting_user
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:  # created meanwhile by someone else
        raise ValidationError(
            _("The förbund already has a %(kind)s for %(year)s.")
            % {"kind": report.get_kind_display().lower(), "year": year}
        ) from None
    _create_rows(report, acting_user)
    report_fill(report=report, acting_user=acting_user, check=False)
    return report


def _create_rows(report: AnnualReport, acting_user) -> None:
    plan = report.plan
    rows = [
        ReportSection(heading=_(heading), order=order)
        for order, heading in enumerate(DEFAULT_SECTIONS, start=1)
    ]
    points = MeasurementPoint.objects.filter(plan=plan).order_by(
        "goal__goal_area__order", "goal__order", "order", "pk"
    )
    rows += [GoalResult(point=point, order=order) for order, point in enumerate(points, start=1)]
    entries = PlanIntervention.objects.filter(plan=plan).order_by("order", "pk")
    rows += [
        InterventionResult(plan_intervention=entry, order=order)
        for order, entry in enumerate(entries, start=1)
    ]
    controls = ControlPoint.objects.filter(plan=plan).order_by("order", "pk")
    rows += [
        ControlResult(control_point=control, order=order)
        for order, control in enumerate(controls, start=1)
    ]
    for row in rows:
        row.association = report.association
        row.report = report
        row._history_user = acting_user
        row.save()


@transaction.atomic
def report_fill(*, report: AnnualReport, acting_user, check: bool = True) -> AnnualReport:
    """Take the figures again from the budget's outcome and the follow-up, as they are
    now: each measurement point's figure (and, where the kansli has set none, its
    status), and each intervention's participants, ended into work and studies, budget
    and outcome. What the kansli wrote is kept. Only while the report is a draft."""
    if check:
        ensure_report_editable(report)
        report.version = claim_version(AnnualReport, report.pk, report.version)
    _fill_goals(report, acting_user)
    _fill_interventions(report, acting_user)
    return report


def _fill_goals(report: AnnualReport, acting_user) -> None:
    data = dashboard(
        association=report.association, year=report.year, suppress=False, today=period_end(report)
    )
    by_point = {row.point.pk: row for row in data["points"]} if data["plan"] == report.plan else {}
    for result in GoalResult.objects.filter(report=report).select_related("point"):
        row = by_point.get(result.point_id)
        computed = figure_text(row) if row is not None else ""
        status = result.status
        if row is not None and not status:
            status = STATUS_FROM_FOLLOWUP.get(row.result.status, "")
        if (computed, status) == (result.computed, result.status):
            continue
        result.computed, result.status = computed, status
        result._history_user = acting_user
        result.save(update_fields=["computed", "status"])


def figure_text(row) -> str:
    """A point's figure as the follow-up evaluated it: "42 (målvärde 40)", "58 %"."""
    result = row.result
    if result.figure is None:
        return ""
    if result.unit == "percent":
        text = f"{Decimal(result.figure).quantize(Decimal(1))}\u00a0%"
    else:
        text = f"{result.figure}"
    if result.target is not None:
        target = (
            f"{Decimal(result.target).quantize(Decimal(1))}\u00a0%"
            if result.unit == "percent"
            else f"{result.target}"
        )
        text += " " + _("(target %(target)s)") % {"target": target}
    return text


def _fill_interventions(report: AnnualReport, acting_user) -> None:
    figures = year_figures(association=report.association, year=report.year)
    if report.kind == AnnualReport.Kind.INTERIM:
        figures = {key: value for key, value in figures.items() if key[1] <= 2}
    budget = Budget.objects.filter(plan=report.plan).first()
    money = {}
    # The outcome is the year's: an interim report on the first half takes none.
    if budget is not None and report.plan.year == report.year and report.kind == "annual":
        money = {
            item.intervention.pk: item.figures
            for item in outcome_table(budget=budget).interventions
        }
    results = InterventionResult.objects.filter(report=report).select_related("plan_intervention")
    for result in results:
        iid = result.plan_intervention.intervention_id
        values = {
            "participants_women": evaluation.year_participants(figures, {iid}, "women"),
            "participants_men": evaluation.year_participants(figures, {iid}, "men"),
            "ended_work": evaluation.year_sum(figures, {iid}, "ended_work", ("women", "men")),
            "ended_studies": evaluation.year_sum(figures, {iid}, "ended_studies", ("women", "men")),
            "budget": money[iid].budget if iid in money else None,
            "outcome": money[iid].outcome if iid in money else None,
        }
        if all(getattr(result, name) == value for name, value in values.items()):
            continue
        for name, value in values.items():
            setattr(result, name, value)
        result._history_user = acting_user
        result.save(update_fields=list(values))


# Drafting: the report's title and its parts ---------------------------------------


@transaction.atomic
def report_update(
    *, report: AnnualReport, acting_user, expected_version: int | None
) -> AnnualReport:
    """Save the report's settings (its title) as the kansli edited them on ``report``."""
    ensure_report_editable(AnnualReport.objects.get(pk=report.pk))
    report.full_clean(validate_constraints=False)
    if expected_version is not None:
        report.version = claim_version(AnnualReport, report.pk, expected_version)
    report._history_user = acting_user
    report.save(update_fields=["title", "version", "updated_at"])
    return report


def _next_order(queryset) -> int:
    return (queryset.aggregate(top=Max("order"))["top"] or 0) + 1


@transaction.atomic
def report_part_save(*, instance, acting_user, expected_version: int | None = None):
    """Create or update a part of a report (a section, a goal, intervention or control
    result) while the report is a draft. ``expected_version`` is the version the editor
    loaded (None when creating); a newer saved version raises ``EditConflict`` and
    nothing is written."""
    report = AnnualReport.objects.get(pk=instance.report_id)
    ensure_report_editable(report)
    instance.association_id = report.association_id
    instance._history_user = acting_user
    instance.full_clean()
    if instance.pk is None:
        if not instance.order:
            instance.order = _next_order(type(instance).objects.filter(report=report))
    elif expected_version is not None:
        instance.version = claim_version(type(instance), instance.pk, expected_version)
    instance.save()
    return instance


@transaction.atomic
def report_part_delete(*, instance, acting_user) -> None:
    ensure_report_editable(AnnualReport.objects.get(pk=instance.report_id))
    instance._history_user = acting_user
    instance.delete()


@transaction.atomic
def report_part_move(*, instance, acting_user, offset: int) -> None:
    """Move a section up (-1) or down (+1) among the report's sections."""
    ensure_report_editable(AnnualReport.objects.get(pk=instance.report_id))
    siblings = list(
        type(instance).objects.filter(report_id=instance.report_id).order_by("order", "pk")
    )
    new_order = reordered(siblings, instance, offset)
    for position, sibling in enumerate(new_order, start=1):
        sibling.order = position
    bulk_update_with_history(new_order, type(instance), ["order"], default_user=acting_user)
