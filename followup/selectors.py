"""Reads for follow-up, each in a fixed number of queries."""

from collections import defaultdict

from django.db.models import Prefetch

from plans.models import Intervention, Plan, PlanIntervention

from .models import Focus, Gender, InterventionFollowUp, Measure, QuarterReport, QuarterValue

QUARTERS = (1, 2, 3, 4)

STANDARD_MEASURES = [
    # key, by_gender, focus, reported by default
    (Measure.Key.NEW, True, Focus.INDIVIDUAL, True),
    (Measure.Key.ACTIVE, True, Focus.INDIVIDUAL, True),
    (Measure.Key.ENDED, True, Focus.INDIVIDUAL, True),
    (Measure.Key.ENDED_WORK, True, Focus.INDIVIDUAL, True),
    (Measure.Key.ENDED_STUDIES, True, Focus.INDIVIDUAL, True),
    (Measure.Key.FREDA, True, Focus.INDIVIDUAL, False),
    (Measure.Key.CONSULTATIONS, False, Focus.INDIVIDUAL, False),
    (Measure.Key.SEMINARS, False, Focus.STRUCTURAL, True),
    (Measure.Key.TRAINING_PARTICIPANTS, True, Focus.STRUCTURAL, True),
]
DEFAULT_KEYS = {key for key, _, _, default in STANDARD_MEASURES if default}


def genders_of(measure: Measure) -> list[str]:
    return [Gender.WOMEN, Gender.MEN] if measure.by_gender else [Gender.ALL]


def running_years_by_intervention(*, association, decided_only=False) -> dict[int, set[int]]:
    """The years each intervention runs: the years of every plan that has it and does not
    say it has ended, from its start year on. ``decided_only``: of approved plans only
    (what is due: a draft or a plan on review commits nobody to report yet)."""
    years = defaultdict(set)
    entries = PlanIntervention.objects.filter(association=association).exclude(
        status=PlanIntervention.Status.ENDED
    )
    if decided_only:
        entries = entries.filter(plan__status=Plan.Status.APPROVED)
    # Four numbers a row, not every text of every plan's entries.
    rows = entries.values_list(
        "intervention_id", "intervention__start_year", "plan__year", "plan__end_year"
    )
    for intervention_id, start_year, first, last in rows:
        years[intervention_id].update(range(max(first, start_year or 0), last + 1))
    return years


def running_years(*, intervention: Intervention) -> set[int]:
    return running_years_by_intervention(association=intervention.association_id).get(
        intervention.pk, set()
    )


def followup_settings(*, intervention: Intervention) -> InterventionFollowUp:
    """The saved settings, or unsaved defaults (focus from the intervention's kind)."""
    existing = InterventionFollowUp.objects.filter(intervention=intervention).first()
    if existing is not None:
        return existing
    return InterventionFollowUp(
        association_id=intervention.association_id,
        intervention=intervention,
        focus=intervention.kind,
        version=0,
    )


def measures_of(*, association) -> list[Measure]:
    return list(Measure.objects.filter(association=association))


def standard_measures_missing(*, association, saved: list[Measure]) -> list[Measure]:
    """The standard measures not among the förbund's ``saved`` ones, as unsaved rows.

    ``services.standard_measures_ensure`` saves them; a page shows them unsaved
    (``measures_with_standard``), so that a GET writes nothing.
    """
    existing = {m.key for m in saved if m.key}
    taken_names = {m.name for m in saved}
    missing = []
    for order, (key, by_gender, focus, _default) in enumerate(STANDARD_MEASURES, start=1):
        if key in existing:
            continue
        name = str(Measure.Key(key).label)
        if name in taken_names:
            name = f"{name} ({key})"
        missing.append(
            Measure(
                association=association,
                key=key,
                name=name,
                by_gender=by_gender,
                focus=focus,
                order=order,
            )
        )
    return missing


def measures_with_standard(*, association) -> list[Measure]:
    """Every measure of the förbund in its order, the standard ones it has not saved yet
    among them unsaved (a saved one's field is named by its id, an unsaved one's by its key)."""
    saved = measures_of(association=association)
    missing = standard_measures_missing(association=association, saved=saved)
    # Saved, they come after the saved ones of the same order, as their ids are higher.
    return sorted([*saved, *missing], key=lambda m: (m.order, m.pk is None, m.pk or 0))


def reported_measures(*, settings: InterventionFollowUp, all_measures: list[Measure]) -> list:
    """The measures the intervention reports: the kansli's choice, else the standard
    measures of its focus."""
    if settings.pk:
        chosen = {m.pk for m in settings.measures.all()}
        if chosen:
            return [m for m in all_measures if m.pk in chosen]
    return [m for m in all_measures if m.key in DEFAULT_KEYS and m.focus == settings.focus]


def report_values(report: QuarterReport | None) -> dict[tuple[int, str], int]:
    if report is None or report.pk is None:
        return {}
    return {(v.measure_id, v.gender): v.value for v in report.values.all()}


def reports_of(*, association, year: int, interventions=None):
    queryset = QuarterReport.objects.filter(association=association, year=year)
    if interventions is not None:
        queryset = queryset.filter(intervention__in=interventions)
    return queryset.prefetch_related(Prefetch("values", queryset=QuarterValue.objects.all()))


def interventions_led_by(*, association, user):
    return Intervention.objects.filter(association=association, project_leaders=user)


def quarter_overview(*, association, interventions, year: int) -> list[dict]:
    """Per intervention: the four quarters of ``year`` with their report (or None) and
    whether the quarter is in the intervention's running years."""
    interventions = list(interventions)
    years = running_years_by_intervention(association=association)
    reports = {
        (r.intervention_id, r.quarter): r
        for r in QuarterReport.objects.filter(
            association=association, year=year, intervention__in=interventions
        )
    }
    rows = []
    for intervention in interventions:
        running = year in years.get(intervention.pk, set())
        rows.append(
            {
                "intervention": intervention,
                "running": running,
                "years": sorted(years.get(intervention.pk, set())),
                "quarters": [
                    {"quarter": q, "report": reports.get((intervention.pk, q))} for q in QUARTERS
                ],
            }
        )
    return rows


# The dashboard ----------------------------------------------------------------

COUNTED_STATUSES = (QuarterReport.Status.SUBMITTED, QuarterReport.Status.APPROVED)
HEADLINE_KEYS = {
    Focus.INDIVIDUAL: Measure.Key.ACTIVE,
    Focus.STRUCTURAL: Measure.Key.TRAINING_PARTICIPANTS,
}


def figure_key(measure: Measure) -> str:
    """How ``evaluation`` names a measure: its standard key, or ``m<id>`` for the förbund's own."""
    return measure.key or f"m{measure.pk}"


def year_figures(*, association, year: int, statuses=COUNTED_STATUSES) -> dict:
    """``{(intervention_id, quarter, measure_key, gender): count}`` for one year, one query."""
    rows = QuarterValue.objects.filter(
        association=association, report__year=year, report__status__in=statuses
    ).values_list(
        "report__intervention_id",
        "report__quarter",
        "measure__key",
        "measure_id",
        "gender",
        "value",
    )
    return {
        (iid, quarter, key or f"m{mid}", gender): value
        for iid, quarter, key, mid, gender, value in rows
    }


def plan_for_year(*, association, year: int):
    from plans.models import Plan

    return (
        Plan.objects.filter(association=association, year__lte=year, end_year__gte=year)
        .order_by("-year", "-pk")
        .first()
    )


def followup_years(*, association) -> list[int]:
    years = set(
        QuarterReport.objects.filter(association=association)
        .values_list("year", flat=True)
        .distinct()
    )
    return sorted(years)


# A quarter's neighbours -------------------------------------------------------


def quarter_shift(year: int, quarter: int, by: int) -> tuple[int, int]:
    """``(year, quarter)`` moved ``by`` quarters: -1 is the previous one, 1 the following."""
    index = year * 4 + quarter - 1 + by
    return index // 4, index % 4 + 1


def carried_over(*, intervention, year: int, quarter: int, measures) -> dict[tuple[int, str], int]:
    """Where a quarter starts from: per gender, the previous quarter's active participants
    who did not end (never below 0), as ``{(measure_id, gender): count}``.

    Empty when the previous quarter has no report or ``measures`` (those the
    intervention reports) has no standard measure of active participants.
    """
    previous_year, previous_quarter = quarter_shift(year, quarter, -1)
    report = (
        QuarterReport.objects.filter(
            intervention=intervention, year=previous_year, quarter=previous_quarter
        )
        .prefetch_related("values")
        .first()
    )
    keys = {m.key: m.pk for m in measures if m.key}
    if report is None or Measure.Key.ACTIVE not in keys:
        return {}
    values = report_values(report)
    carried = {}
    for gender in (Gender.WOMEN, Gender.MEN):
        active = values.get((keys[Measure.Key.ACTIVE], gender))
        if active is not None:
            ended = values.get((keys.get(Measure.Key.ENDED), gender)) or 0
            carried[(keys[Measure.Key.ACTIVE], gender)] = max(active - ended, 0)
    return carried
