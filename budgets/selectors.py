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
    """A computed figure, with what the plan stated where it stated something.

    ``computed`` is None exactly when the figure cannot be computed; ``gap`` then says
    why (a side of the column is not filled in, nothing states the opening equity)."""

    computed: Decimal | None
    stated: Decimal | None = None
    tkr: Decimal | None = None  # as shown in tkr: adds up with the figures beside it
    gap: calculations.Gap | None = None

    @classmethod
    def of(cls, value: calculations.Computed, stated: Decimal | None = None) -> "Figure":
        return cls(value.value, stated, gap=value.gap)

    @property
    def value(self) -> calculations.Computed:
        return calculations.Computed(self.computed, self.gap)

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
    notes: list = field(default_factory=list)

    @property
    def cells(self) -> list[tuple]:
        """``(kronor, tkr as shown, note)`` per column."""
        count = len(self.amounts)
        return list(
            zip(self.amounts, self.tkr or [None] * count, self.notes or [""] * count, strict=True)
        )


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
    """Every figure of the budget, per column: the page, the document, the Excel export
    and the rule checks all read this one table.

    Årets resultat excludes the equity taken in among the income; eget kapital at the
    end is the start plus the result; allocations (buffer, unallocated) come below and
    reduce the free equity. A column with no income or no costs filled in has no result
    or equity (``Figure.gap`` says why)."""

    budget: Budget
    columns: list
    income: list[GroupBlock] = field(default_factory=list)
    costs: list[GroupBlock] = field(default_factory=list)
    allocations: list[GroupBlock] = field(default_factory=list)
    income_total: list[Figure] = field(default_factory=list)
    cost_total: list[Figure] = field(default_factory=list)
    # Income that is the förbund's own equity taken into the budget, per column.
    equity_used: list[Figure] = field(default_factory=list)
    result: list[Figure] = field(default_factory=list)
    equity_start: list[Figure] = field(default_factory=list)
    equity_end: list[Figure] = field(default_factory=list)
    allocation_total: list[Figure] = field(default_factory=list)
    free_equity: list[Figure] = field(default_factory=list)
    # Per column: nothing is entered in it (a blank forecast); it carries no equity forward.
    empty_columns: list[bool] = field(default_factory=list)
    rules: list = field(default_factory=list)
    cost_per_place: list = field(default_factory=list)
    contributions: list = field(default_factory=list)
    contributions_missing_population: list = field(default_factory=list)

    @property
    def uses_equity(self) -> bool:
        return any(f.computed for f in self.equity_used)

    @property
    def over_allocated(self) -> list[tuple]:
        """``(column, figure)`` for each column whose allocations are larger than its equity
        at the end of the year: the free equity is negative, and the page says so in words
        rather than leaving a minus sign to be noticed."""
        return [
            (column, figure)
            for column, figure in zip(self.columns, self.free_equity, strict=True)
            if figure.computed is not None and figure.computed < 0
        ]

    @property
    def gap_notes(self) -> list[tuple]:
        """``(column, reasons)`` for each column with a figure that cannot be computed."""
        notes = []
        for i, column in enumerate(self.columns):
            reasons = []
            for figures in (
                self.income_total,
                self.cost_total,
                self.result,
                self.equity_start,
                self.equity_end,
            ):
                gap = figures[i].gap
                if gap is not None and gap.label not in reasons:
                    reasons.append(gap.label)
            if reasons:
                notes.append((column, reasons))
        return notes


@dataclass
class ContributionCell:
    recorded: Decimal | None
    by_rule: Decimal | None

    @property
    def difference(self) -> Decimal | None:
        if self.recorded is None or self.by_rule is None:
            return None
        return (self.recorded - self.by_rule) or None


@dataclass
class _BudgetRecords:
    """What the table is computed from, read in a fixed number of queries."""

    columns: list[BudgetColumn]
    groups: list[BudgetGroup]
    lines: list[BudgetLine]
    amounts: dict  # (line pk, column pk) → Decimal
    notes: dict  # (line pk, column pk) → the amount's note, where it has one
    stated: dict  # (kind, group pk or None, column pk) → Decimal
    rules: list[FinancialRule]
    parties: list[MemberParty]
    places: dict  # intervention pk → places in the plan

    @classmethod
    def of(cls, budget: Budget) -> "_BudgetRecords":
        columns = list(budget.columns.all())
        groups = list(budget.groups.all())
        lines = list(
            BudgetLine.objects.filter(group__budget=budget).select_related(
                "group", "party", "intervention"
            )
        )
        records = list(BudgetAmount.objects.filter(line__group__budget=budget))
        return cls(
            columns=columns,
            groups=groups,
            lines=lines,
            amounts={(a.line_id, a.column_id): a.amount for a in records},
            notes={(a.line_id, a.column_id): a.note for a in records if a.note},
            stated={
                (s.kind, s.group_id, s.column_id): s.amount for s in budget.stated_figures.all()
            },
            rules=list(FinancialRule.objects.filter(association=budget.association_id)),
            parties=list(MemberParty.objects.filter(association=budget.association_id)),
            places={
                e.intervention_id: e.places
                for e in PlanIntervention.objects.filter(plan=budget.plan_id, places__isnull=False)
            },
        )

    def with_typed(self, amounts: dict, stated: dict) -> "_BudgetRecords":
        """The records with the cells as typed in the amount grid, not yet saved: an
        amount or stated figure of ``None`` is an emptied cell."""
        for values, typed in ((self.amounts, amounts), (self.stated, stated)):
            for key, value in typed.items():
                if value is None:
                    values.pop(key, None)
                else:
                    values[key] = value
        return self

    def row(self, line, *, is_sub_line=False) -> Row:
        return Row(
            line,
            [self.amounts.get((line.pk, c.pk)) for c in self.columns],
            is_sub_line=is_sub_line,
            notes=[self.notes.get((line.pk, c.pk), "") for c in self.columns],
        )

    def stated_per_column(self, kind, group_id=None) -> list:
        return [self.stated.get((kind, group_id, c.pk)) for c in self.columns]


def budget_table(*, budget: Budget, typed: tuple[dict, dict] | None = None) -> BudgetTable:
    """Every figure of the budget, computed from its lines: the groups and their totals,
    the sides' totals, the result and the equity, the financial rules' outcomes, the cost
    per place, the contributions by the Finsam rule, and all of it in tkr.

    ``typed`` is ``(amounts, stated)`` as the amount grid holds them before they are
    saved (``AmountsForm.typed``): the grid's running totals are this same table."""
    records = _BudgetRecords.of(budget)
    if typed is not None:
        records.with_typed(*typed)
    table = BudgetTable(budget=budget, columns=records.columns)
    filled = _group_blocks(table, records)
    _side_totals(table, records, filled)
    _result_and_equity(table, records)
    _rule_outcomes(table, records.rules)
    _cost_per_place(table, records.places)
    _contributions_by_rule(table, records.lines, records.amounts, records.parties)
    _shown_in_tkr(table)
    return table


def _group_blocks(table: BudgetTable, records: _BudgetRecords) -> dict:
    """A block per group, with its lines ("varav" lines under theirs) and totals, on its
    side of the table. Returns, per side and column, whether any line has an amount."""
    lines_by_group = defaultdict(list)
    sub_lines = defaultdict(list)
    for line in records.lines:
        (sub_lines[line.parent_id] if line.parent_id else lines_by_group[line.group_id]).append(
            line
        )
    sides = _blocks_by_side(table)
    count = len(records.columns)
    filled = {side: [False] * count for side in sides}
    for group in records.groups:
        rows = []
        for line in lines_by_group[group.pk]:
            rows.append(records.row(line))
            rows += [records.row(sub, is_sub_line=True) for sub in sub_lines[line.pk]]
        top = [r for r in rows if not r.is_sub_line]
        totals = [
            Figure(calculations.total(r.amounts[i] for r in top), stated)
            for i, stated in enumerate(records.stated_per_column(Stated.Kind.GROUP_TOTAL, group.pk))
        ]
        for i in range(count):
            filled[group.side][i] |= any(r.amounts[i] is not None for r in top)
        sides[group.side].append(GroupBlock(group, rows, totals))
    return filled


def _blocks_by_side(table: BudgetTable) -> dict:
    return {
        BudgetGroup.Side.INCOME: table.income,
        BudgetGroup.Side.COST: table.costs,
        BudgetGroup.Side.ALLOCATION: table.allocations,
    }


def _side_totals(table: BudgetTable, records: _BudgetRecords, filled: dict) -> None:
    """The income and cost totals (none for a column where a side has no amount), the
    equity taken in among the income, and the allocations."""

    def side_total(blocks, side, gap, kind):
        return [
            Figure.of(
                calculations.side_total(
                    (b.totals[i].computed for b in blocks) if filled[side][i] else (), gap=gap
                ),
                stated,
            )
            for i, stated in enumerate(records.stated_per_column(kind))
        ]

    Gap = calculations.Gap
    table.income_total = side_total(
        table.income, BudgetGroup.Side.INCOME, Gap.NO_INCOME, Stated.Kind.INCOME_TOTAL
    )
    table.cost_total = side_total(
        table.costs, BudgetGroup.Side.COST, Gap.NO_COSTS, Stated.Kind.COST_TOTAL
    )
    columns = range(len(table.columns))
    table.equity_used = [
        Figure(calculations.total(b.totals[i].computed for b in table.income if b.is_equity_used))
        for i in columns
    ]
    table.allocation_total = [
        Figure(calculations.total(b.totals[i].computed for b in table.allocations)) for i in columns
    ]


def _result_and_equity(table: BudgetTable, records: _BudgetRecords) -> None:
    """Årets resultat, and the equity at the start and end of each year and the free
    equity after the allocations (a blank column carries no equity forward)."""
    results = [
        calculations.year_result(
            income=table.income_total[i].value,
            equity_used=table.equity_used[i].computed,
            costs=table.cost_total[i].value,
        )
        for i in range(len(table.columns))
    ]
    table.result = [
        Figure.of(r, stated)
        for r, stated in zip(results, records.stated_per_column(Stated.Kind.RESULT), strict=True)
    ]
    entered = {column_id for (_line, column_id) in records.amounts}
    table.empty_columns = [c.pk not in entered for c in table.columns]
    flow = calculations.equity_flow(
        [(c.year, c.opening_equity) for c in table.columns], results, empty=table.empty_columns
    )
    table.equity_start = [Figure.of(start) for start, _end in flow]
    table.equity_end = [
        Figure.of(end, stated)
        for (_start, end), stated in zip(
            flow, records.stated_per_column(Stated.Kind.EQUITY_END), strict=True
        )
    ]
    table.free_equity = [
        Figure.of(calculations.free_equity(end=end.value, allocations=allocated.computed))
        for end, allocated in zip(table.equity_end, table.allocation_total, strict=True)
    ]


def _costs_by_category(table: BudgetTable) -> list[dict]:
    """Per column, the costs per category (the board counted with the administration)."""
    by_category = [defaultdict(Decimal) for _ in table.columns]
    for block in table.costs:
        group = block.group
        category = Category.ADMINISTRATION if group.category == Category.BOARD else group.category
        for i, figure in enumerate(block.totals):
            by_category[i][category] += figure.computed
    return by_category


def _rule_outcomes(table: BudgetTable, rules: list[FinancialRule]) -> None:
    """Each of the förbund's financial rules, evaluated for each column."""
    by_category = _costs_by_category(table)
    for rule in rules:
        outcomes = []
        for i in range(len(table.columns)):
            income = table.income_total[i].value
            if income.known:
                # The year's own income: equity taken into the budget is not income.
                income = calculations.Computed.of(income.value - table.equity_used[i].computed)
            figures = calculations.YearFigures(
                income=income,
                costs=table.cost_total[i].value,
                equity_end=table.equity_end[i].value,
                costs_by_category=by_category[i],
            )
            outcomes.append(
                calculations.evaluate_rule(
                    rule.kind, rule.value, figures, category=rule.category or None
                )
            )
        table.rules.append((rule, outcomes))


def _cost_per_place(table: BudgetTable, places: dict) -> None:
    """For each cost line of an intervention with places in the plan: its cost per place."""
    for block in table.costs:
        for cost_row in block.rows:
            line = cost_row.line
            count = places.get(line.intervention_id) if line.intervention_id else None
            if count:
                per_place = [
                    None if a is None else calculations.whole_kronor(a / count)
                    for a in cost_row.amounts
                ]
                table.cost_per_place.append((line, count, per_place))


def _tkr_of_side(blocks, side_total: Figure, i: int) -> None:
    """A side's total in tkr (its exact total rounded), its groups apportioned to it and
    each group's lines to the group. "varav" lines are rounded on their own."""
    side_total.tkr = None if side_total.computed is None else calculations.tkr(side_total.computed)
    exact = [b.totals[i].computed for b in blocks]
    shown_total = calculations.tkr(sum(exact, Decimal(0)))
    for block, shown in zip(blocks, calculations.tkr_apportioned(exact, shown_total), strict=True):
        block.totals[i].tkr = shown
        top = [r for r in block.rows if not r.is_sub_line and r.amounts[i] is not None]
        for row, value in zip(
            top, calculations.tkr_apportioned([r.amounts[i] for r in top], shown), strict=True
        ):
            row.tkr[i] = value
        for row in block.rows:
            if row.is_sub_line and row.amounts[i] is not None:
                row.tkr[i] = calculations.tkr(row.amounts[i])


def _shown_in_tkr(table: BudgetTable) -> None:
    """Round to tkr so that what is shown adds up: the lines of a group to the group's
    total, the groups to the side's total, and the result and the equity computed from
    the shown figures by the same functions as in kronor. Each side's total is its exact
    total rounded; a figure below it moves at most 1 tkr from its own rounding."""
    for block in table.income + table.costs + table.allocations:
        for row in block.rows:
            row.tkr = [None] * len(table.columns)
    results = []
    for i in range(len(table.columns)):
        _tkr_of_side(table.income, table.income_total[i], i)
        _tkr_of_side(table.costs, table.cost_total[i], i)
        _tkr_of_side(table.allocations, table.allocation_total[i], i)
        table.equity_used[i].tkr = sum(
            (b.totals[i].tkr for b in table.income if b.is_equity_used), Decimal(0)
        )
        result = calculations.year_result(
            income=_shown(table.income_total[i]),
            equity_used=table.equity_used[i].tkr,
            costs=_shown(table.cost_total[i]),
        )
        table.result[i].tkr = result.value
        results.append(result)
    opening = [
        (c.year, None if c.opening_equity is None else calculations.tkr(c.opening_equity))
        for c in table.columns
    ]
    flow = calculations.equity_flow(opening, results, empty=table.empty_columns)
    for i, (start, end) in enumerate(flow):
        table.equity_start[i].tkr = start.value
        table.equity_end[i].tkr = end.value
        table.free_equity[i].tkr = calculations.free_equity(
            end=end, allocations=table.allocation_total[i].tkr
        ).value


def _shown(figure: Figure) -> calculations.Computed:
    return calculations.Computed(figure.tkr, figure.gap)


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
