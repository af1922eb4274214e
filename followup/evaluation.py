"""Evaluation of measurement points against the year's follow-up figures.

Plain functions on plain data. ``Figures`` holds one year's counts as
``{(intervention_id, quarter, measure_key, gender): count}``. A measurement
point the figures can answer gets a ``Result`` with the figure, the target and
a status; the rest are assessed by the kansli (``manual_result``).

Participants in a year are people, not person-quarters: those active in the
first quarter reported plus those new in each later quarter.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

REACHED, ON_TRACK, BEHIND, NOT_REACHED, NO_DATA, MANUAL = (
    "reached",
    "on_track",
    "behind",
    "not_reached",
    "no_data",
    "manual",
)
NOT_STARTED = "not_started"
STATUS_LABELS = {
    REACHED: _("Reached"),
    ON_TRACK: _("On track"),
    BEHIND: _("Behind the pace"),
    NOT_REACHED: _("Not reached"),
    NO_DATA: _("Not assessed yet"),
    NOT_STARTED: _("Not started"),
}
STATUS_BADGES = {
    REACHED: "text-bg-success",
    ON_TRACK: "text-bg-primary",
    BEHIND: "text-bg-warning",
    NOT_REACHED: "text-bg-danger",
    NO_DATA: "text-bg-light border",
    NOT_STARTED: "text-bg-light border",
}
WOMEN, MEN, ALL = "women", "men", "all"
GENDERS = (WOMEN, MEN)

COUNT_FLOOR, OUTCOME_SHARE, ACTIVITY_COUNT = "count_floor", "outcome_share", "activity_count"

# What a point is counted from (``MeasurementPoint.Measure``); the outcome counts are
# summed from the reported measure of the same key.
PARTICIPANTS, ENDED, ENDED_WORK, ENDED_STUDIES, ACTIVITIES = (
    "participants",
    "ended",
    "ended_work",
    "ended_studies",
    "activities",
)
OUTCOME_MEASURES = (ENDED, ENDED_WORK, ENDED_STUDIES)


@dataclass
class Result:
    kind: str
    status: str
    figure: int | Decimal | None = None
    target: int | Decimal | None = None
    by_gender: dict = field(default_factory=dict)
    unit: str = "count"  # or "percent"
    automatic: bool = True
    base: dict = field(default_factory=dict)  # for a share: the ended, per gender and "all"
    measure: str = ""  # what the figure counts: a MeasurementPoint.Measure, or "outcomes"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    @property
    def badge(self) -> str:
        return STATUS_BADGES.get(self.status, "text-bg-light border")


def progress_status(figure, target, *, quarters_elapsed: int) -> str:
    """Reached once the figure meets the target; before the year is over, on track while
    the figure keeps pace with the quarters elapsed; after it, not reached."""
    if figure is None:
        return NO_DATA
    if figure >= target:
        return REACHED
    if quarters_elapsed >= 4:
        return NOT_REACHED
    if quarters_elapsed <= 0 or figure * 4 >= target * quarters_elapsed:
        return ON_TRACK
    return BEHIND


def participants_in_year(quarters: dict[int, dict[str, int]]) -> int | None:
    """``quarters``: quarter → {"active": n, "new": n} for one intervention and gender."""
    reported = sorted(q for q, counts in quarters.items() if counts)
    if not reported:
        return None
    first, *later = reported
    total = quarters[first].get("active", quarters[first].get("new", 0))
    return total + sum(quarters[q].get("new", 0) for q in later)


def _by_quarter(figures: dict, intervention_id: int, gender: str, keys) -> dict:
    quarters = {}
    for (iid, quarter, key, g), value in figures.items():
        if iid == intervention_id and g == gender and key in keys:
            quarters.setdefault(quarter, {})[key] = value
    return quarters


def year_participants(figures: dict, intervention_ids, gender: str) -> int | None:
    counts = [
        participants_in_year(_by_quarter(figures, iid, gender, ("active", "new")))
        for iid in intervention_ids
    ]
    counts = [c for c in counts if c is not None]
    return sum(counts) if counts else None


def year_sum(figures: dict, intervention_ids, key: str, genders) -> int | None:
    values = [
        v
        for (iid, _q, k, g), v in figures.items()
        if iid in intervention_ids and k == key and g in genders
    ]
    return sum(values) if values else None


def percent(part: int, whole: int) -> Decimal:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def count_floor_result(*, target: int, figures: dict, intervention_ids, quarters_elapsed: int):
    ids = set(intervention_ids)
    by_gender = {g: year_participants(figures, ids, g) for g in GENDERS}
    return _count_result(by_gender, target, quarters_elapsed, PARTICIPANTS)


def outcome_count_result(
    *, target: int, figures: dict, intervention_ids, measure_key: str, quarters_elapsed: int
):
    """A number of participants who ended (into work, into studies) in the year."""
    ids = set(intervention_ids)
    by_gender = {g: year_sum(figures, ids, measure_key, (g,)) for g in GENDERS}
    return _count_result(by_gender, target, quarters_elapsed, measure_key)


def _count_result(by_gender: dict, target: int, quarters_elapsed: int, measure: str):
    """A "number, at least" point's result from its figure per gender (None: not reported)."""
    known = [v for v in by_gender.values() if v is not None]
    total = sum(known) if known else None
    return Result(
        COUNT_FLOOR,
        progress_status(total, target, quarters_elapsed=quarters_elapsed),
        total,
        target,
        by_gender,
        measure=measure,
    )


def outcome_share_result(
    *,
    target_percent: Decimal,
    figures: dict,
    intervention_ids,
    work: bool,
    studies: bool,
    quarters_elapsed: int,
):
    """Share of the participants who ended that ended into work and/or studies."""
    ids = set(intervention_ids)
    keys = [k for k, on in (("ended_work", work), ("ended_studies", studies)) if on]

    def share(genders):
        ended = year_sum(figures, ids, "ended", genders)
        if not ended:
            return None
        outcomes = sum(year_sum(figures, ids, k, genders) or 0 for k in keys)
        return percent(outcomes, ended)

    figure = share(GENDERS)
    base = {g: year_sum(figures, ids, "ended", (g,)) for g in GENDERS}
    base[ALL] = year_sum(figures, ids, "ended", GENDERS)
    if figure is None:
        status = NO_DATA
    elif figure >= target_percent:
        status = REACHED if quarters_elapsed >= 4 else ON_TRACK
    else:
        status = NOT_REACHED if quarters_elapsed >= 4 else BEHIND
    return Result(
        OUTCOME_SHARE,
        status,
        figure,
        target_percent,
        {g: share((g,)) for g in GENDERS},
        unit="percent",
        base=base,
        measure="outcomes",
    )


def activity_count_result(
    *, target: int, figures: dict, intervention_ids, measure_key: str, quarters_elapsed: int
):
    ids = set(intervention_ids)
    by_gender = {g: year_sum(figures, ids, measure_key, (g,)) for g in GENDERS}
    total = year_sum(figures, ids, measure_key, (WOMEN, MEN, ALL))
    if all(v is None for v in by_gender.values()):
        by_gender = {}
    return Result(
        ACTIVITY_COUNT,
        progress_status(total, target, quarters_elapsed=quarters_elapsed),
        total,
        target,
        by_gender,
        measure=ACTIVITIES,
    )


def manual_result(kind: str, status: str | None) -> Result:
    return Result(kind, status or NO_DATA, automatic=False)


def quarters_elapsed(year: int, today) -> int:
    """Whole quarters of ``year`` that are over on ``today`` (0 to 4)."""
    if today.year < year:
        return 0
    if today.year > year:
        return 4
    return (today.month - 1) // 3


def evaluate(
    point,
    *,
    figures: dict,
    intervention_ids,
    measure_key: str | None,
    elapsed: int,
    manual_status: str | None = None,
) -> Result:
    """One measurement point (anything with ``kind``, ``measure``, ``target_count``,
    ``target_percent``, ``outcome_work``, ``outcome_studies``).

    A point is evaluated from the figures only from the measure it is about: a number
    from its ``measure`` (participants, ended, ended into work or studies; activities
    from the reported measure ``measure_key`` the kansli chose), an outcome share from
    the outcomes it ticks among those who ended. Anything else, a point whose measure
    is not set included, is the kansli's assessment, or not assessed."""
    automatic = _automatic_result(
        point,
        figures=figures,
        intervention_ids=intervention_ids,
        measure_key=measure_key,
        elapsed=elapsed,
    )
    if automatic is not None:
        return automatic
    return manual_result(point.kind, manual_status)


def _automatic_result(
    point, *, figures: dict, intervention_ids, measure_key: str | None, elapsed: int
) -> Result | None:
    """The point evaluated from the figures, or None where its kind, measure and target
    leave it to the kansli's assessment."""
    measure = getattr(point, "measure", "")
    if point.kind == COUNT_FLOOR and point.target_count is not None and intervention_ids:
        if measure == PARTICIPANTS:
            return count_floor_result(
                target=point.target_count,
                figures=figures,
                intervention_ids=intervention_ids,
                quarters_elapsed=elapsed,
            )
        if measure in OUTCOME_MEASURES:
            return outcome_count_result(
                target=point.target_count,
                figures=figures,
                intervention_ids=intervention_ids,
                measure_key=measure,
                quarters_elapsed=elapsed,
            )
    if (
        point.kind == OUTCOME_SHARE
        and point.target_percent is not None
        and (point.outcome_work or point.outcome_studies)
        and intervention_ids
    ):
        return outcome_share_result(
            target_percent=point.target_percent,
            figures=figures,
            intervention_ids=intervention_ids,
            work=point.outcome_work,
            studies=point.outcome_studies,
            quarters_elapsed=elapsed,
        )
    if (
        point.kind == ACTIVITY_COUNT
        and measure == ACTIVITIES
        and point.target_count is not None
        and measure_key
    ):
        return activity_count_result(
            target=point.target_count,
            figures=figures,
            intervention_ids=intervention_ids,
            measure_key=measure_key,
            quarters_elapsed=elapsed,
        )
    return None
