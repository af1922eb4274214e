"""The budget as the page shows it: every figure computed from the lines.

A fixed number of queries whatever the size; all arithmetic is delegated to
``calculations``.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from associations.models import MemberParty
from plans.models import PlanIntervention

from . import calculations
from .models import (
    Budget,
    BudgetAmount,
    BudgetColumn,
    BudgetGroup,
    BudgetLine,
    Category,
    FinancialRule,
)
from .models import StatedFigure as Stated


@dataclass
class Figure:
    """A computed figure, with what the plan stated where it stated something."""

    computed: Decimal | None
    stated: Decimal | None = None
    tkr: Decimal | None = None  # as shown in tkr: adds up with the figures beside it

    @property
    def difference(self) -> Decimal | None:
        if self.computed is None:
            return None
        difference = calculations.difference(self.stated, self.computed)
        return difference or None


@dataclass
class Row:
    line: BudgetLine
    amounts: list
    is_sub_line: bool = False
    tkr: list = field(default_factory=list)

    @property
    def cells(self) -> list[tuple]:
        """``(kronor, tkr as shown)`` per column."""
        return list(zip(self.amounts, self.tkr or [None] * len(self.amounts), strict=True))


@dataclass
class GroupBlock:
    group: BudgetGroup
    rows: list[Row]
    totals: list[Figure]

    @property
    def is_equity_used(self) -> bool:
        """Income that is the förbund's own equity taken into the budget."""
        return self.group.category == Category.EQUITY_USED


@dataclass
class BudgetTable:
    budget: Budget
    columns: list
    income: list[GroupBlock] = field(default_factory=list)
    costs: list[GroupBlock] = field(default_factory=list)
    income_total: list[Figure] = field(default_factory=list)
    cost_total: list[Figure] = field(default_factory=list)
    result: list[Figure] = field(default_factory=list)
    equity_start: list = field(default_factory=list)
    equity_start_tkr: list = field(default_factory=list)

    @property
    def equity_start_rows(self) -> list[tuple]:
        return list(zip(self.equity_start, self.equity_start_tkr, strict=True))

    equity_end: list[Figure] = field(default_factory=list)
    # Income that is the förbund's own equity taken into the budget, per column.
    equity_used: list = field(default_factory=list)
    equity_used_tkr: list = field(default_factory=list)

    @property
    def equity_used_rows(self) -> list[tuple] | None:
        """``(kronor, tkr as shown)`` per column; None when no column uses equity."""
        if not any(self.equity_used):
            return None
        return list(zip(self.equity_used, self.equity_used_tkr, strict=True))

    rules: list = field(default_factory=list)
    cost_per_place: list = field(default_factory=list)
    contributions: list = field(default_factory=list)
    contributions_missing_population: list = field(default_factory=list)


@dataclass
class ContributionCell:
    recorded: Decimal | None
    by_rule: Decimal | None

    @property
    def difference(self) -> Decimal | None:
        if self.recorded is None or self.by_rule is None:
            return None
        return (self.recorded - self.by_rule) or None


def budget_table(*, budget: Budget) -> BudgetTable:
    columns = list(budget.columns.all())
    groups = list(budget.groups.all())
    lines = list(
        BudgetLine.objects.filter(group__budget=budget).select_related(
            "group", "party", "intervention"
        )
    )
    amounts = {
        (a.line_id, a.column_id): a.amount
        for a in BudgetAmount.objects.filter(line__group__budget=budget)
    }
    stated = {(s.kind, s.group_id, s.column_id): s.amount for s in budget.stated_figures.all()}
    rules = list(FinancialRule.objects.filter(association=budget.association_id))
    parties = list(MemberParty.objects.filter(association=budget.association_id))
    places = {
        e.intervention_id: e.places
        for e in PlanIntervention.objects.filter(plan=budget.plan_id, places__isnull=False)
    }

    lines_by_group = defaultdict(list)
    sub_lines = defaultdict(list)
    for line in lines:
        (sub_lines[line.parent_id] if line.parent_id else lines_by_group[line.group_id]).append(
            line
        )

    def cells(line):
        return [amounts.get((line.pk, c.pk)) for c in columns]

    table = BudgetTable(budget=budget, columns=columns)
    by_category = [defaultdict(Decimal) for _ in columns]
    for group in groups:
        rows = []
        for line in lines_by_group[group.pk]:
            rows.append(Row(line, cells(line)))
            rows += [Row(sub, cells(sub), is_sub_line=True) for sub in sub_lines[line.pk]]
        totals = [
            Figure(
                calculations.total(
                    amounts.get((line.pk, c.pk)) for line in lines_by_group[group.pk]
                ),
                stated.get((Stated.Kind.GROUP_TOTAL, group.pk, c.pk)),
            )
            for c in columns
        ]
        block = GroupBlock(group, rows, totals)
        (table.income if group.side == BudgetGroup.Side.INCOME else table.costs).append(block)
        if group.side == BudgetGroup.Side.COST:
            category = (
                Category.ADMINISTRATION if group.category == Category.BOARD else group.category
            )
            for i, figure in enumerate(totals):
                by_category[i][category] += figure.computed

    def side_total(blocks, kind):
        return [
            Figure(
                calculations.total(b.totals[i].computed for b in blocks),
                stated.get((kind, None, c.pk)),
            )
            for i, c in enumerate(columns)
        ]

    table.income_total = side_total(table.income, Stated.Kind.INCOME_TOTAL)
    table.cost_total = side_total(table.costs, Stated.Kind.COST_TOTAL)
    results = [
        calculations.year_result(income=i.computed, costs=k.computed)
        for i, k in zip(table.income_total, table.cost_total, strict=True)
    ]
    table.result = [
        Figure(r, stated.get((Stated.Kind.RESULT, None, c.pk)))
        for r, c in zip(results, columns, strict=True)
    ]
    table.equity_used = [
        calculations.total(b.totals[i].computed for b in table.income if b.is_equity_used)
        for i in range(len(columns))
    ]
    changes = [
        calculations.equity_change(result=r, equity_used=u)
        for r, u in zip(results, table.equity_used, strict=True)
    ]
    table.equity_start = calculations.equity_starts(
        [(c.year, c.opening_equity) for c in columns], changes
    )
    table.equity_end = [
        Figure(
            None if start is None else start + change,
            stated.get((Stated.Kind.EQUITY_END, None, c.pk)),
        )
        for start, change, c in zip(table.equity_start, changes, columns, strict=True)
    ]

    for rule in rules:
        outcomes = []
        for i, _column in enumerate(columns):
            equity = table.equity_end[i].computed
            if equity is None and rule.kind not in (
                FinancialRule.Kind.ADMIN_MAX_PERCENT,
                FinancialRule.Kind.GROUP_TARGET_SHARE,
            ):
                outcomes.append(None)
                continue
            figures = calculations.YearFigures(
                # The year's own income: equity taken into the budget is not income.
                income=table.income_total[i].computed - table.equity_used[i],
                costs=table.cost_total[i].computed,
                equity_end=equity or Decimal(0),
                costs_by_category=by_category[i],
            )
            outcomes.append(
                calculations.evaluate_rule(
                    rule.kind, rule.value, figures, category=rule.category or None
                )
            )
        table.rules.append((rule, outcomes))

    for block in table.costs:
        for row in block.rows:
            count = places.get(row.line.intervention_id) if row.line.intervention_id else None
            if count:
                per_place = [
                    None if a is None else calculations.whole_kronor(a / count) for a in row.amounts
                ]
                table.cost_per_place.append((row.line, count, per_place))
    _contributions_by_rule(table, lines, amounts, parties)
    _shown_in_tkr(table)
    return table


def _shown_in_tkr(table: BudgetTable) -> None:
    """Round to tkr so that what is shown adds up: the lines of a group to the group's
    total, the groups to the side's total, and the result and the equity from the shown
    figures. Each side's total is its exact total rounded; a figure below it moves at
    most 1 tkr from its own rounding. "varav" lines are rounded on their own."""
    for block in table.income + table.costs:
        for row in block.rows:
            row.tkr = [None] * len(table.columns)
    for i in range(len(table.columns)):
        for blocks, side_total in (
            (table.income, table.income_total[i]),
            (table.costs, table.cost_total[i]),
        ):
            side_total.tkr = calculations.tkr(side_total.computed)
            group_shown = calculations.tkr_apportioned(
                [b.totals[i].computed for b in blocks], side_total.tkr
            )
            for block, shown in zip(blocks, group_shown, strict=True):
                block.totals[i].tkr = shown
                top = [r for r in block.rows if not r.is_sub_line and r.amounts[i] is not None]
                for row, value in zip(
                    top,
                    calculations.tkr_apportioned([r.amounts[i] for r in top], shown),
                    strict=True,
                ):
                    row.tkr[i] = value
                for row in block.rows:
                    if row.is_sub_line and row.amounts[i] is not None:
                        row.tkr[i] = calculations.tkr(row.amounts[i])
        result = table.income_total[i].tkr - table.cost_total[i].tkr
        table.result[i].tkr = result
        used_tkr = sum((b.totals[i].tkr for b in table.income if b.is_equity_used), Decimal(0))
        table.equity_used_tkr.append(used_tkr)
        start = table.equity_start[i]
        previous_end = table.equity_end[i - 1] if i else None
        if start is None:
            start_tkr = None
        elif previous_end is not None and previous_end.computed == start:
            start_tkr = previous_end.tkr  # carried forward: the same figure as shown before
        else:
            start_tkr = calculations.tkr(start)
        table.equity_start_tkr.append(start_tkr)
        table.equity_end[i].tkr = None if start_tkr is None else start_tkr + result - used_tkr


def _contributions_by_rule(table, lines, amounts, parties) -> None:
    """Per member party and column: the contribution recorded and the Finsam rule's share
    of the same total. Lines without a party (one line for all members, or a "kommunerna,
    varav" line whose sub-lines carry the parties) are left out; a column with no
    contribution per party gets no rule figure."""
    by_rule = table.budget.contributions == Budget.Contributions.RULE
    if by_rule:
        # Only the total is entered: every top-level contribution line counts.
        party_lines = [
            line
            for line in lines
            if line.group.category == Category.CONTRIBUTIONS and not line.parent_id
        ]
    else:
        party_lines = [
            line
            for line in lines
            if line.party_id and line.group.category == Category.CONTRIBUTIONS
        ]
    if not party_lines:
        return
    # A party's contribution is the sum of its lines (it may have more than one).
    recorded = {}
    for line in [] if by_rule else party_lines:
        for c in table.columns:
            value = amounts.get((line.pk, c.pk))
            if value is not None:
                key = (line.party_id, c.pk)
                recorded[key] = recorded.get(key, Decimal(0)) + value
    rule_parties = [calculations.Party(p.pk, p.kind, p.population) for p in parties]
    shares_by_column = []
    for column in table.columns:
        values = [amounts.get((line.pk, column.pk)) for line in party_lines]
        if all(value is None for value in values):
            shares_by_column.append({})
            continue
        try:
            shares_by_column.append(
                calculations.contribution_split(calculations.total(values), rule_parties)
            )
        except calculations.ContributionError as error:
            missing = {p.pk: p for p in parties}
            table.contributions_missing_population = [
                missing[k] for k in error.parties if k in missing
            ]
            return
    for party in parties:
        cells = [
            ContributionCell(recorded.get((party.pk, c.pk)), shares.get(party.pk))
            for c, shares in zip(table.columns, shares_by_column, strict=True)
        ]
        table.contributions.append((party, cells))


def years_without_column(*, budget: Budget) -> list[int]:
    """The plan's years for which the budget has no budget or plan column: the page names
    them, so a three-year plan never looks like a one-year budget."""
    plan = budget.plan
    covered = set(
        budget.columns.filter(
            kind__in=[BudgetColumn.Kind.BUDGET, BudgetColumn.Kind.PLAN]
        ).values_list("year", flat=True)
    )
    return [year for year in range(plan.year, plan.end_year + 1) if year not in covered]
