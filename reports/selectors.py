"""Reads for the report's page: each part of the report in the order it is read, in a
fixed number of queries however many rows the report has."""

from dataclasses import dataclass

from budgets.models import Budget
from budgets.outcome import Comparison, outcome_table
from followup.dashboard import cost_per_participant
from followup.suppression import Cell, publish_count, suppress_table

from .models import AnnualReport, ControlResult, GoalResult, InterventionResult, ReportSection


@dataclass
class GoalGroup:
    """The goal results of one målområde (or of one intervention's own points)."""

    heading: str
    results: list[GoalResult]


@dataclass
class InterventionRow:
    """One intervention's year as published: the counts as the reader may see them."""

    result: InterventionResult
    women: Cell
    men: Cell
    participants: Cell
    ended_work: Cell
    ended_studies: Cell
    money: Comparison

    @property
    def cost_per_participant(self):
        """The outcome per published participant (none where the count is hidden: the
        money and the cost would give it away)."""
        return cost_per_participant(self.money.outcome, self.participants.shown)


@dataclass
class ReportPage:
    sections: list[ReportSection]
    goal_groups: list[GoalGroup]
    interventions: list[InterventionRow]
    controls: list[ControlResult]


def report_page(*, report: AnnualReport, suppress: bool) -> ReportPage:
    """Every part of ``report``; ``suppress`` hides small participant counts (all but the
    kansli: the report is public)."""
    return ReportPage(
        sections=list(ReportSection.objects.filter(report=report).order_by("order", "pk")),
        goal_groups=goal_groups(report=report),
        interventions=intervention_rows(report=report, suppress=suppress),
        controls=list(
            ControlResult.objects.filter(report=report)
            .select_related("control_point")
            .order_by("order", "pk")
        ),
    )


def _group_key(result: GoalResult) -> tuple:
    """Where a point sits in the plan: its goal's målområde in the plan's order, else the
    intervention it (or its goal) belongs to, after the målområden."""
    point = result.point
    goal = point.goal
    if goal is not None and goal.goal_area is not None:
        area = goal.goal_area
        return (0, area.order, area.pk, area.name)
    entry = point.plan_intervention or (goal.plan_intervention if goal is not None else None)
    if entry is not None:
        return (1, entry.order, entry.pk, entry.name)
    return (2, 0, 0, "")


def goal_groups(*, report: AnnualReport) -> list[GoalGroup]:
    results = GoalResult.objects.filter(report=report).select_related(
        "point__goal__goal_area",
        "point__goal__plan_intervention",
        "point__plan_intervention",
    )
    by_key: dict[tuple, list[GoalResult]] = {}
    for result in sorted(results, key=lambda r: (r.order, r.pk)):
        by_key.setdefault(_group_key(result), []).append(result)
    return [GoalGroup(heading=key[3], results=by_key[key]) for key in sorted(by_key)]


def intervention_rows(*, report: AnnualReport, suppress: bool) -> list[InterventionRow]:
    """The interventions' figures; women and men are published as one table with its
    totals, so a hidden small count cannot be worked out from a total."""
    results = list(
        InterventionResult.objects.filter(report=report)
        .select_related("plan_intervention")
        .order_by("order", "pk")
    )
    if not results:
        return []
    table = suppress_table(
        [[result.participants_women, result.participants_men] for result in results],
        suppress=suppress,
    )
    return [
        InterventionRow(
            result=result,
            women=cells[0],
            men=cells[1],
            participants=total,
            ended_work=publish_count(result.ended_work, suppress=suppress),
            ended_studies=publish_count(result.ended_studies, suppress=suppress),
            money=Comparison(budget=result.budget, outcome=result.outcome),
        )
        for result, (cells, total) in zip(results, table.rows, strict=True)
    ]


def report_outcome(report: AnnualReport):
    """Budget against outcome for the report's year (``budgets.outcome.outcome_table``),
    or None where the plan that covered the year has no budget for it."""
    budget = Budget.objects.filter(plan=report.plan).first()
    # The outcome is the year's: an interim report on the first half has none.
    if budget is None or report.plan.year != report.year or report.kind != report.Kind.ANNUAL:
        return None
    return outcome_table(budget=budget)
