"""The förbund's follow-up dashboard for one year, in a fixed number of queries.

Everything shown to anyone but the kansli goes through ``suppression``: counts
from 1 to 4 as "färre än 5", with secondary suppression in every table.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, Sum
from django.utils.translation import gettext as _

from budgets.models import Budget, BudgetAmount, BudgetColumn, LineOutcome
from budgets.outcome import outcome_table
from plans import frozen_cache
from plans.models import Intervention, MeasurementPoint

from . import charts, evaluation
from .models import Focus, Measure, PointAssessment
from .selectors import (
    HEADLINE_KEYS,
    QUARTERS,
    figure_key,
    plan_for_year,
    running_years_by_intervention,
    year_figures,
)
from .suppression import PublishedTable, is_small, publish_count, suppress_table


@dataclass
class InterventionBlock:
    intervention: Intervention
    focus: str
    headline: str  # the measure the quarter table shows
    quarters: PublishedTable  # rows Q1..Q4, columns women, men
    year: PublishedTable  # one row: women, men (participants in the year)
    chart: str
    missing: list[int] = field(default_factory=list)
    budget: Decimal | None = None
    outcome: Decimal | None = None
    cost_per_participant: Decimal | None = None
    cost_from_budget: bool = False  # no outcome yet: the budget per participant


@dataclass
class PointRow:
    point: MeasurementPoint
    result: evaluation.Result
    assessment: PointAssessment | None
    figure: object = None  # published Cell or Decimal
    by_gender: dict = field(default_factory=dict)

    @property
    def measure_label(self) -> str:
        """What the figure counts, shown beside it; for a point that could be counted
        but has no measure set, that it has none."""
        measure = self.result.measure
        if measure == "outcomes":
            outcomes = [
                str(label)
                for on, label in [
                    (self.point.outcome_work, MeasurementPoint.Measure.ENDED_WORK.label),
                    (self.point.outcome_studies, MeasurementPoint.Measure.ENDED_STUDIES.label),
                ]
                if on
            ]
            return _("%(outcomes)s, share of those who ended") % {"outcomes": " / ".join(outcomes)}
        if (
            measure == MeasurementPoint.Measure.ACTIVITIES
            and self.assessment
            and self.assessment.measure
        ):
            return str(self.assessment.measure)
        if measure:
            return str(MeasurementPoint.Measure(measure).label)
        if self.point.kind in MeasurementPoint.MEASURES_BY_KIND and not self.point.measure:
            return _("no measure set")
        return ""


# The summary's columns, in the order of the status words (``evaluation.STATUS_LABELS``).
SUMMARY_STATUSES = [
    evaluation.REACHED,
    evaluation.ON_TRACK,
    evaluation.BEHIND,
    evaluation.NOT_REACHED,
    evaluation.NO_DATA,
]


@dataclass
class StatusSummaryRow:
    """How the measurement points of one målområde (or of one intervention's goals)
    stand: a count per status, in the columns of ``status_summary``."""

    name: str
    counts: dict[str, int]
    cells: list[int] = field(default_factory=list)  # the counts in the summary's columns

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class StatusSummary:
    columns: list[tuple[str, str]]  # (status, label)
    rows: list[StatusSummaryRow]


def _plan_group(point) -> tuple[tuple, str]:
    """Where a point stands in the plan: its målområde, or the intervention it or its
    goal belongs to (målområden first, each in the plan's order), with that part's name."""
    goal = point.goal
    if goal is not None and goal.goal_area_id is not None:
        area = goal.goal_area
        return (0, area.order, area.pk), area.name
    entry = point.plan_intervention or (goal.plan_intervention if goal else None)
    return (1, entry.order, entry.pk), entry.name


def _plan_position(point) -> tuple:
    goal = point.goal
    goal_position = (goal.order, goal.pk) if goal is not None else (-1, 0)
    return (*_plan_group(point)[0], *goal_position, point.order, point.pk)


def status_summary(points: list[PointRow]) -> StatusSummary:
    """A row per målområde in the plan's order, then one per intervention whose own goals
    have measurement points, in the plan's order. "Not started" gets a column only when
    the kansli has given that status to a point."""
    groups = {}
    for row in points:
        key, name = _plan_group(row.point)
        group = groups.setdefault(key, StatusSummaryRow(name=name, counts={}))
        group.counts[row.result.status] = group.counts.get(row.result.status, 0) + 1
    statuses = list(SUMMARY_STATUSES)
    if any(evaluation.NOT_STARTED in g.counts for g in groups.values()):
        statuses.insert(statuses.index(evaluation.NO_DATA), evaluation.NOT_STARTED)
    rows = [groups[key] for key in sorted(groups)]
    for row in rows:
        row.cells = [row.counts.get(status, 0) for status in statuses]
    return StatusSummary(
        columns=[(s, str(evaluation.STATUS_LABELS[s])) for s in statuses], rows=rows
    )


def _published_share(result, suppress):
    """A share is hidden where the number who ended behind it is small."""
    if not suppress:
        return result.figure, dict(result.by_gender)
    base = result.base
    figure = None if is_small(base.get("all")) else result.figure
    by_gender = {
        g: (None if is_small(base.get(g)) or is_small(base.get("all")) else v)
        for g, v in result.by_gender.items()
    }
    # With one gender hidden, the other and the whole would give it away.
    if any(v is None and result.by_gender.get(g) is not None for g, v in by_gender.items()):
        by_gender = dict.fromkeys(by_gender)
    return figure, by_gender


def _budget_by_intervention(*, plan, year: int) -> dict:
    if plan is None:
        return {}
    amounts = (
        BudgetAmount.objects.filter(
            line__group__budget__plan=plan,
            line__intervention__isnull=False,
            column__year=year,
            column__kind__in=[
                BudgetColumn.Kind.BUDGET,
                BudgetColumn.Kind.DECIDED,
                BudgetColumn.Kind.OUTCOME,
            ],
        )
        .values_list("line__intervention_id", "column__kind")
        .annotate(total=Sum("amount"))
    )
    result = defaultdict(dict)
    for intervention_id, kind, total in amounts:
        result[intervention_id][kind] = total
    budget = Budget.objects.filter(plan=plan).first() if plan.year == year else None
    if budget is not None:
        # The plan year's real outcome (entered or read from the books) wins over an
        # outcome column: the same figures as the budget's outcome page.
        for intervention_id, outcome in _outcome_by_intervention(plan=plan, budget=budget):
            if outcome is not None:
                result[intervention_id][BudgetColumn.Kind.OUTCOME] = outcome
    return result


def _outcome_by_intervention(*, plan, budget) -> tuple:
    """``(intervention id, outcome)`` pairs as the budget's outcome page shows them
    (``outcome_table``). An approved plan's budget cannot change, so for one the pairs
    are kept in the shared cache (``plans.frozen_cache``), keyed also on every outcome
    row of the budget: entering or importing an outcome is a new key at once."""
    key = frozen_cache.frozen_key(
        plan=plan,
        kind="intervention-outcomes",
        live=[LineOutcome.objects.filter(line__group__budget=budget)],
    )
    (pairs,) = frozen_cache.kept(
        key,
        lambda: (
            tuple(
                (item.intervention.pk, item.figures.outcome)
                for item in outcome_table(budget=budget).interventions
            ),
        ),
    )
    return pairs


def dashboard(*, association, year: int, suppress: bool, today) -> dict:
    """The follow-up of one year: a block per intervention with figures (quarters and
    year by gender, chart, budget and outcome, missing quarters), every measurement
    point evaluated, and the overview charts.

    ``suppress``: small counts published as for everyone but the kansli."""
    figures = year_figures(association=association, year=year)
    reported_ids = {iid for (iid, _q, _k, _g) in figures}
    running = _running_interventions(association=association, year=year, reported_ids=reported_ids)
    plan = plan_for_year(association=association, year=year)
    elapsed = evaluation.quarters_elapsed(year, today)
    money = _budget_by_intervention(plan=plan, year=year)
    reported_quarters = defaultdict(set)
    for iid, quarter, _k, _g in figures:
        reported_quarters[iid].add(quarter)
    # Quarters count as missing only where some intervention runs in the year.
    due = [q for q in QUARTERS if running and q <= max(elapsed, 1)]
    blocks = [
        _intervention_block(
            intervention,
            figures=figures,
            money=money.get(intervention.pk, {}),
            missing=[q for q in due if q not in reported_quarters[intervention.pk]],
            suppress=suppress,
        )
        for intervention in running
        if intervention.pk in reported_ids
    ]
    points = _point_rows(
        plan=plan, figures=figures, reported_ids=reported_ids, elapsed=elapsed, suppress=suppress
    )
    return {
        "year": year,
        "plan": plan,
        "blocks": blocks,
        "points": points,
        "summary": status_summary(points),
        **_overview_charts(blocks, points),
        "without_figures": [i for i in running if i.pk not in reported_ids],
        "suppressed": suppress,
        "quarters_elapsed": elapsed,
    }


def _running_interventions(*, association, year: int, reported_ids: set) -> list:
    """The förbund's interventions that run in the year or have figures for it."""
    years = running_years_by_intervention(association=association)
    return [
        i
        for i in Intervention.objects.filter(association=association).select_related("followup")
        if year in years.get(i.pk, set()) or i.pk in reported_ids
    ]


def _intervention_block(
    intervention, *, figures, money: dict, missing: list[int], suppress: bool
) -> InterventionBlock:
    """One intervention's figures: its headline measure per quarter and for the year, by
    gender and published, with the chart of the quarters and its money per participant."""
    settings = getattr(intervention, "followup", None)
    focus = settings.focus if settings else intervention.kind
    headline = HEADLINE_KEYS.get(focus, Measure.Key.ACTIVE)
    table = suppress_table(
        [[figures.get((intervention.pk, q, headline, g)) for g in GENDERS] for q in QUARTERS],
        suppress=suppress,
    )
    year_table = suppress_table(
        [_year_figures(figures, intervention, focus, headline)], suppress=suppress
    )
    label = str(Measure.Key(headline).label)
    chart = charts.participants_by_gender_chart(
        [
            (f"Kv{q}", cells[0].shown, cells[1].shown)
            for q, cells in zip(QUARTERS, table.cells, strict=True)
        ],
        title=f"{intervention.name}: {label}",
    )
    budget = money.get(BudgetColumn.Kind.BUDGET, money.get(BudgetColumn.Kind.DECIDED))
    outcome = money.get(BudgetColumn.Kind.OUTCOME)
    return InterventionBlock(
        intervention=intervention,
        focus=focus,
        headline=label,
        quarters=table,
        year=year_table,
        chart=chart,
        missing=missing,
        budget=budget,
        outcome=outcome,
        cost_per_participant=cost_per_participant(
            outcome if outcome is not None else budget, year_table.grand_total.shown
        ),
        cost_from_budget=outcome is None,
    )


GENDERS = ("women", "men")


def _year_figures(figures, intervention, focus, headline) -> list:
    """The year's figure by gender: the participants of an individual-focused
    intervention (each counted once), otherwise the sum of the headline measure."""
    if focus == Focus.INDIVIDUAL:
        return [evaluation.year_participants(figures, {intervention.pk}, g) for g in GENDERS]
    return [evaluation.year_sum(figures, {intervention.pk}, headline, (g,)) for g in GENDERS]


def cost_per_participant(spent, participants) -> Decimal | None:
    """The money spent (the outcome, or without one the budget) per published
    participant, in whole kronor."""
    if spent is None or not participants:
        return None
    return (Decimal(spent) / participants).quantize(Decimal(1), ROUND_HALF_UP)


def _point_rows(*, plan, figures, reported_ids: set, elapsed: int, suppress: bool) -> list:
    """Every measurement point of the plan, in the plan's order, evaluated and published."""
    if plan is None:
        return []
    queryset = (
        MeasurementPoint.objects.filter(plan=plan)
        .select_related(
            "plan_intervention__intervention",
            "goal__goal_area",
            "goal__plan_intervention__intervention",
            "assessment",
            "assessment__measure",
        )
        .prefetch_related(Prefetch("counted_interventions", to_attr="counted_list"))
    )
    # In the plan's order, sorted here: the database would place the points without
    # a målområde first or last depending on how it sorts nulls.
    return [
        _point_row(
            point, figures=figures, reported_ids=reported_ids, elapsed=elapsed, suppress=suppress
        )
        for point in sorted(queryset, key=_plan_position)
    ]


def _counted_intervention_ids(point, reported_ids: set) -> list[int]:
    """The interventions a point counts: those chosen for it, else the intervention it
    (or its goal) belongs to, else every intervention with figures."""
    ids = [i.pk for i in point.counted_list]
    entry = point.plan_intervention or (point.goal.plan_intervention if point.goal else None)
    if not ids and entry is not None:
        ids = [entry.intervention_id]
    return ids or sorted(reported_ids)


def _point_row(point, *, figures, reported_ids: set, elapsed: int, suppress: bool) -> PointRow:
    assessment = getattr(point, "assessment", None)
    measure = assessment.measure if assessment else None
    result = evaluation.evaluate(
        point,
        figures=figures,
        intervention_ids=_counted_intervention_ids(point, reported_ids),
        measure_key=figure_key(measure) if measure else None,
        elapsed=elapsed,
        manual_status=assessment.status if assessment else None,
    )
    row = PointRow(point=point, result=result, assessment=assessment)
    if result.unit == "percent":
        row.figure, row.by_gender = _published_share(result, suppress)
    elif result.automatic:
        row.figure, row.by_gender = _published_count(result, suppress)
    return row


def _published_count(result, suppress):
    """A count, with its split by gender where it has one, suppressed as a table."""
    genders = [result.by_gender.get(g) for g in GENDERS]
    if result.by_gender and any(v is not None for v in genders):
        published = suppress_table([genders], suppress=suppress)
        return published.grand_total, dict(zip(GENDERS, published.cells[0], strict=True))
    return publish_count(result.figure, suppress=suppress), {}


def _overview_charts(blocks: list[InterventionBlock], points: list[PointRow]) -> dict:
    """The charts above the blocks: the counted points against their targets, and each
    intervention's budget against its outcome."""
    count_rows = [
        (row.point.text[:40], getattr(row.figure, "shown", None), row.result.target)
        for row in points
        if row.result.automatic and row.result.unit == "count"
    ]
    money_rows = [
        (b.intervention.name, b.budget, b.outcome)
        for b in blocks
        if b.budget is not None or b.outcome is not None
    ]
    return {
        "target_chart": charts.target_chart(count_rows) if count_rows else "",
        "budget_chart": charts.budget_outcome_chart(money_rows) if money_rows else "",
    }
