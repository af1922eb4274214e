"""Writes for follow-up.

Every write goes through here, in one transaction, after the role and the
state have been checked and the figures validated: on any error nothing is
written. A report carries a ``version``; a save based on an older version
raises ``EditConflict`` (``associations.versioning``) so two editors lose
nothing. Every save and transition appends a ``ReportEvent`` with who, when
and what changed (old → new).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from associations.rules import is_kansli, is_project_leader
from associations.versioning import EditConflict, claim_version, ensure_version
from plans.models import Intervention, MeasurementPoint

from . import signals, validation, workflow
from .models import (
    InterventionFollowUp,
    Measure,
    PointAssessment,
    QuarterReport,
    QuarterValue,
    ReportEvent,
)
from .selectors import (
    followup_settings,
    genders_of,
    reported_measures,
    running_years,
    standard_measures_missing,
)


def actor_of(user, intervention: Intervention) -> str | None:
    """``"kansli"``, ``"leader"`` (a projektledare who leads it) or None."""
    if is_kansli(user, intervention):
        return workflow.KANSLI
    if (
        is_project_leader(user, intervention)
        and intervention.project_leaders.filter(pk=user.pk).exists()
    ):
        return workflow.PROJECT_LEADER
    return None


@transaction.atomic
def standard_measures_ensure(*, association) -> list[Measure]:
    """Create the standard measures the förbund does not have yet (idempotent)."""
    saved = list(Measure.objects.filter(association=association))
    for measure in standard_measures_missing(association=association, saved=saved):
        measure.save(force_insert=True)
    return list(Measure.objects.filter(association=association))


@transaction.atomic
def measure_save(*, measure: Measure, acting_user) -> Measure:
    """Add or rename one of the förbund's own measures (kansli)."""
    if not is_kansli(acting_user, measure.association):
        raise PermissionDenied
    measure.full_clean()
    measure.save()
    return measure


@transaction.atomic
def followup_settings_save(
    *,
    intervention: Intervention,
    acting_user,
    expected_version: int | None,
    focus: str,
    precise_focus: str,
    method: str,
    esf_funded: bool,
    measures,
) -> InterventionFollowUp:
    """Save what the national system registers about the insats and which measures it
    reports. As in Uppföljning Finsam, inriktning, uppföljningsmetod and the ESF flag
    cannot change once follow-up has been entered for the intervention."""
    if not is_kansli(acting_user, intervention):
        raise PermissionDenied
    settings = followup_settings(intervention=intervention)
    if settings.pk:
        ensure_version(settings, expected_version)
    new = {"focus": focus, "method": method, "esf_funded": esf_funded}
    if QuarterReport.objects.filter(intervention=intervention).exists():
        # ``settings`` is the saved record or, before any, the defaults the figures
        # were entered under: either way what the national system already has.
        errors = {
            field: _(
                "Follow-up has been entered for this intervention, so this can no "
                "longer be changed."
            )
            for field in InterventionFollowUp.LOCKED_FIELDS
            if getattr(settings, field) != new[field]
        }
        if errors:
            raise ValidationError(errors)
    measures = list(measures)
    if any(m.association_id != intervention.association_id for m in measures):
        raise ValidationError({"measures": _("Choose the förbund's own measures.")})
    if settings.pk:
        loaded = settings.version if expected_version is None else expected_version
        claim_version(InterventionFollowUp, settings.pk, loaded)
        settings.refresh_from_db(fields=["version"])
    for field, value in new.items():
        setattr(settings, field, value)
    settings.precise_focus = precise_focus
    settings.association_id = intervention.association_id
    settings.full_clean(exclude=["version"])
    if not settings.pk:
        settings.version = 1
    settings.save()
    settings.measures.set(measures)
    return settings


def _field_key(measure_id: int, gender: str) -> str:
    return f"m{measure_id}_{gender}"


def _validate(*, measures, values: dict, year: int, intervention) -> None:
    """Raise one ValidationError with every problem, keyed by form field name."""
    errors = {}
    message = validation.year_error(year, running_years(intervention=intervention))
    if message:
        errors["year"] = [message]
    for (measure_id, gender), msg in validation.count_errors(values).items():
        errors.setdefault(_field_key(measure_id, gender), []).append(msg)
    by_id = {m.pk: m for m in measures}
    allowed = {(m.pk, g) for m in measures for g in genders_of(m)}
    if set(values) - allowed:
        errors.setdefault("__all__", []).append(
            _("Some figures are for measures this intervention does not report.")
        )
    keyed = {
        (by_id[mid].key, gender): value
        for (mid, gender), value in values.items()
        if mid in by_id and by_id[mid].key
    }
    ids_by_key = {m.key: m.pk for m in measures if m.key}
    genders = {g for (_, g) in keyed}
    for (key, gender), msg in validation.relation_errors(keyed, genders).items():
        errors.setdefault(_field_key(ids_by_key[key], gender), []).append(msg)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def quarter_report_save(
    *,
    intervention: Intervention,
    year: int,
    quarter: int,
    acting_user,
    expected_version: int | None,
    values: dict,
    comment: str = "",
) -> QuarterReport:
    """Enter or correct a quarter's figures.

    ``values`` maps ``(measure_id, gender)`` to a count or None (left blank).
    ``expected_version`` is the report's version the editor loaded (None for a
    quarter nobody had entered). Records the changes, old → new, in the history.
    """
    actor = actor_of(acting_user, intervention)
    if quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": _("A quarter is 1, 2, 3 or 4.")})
    report = QuarterReport.objects.filter(
        intervention=intervention, year=year, quarter=quarter
    ).first()
    status = report.status if report else workflow.DRAFT
    workflow.transition(workflow.EDIT, status=status, actor=actor)
    settings = followup_settings(intervention=intervention)
    measures = reported_measures(
        settings=settings,
        all_measures=list(Measure.objects.filter(association=intervention.association_id)),
    )
    _validate(measures=measures, values=values, year=year, intervention=intervention)
    if report is None:
        report = _quarter_report_create(
            intervention=intervention,
            year=year,
            quarter=quarter,
            expected_version=expected_version,
            comment=comment,
        )
        old, comment_changed = {}, bool(comment)
    else:
        old, comment_changed = _quarter_report_claim(
            report, expected_version=expected_version, comment=comment
        )
    changes = _write_values(report, old=old, values=values, measures=measures)
    if comment_changed:
        changes.append({"measure": "comment", "gender": "", "old": None, "new": None})
    if changes:
        ReportEvent.objects.create(
            association_id=report.association_id,
            report=report,
            action=ReportEvent.Action.SAVED,
            user=acting_user,
            from_status=report.status,
            to_status=report.status,
            changes=changes,
        )
    return report


def _quarter_report_create(
    *, intervention, year: int, quarter: int, expected_version: int | None, comment: str
) -> QuarterReport:
    """The first report of a quarter. Two editors entering it at once: the second gets
    ``EditConflict`` with the first one's report."""
    if expected_version is not None:
        raise ValidationError(_("This quarter's report has been removed."))
    report = QuarterReport(
        association_id=intervention.association_id,
        intervention=intervention,
        year=year,
        quarter=quarter,
        comment=comment,
    )
    report.full_clean()
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as error:
        raise EditConflict(
            QuarterReport.objects.get(intervention=intervention, year=year, quarter=quarter)
        ) from error
    return report


def _quarter_report_claim(
    report: QuarterReport, *, expected_version: int | None, comment: str
) -> tuple[dict, bool]:
    """Take the next version of an entered report and save its comment; return its
    figures as they were, ``{(measure_id, gender): value}``, and whether the comment
    changed."""
    if expected_version is None:
        # The editor loaded an empty quarter that someone has entered since.
        raise EditConflict(report)
    claim_version(QuarterReport, report.pk, expected_version)
    report.refresh_from_db()
    old = {(v.measure_id, v.gender): v.value for v in report.values.all()}
    comment_changed = report.comment != comment
    report.comment = comment
    report.save(update_fields=["comment", "updated_at"])
    return old, comment_changed


def _write_values(report: QuarterReport, *, old: dict, values: dict, measures) -> list[dict]:
    """Write the figures that changed and return the changes, old → new, for the history.
    Figures of a measure the intervention no longer reports stay as they were."""
    names = {m.pk: m.name for m in measures}
    changes = []
    shown = {key for key in set(old) | set(values) if key[0] in names}
    for key in sorted(shown):
        before, after = old.get(key), values.get(key)
        if before == after:
            continue
        measure_id, gender = key
        changes.append(
            {
                "measure": names.get(measure_id, str(measure_id)),
                "gender": gender,
                "old": before,
                "new": after,
            }
        )
        if after is None:
            QuarterValue.objects.filter(
                report=report, measure_id=measure_id, gender=gender
            ).delete()
        else:
            QuarterValue.objects.update_or_create(
                report=report,
                measure_id=measure_id,
                gender=gender,
                defaults={"value": after, "association_id": report.association_id},
            )
    return changes


ACTIONS = {
    workflow.SUBMIT: ReportEvent.Action.SUBMITTED,
    workflow.APPROVE: ReportEvent.Action.APPROVED,
    workflow.RETURN: ReportEvent.Action.RETURNED,
    workflow.REOPEN: ReportEvent.Action.REOPENED,
}


@transaction.atomic
def quarter_report_transition(
    *, report: QuarterReport, acting_user, action: str, reason: str = "", expected_version=None
) -> QuarterReport:
    """Submit, approve, return (with a reason the projektledare sees) or reopen (with a
    reason, recorded) a quarter; see ``workflow`` for who may do what from which state."""
    report = QuarterReport.objects.select_for_update().get(pk=report.pk)
    actor = actor_of(acting_user, report.intervention)
    new_status = workflow.transition(action, status=report.status, actor=actor, reason=reason)
    ensure_version(report, expected_version)
    old_status = report.status
    report.status = new_status
    report.version += 1
    fields = ["status", "version", "updated_at"]
    if action == workflow.RETURN:
        report.return_reason = reason.strip()
        fields.append("return_reason")
    elif action in (workflow.SUBMIT, workflow.APPROVE) and report.return_reason:
        report.return_reason = ""
        fields.append("return_reason")
    report.save(update_fields=fields)
    ReportEvent.objects.create(
        association_id=report.association_id,
        report=report,
        action=ACTIONS[action],
        user=acting_user,
        from_status=old_status,
        to_status=new_status,
        reason=reason.strip(),
    )
    signals.quarter_report_transitioned.send(
        sender=QuarterReport,
        report=report,
        action=action,
        acting_user=acting_user,
        reason=reason.strip(),
    )
    return report


@transaction.atomic
def point_assessment_save(
    *,
    point: MeasurementPoint,
    acting_user,
    expected_version: int | None,
    status: str,
    comment: str,
    assessed_on,
    measure: Measure | None = None,
) -> PointAssessment:
    """The kansli's status, comment and date for a measurement point (and, for an
    activity count, the measure that counts it)."""
    if not is_kansli(acting_user, point):
        raise PermissionDenied
    if measure is not None and measure.association_id != point.association_id:
        raise ValidationError({"measure": _("Choose the förbund's own measures.")})
    assessment = PointAssessment.objects.filter(point=point).first()
    if assessment is None:
        assessment = PointAssessment(association_id=point.association_id, point=point)
    else:
        if expected_version is not None:
            claim_version(PointAssessment, assessment.pk, expected_version)
        assessment.refresh_from_db(fields=["version"])
    assessment.status = status
    assessment.comment = comment
    assessment.assessed_on = assessed_on or (timezone.localdate() if status else None)
    assessment.measure = measure
    assessment.assessed_by = acting_user
    assessment.full_clean()
    assessment.save()
    return assessment
