"""The year's outcome (utfall) beside the budget the board decided.

The outcome arrives after the plan is approved: typed into the outcome grid, or read
from the finance system's SIE 4 file (``budgets/sie.py``) through the förbund's mapping
from accounts to budget lines (``AccountMapping``), kept from one year to the next.
It is stored per top-level income and cost line (``LineOutcome``), in whole kronor and
with the budget's signs (income and costs both positive), never inside the frozen budget.

``outcome_table`` is the one place the comparison is computed: the outcome page, the
follow-up and the annual report all show what it returns.
"""

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from plans.models import Plan

from . import calculations
from .models import (
    AccountMapping,
    Budget,
    BudgetColumn,
    BudgetGroup,
    BudgetLine,
    Category,
    FinancialRule,
    LineOutcome,
    OutcomeImport,
    name_key,
)
from .selectors import BudgetTable, budget_table
from .sie import SieError, SieFile, SieProblem, read_sie

# Income that is the förbund's own equity taken into the budget is not in the books'
# result: it has no outcome of its own.
OUTCOME_SIDES = (BudgetGroup.Side.INCOME, BudgetGroup.Side.COST)


# Who may enter it, and when ----------------------------------------------------------


# Apps above budgets that close a year's outcome register a check here from their
# ``AppConfig.ready()``: ``lock(plan) -> str | None`` (``reports``: the year's annual
# report is on review or approved).
OUTCOME_LOCKS: list = []


def outcome_refusal(plan: Plan) -> str | None:
    """Why the outcome of ``plan``'s year cannot be entered now, or None if it can."""
    for lock in OUTCOME_LOCKS:
        message = lock(plan)
        if message:
            return str(message)
    if plan.status != Plan.Status.APPROVED:
        return _(
            "The outcome is entered against the budget the board approved: this plan is "
            "not approved yet."
        )
    if not plan.is_current:
        return _(
            "This plan has been replaced by a revision: enter the outcome in the revised plan."
        )
    return None


def ensure_outcome_editable(budget: Budget) -> None:
    refusal = outcome_refusal(budget.plan)
    if refusal:
        raise ValidationError(refusal, code="outcome_closed")


def outcome_lines(budget: Budget) -> list[BudgetLine]:
    """The lines that have an outcome: top-level income and cost lines, in page order,
    leaving out the equity taken into the budget."""
    return list(
        BudgetLine.objects.filter(
            group__budget=budget, parent__isnull=True, group__side__in=OUTCOME_SIDES
        )
        .exclude(group__category=Category.EQUITY_USED)
        .select_related("group", "intervention")
        .order_by("group__side", "group__order", "group__pk", "order", "pk")
    )


# The comparison ------------------------------------------------------------------------


@dataclass
class Comparison:
    """Budget and outcome of one line, group or total, with the deviation."""

    budget: Decimal | None
    outcome: Decimal | None

    @property
    def deviation(self) -> Decimal | None:
        """Outcome minus budget: for a cost, above zero is over budget."""
        if self.budget is None or self.outcome is None:
            return None
        return self.outcome - self.budget

    @property
    def deviation_percent(self) -> Decimal | None:
        """The deviation as a share of the budget, one decimal; none for a budget of 0."""
        if self.deviation is None or not self.budget:
            return None
        # Of the budget's size: a negative budgeted result that turns out better is a
        # deviation above zero in per cent too, as in kronor.
        return (self.deviation * 100 / abs(self.budget)).quantize(Decimal("0.1"))


@dataclass
class OutcomeRow:
    line: BudgetLine
    figures: Comparison


@dataclass
class OutcomeBlock:
    group: BudgetGroup
    rows: list[OutcomeRow]
    total: Comparison


@dataclass
class InterventionOutcome:
    """Budget and outcome summed over the lines of one intervention."""

    intervention: object
    figures: Comparison


@dataclass
class OutcomeTable:
    budget: Budget
    year: int
    column: BudgetColumn | None  # the budget column of the plan year
    income: list[OutcomeBlock] = field(default_factory=list)
    costs: list[OutcomeBlock] = field(default_factory=list)
    income_total: Comparison | None = None
    cost_total: Comparison | None = None
    result: Comparison | None = None
    interventions: list[InterventionOutcome] = field(default_factory=list)
    entered: int = 0  # lines with an outcome
    line_count: int = 0
    planned: BudgetTable | None = None  # the budget as the budget page computes it

    @property
    def sides(self) -> list[tuple]:
        """``(heading, blocks, (total's label, total))`` for income, then costs."""
        return [
            (_("Income"), self.income, (_("Total income"), self.income_total)),
            (_("Costs"), self.costs, (_("Total costs"), self.cost_total)),
        ]

    @property
    def has_outcome(self) -> bool:
        return self.entered > 0

    @property
    def complete(self) -> bool:
        return self.line_count > 0 and self.entered == self.line_count


def _sum(values) -> Decimal | None:
    values = [v for v in values if v is not None]
    return calculations.total(values) if values else None


def _total(comparisons: list[Comparison]) -> Comparison:
    return Comparison(_sum(c.budget for c in comparisons), _sum(c.outcome for c in comparisons))


def outcome_table(*, budget: Budget) -> OutcomeTable:
    """Per line, group and intervention: the plan year's budget (as the budget page shows
    it, from ``budget_table``) against the outcome, with the deviation in kronor and per
    cent; the sides' totals and the year's result (income less costs)."""
    table = budget_table(budget=budget)
    year = budget.plan.year
    index = next(
        (
            i
            for i, column in enumerate(table.columns)
            if column.kind == BudgetColumn.Kind.BUDGET and column.year == year
        ),
        None,
    )
    outcomes = {o.line_id: o.amount for o in LineOutcome.objects.filter(line__group__budget=budget)}
    column = table.columns[index] if index is not None else None
    result = OutcomeTable(budget=budget, year=year, column=column, planned=table)
    by_intervention: dict[int, list] = {}
    for blocks, target in ((table.income, result.income), (table.costs, result.costs)):
        for block in blocks:
            if block.is_equity_used:
                continue
            rows = []
            for row in block.rows:
                if row.is_sub_line:
                    continue
                planned = row.amounts[index] if index is not None else None
                figures = Comparison(planned, outcomes.get(row.line.pk))
                rows.append(OutcomeRow(row.line, figures))
                if row.line.intervention_id:
                    by_intervention.setdefault(row.line.intervention_id, []).append(
                        (row.line.intervention, figures)
                    )
            target.append(OutcomeBlock(block.group, rows, _total([r.figures for r in rows])))
    result.income_total = _total([b.total for b in result.income])
    result.cost_total = _total([b.total for b in result.costs])
    result.result = _difference(result.income_total, result.cost_total)
    result.interventions = [
        InterventionOutcome(pairs[0][0], _total([figures for _i, figures in pairs]))
        for pairs in by_intervention.values()
    ]
    all_rows = [r for b in result.income + result.costs for r in b.rows]
    result.line_count = len(all_rows)
    result.entered = sum(1 for r in all_rows if r.figures.outcome is not None)
    return result


def _difference(income: Comparison, costs: Comparison) -> Comparison:
    def minus(a, b):
        return None if a is None or b is None else a - b

    return Comparison(minus(income.budget, costs.budget), minus(income.outcome, costs.outcome))


# The year in summary ---------------------------------------------------------------------


@dataclass
class OutcomeSummary:
    """The year's finances as they turned out: income, costs and årets resultat from
    the outcome, eget kapital at the start of the year (as the budget has it) and at its
    end, and each financial rule evaluated on the outcome."""

    year: int
    income: calculations.Computed
    costs: calculations.Computed
    result: calculations.Computed
    equity_start: calculations.Computed
    equity_end: calculations.Computed
    rules: list[tuple]  # (FinancialRule, calculations.RuleOutcome)


def _outcome_side(blocks: list[OutcomeBlock], gap: calculations.Gap) -> calculations.Computed:
    """A side's outcome: missing while a line with a budget has none (half a side
    entered is not the year's figure); a line with neither (a heading line, a line of
    another year) does not count."""
    rows = [row for block in blocks for row in block.rows]
    if not any(row.figures.outcome is not None for row in rows) or any(
        row.figures.outcome is None and row.figures.budget for row in rows
    ):
        return calculations.Computed.missing(gap)
    rows = [row for row in rows if row.figures.outcome is not None]
    return calculations.side_total([row.figures.outcome for row in rows], gap=gap)


def _outcome_costs_by_category(table: OutcomeTable) -> dict:
    """The outcome's costs per category (the board counted with the administration, as
    ``budgets.selectors`` counts the budget's)."""
    by_category: dict[str, Decimal] = {}
    for block in table.costs:
        group = block.group
        category = Category.ADMINISTRATION if group.category == Category.BOARD else group.category
        by_category[category] = by_category.get(category, calculations.ZERO) + (
            block.total.outcome or calculations.ZERO
        )
    return by_category


def outcome_summary(*, budget: Budget, table: OutcomeTable | None = None) -> OutcomeSummary:
    """The financial summary of the plan year from its outcome, computed as the budget's
    own figures are (``calculations.year_result``, ``equity_end``, ``evaluate_rule``):
    the outcome has no line for equity taken into the budget, so its income is the
    year's own income; the equity at the start is the budget column's (stated, or
    carried from the year before); the end is the start plus the outcome's result.
    ``table``: the ``outcome_table`` already computed, if the caller has it."""
    table = table or outcome_table(budget=budget)
    Gap = calculations.Gap
    income = _outcome_side(table.income, Gap.NO_INCOME)
    costs = _outcome_side(table.costs, Gap.NO_COSTS)
    result = calculations.year_result(income=income, equity_used=0, costs=costs)
    planned = table.planned or budget_table(budget=budget)
    if table.column is not None and table.column in planned.columns:
        start = planned.equity_start[planned.columns.index(table.column)].value
    else:
        start = calculations.Computed.missing(Gap.NO_OPENING)
    end = calculations.equity_end(start=start, result=result)
    figures = calculations.YearFigures(
        income=income,
        costs=costs,
        equity_end=end,
        costs_by_category=_outcome_costs_by_category(table),
    )
    rules = [
        (
            rule,
            calculations.evaluate_rule(
                rule.kind, rule.value, figures, category=rule.category or None
            ),
        )
        for rule in FinancialRule.objects.filter(association=budget.association_id)
    ]
    return OutcomeSummary(table.year, income, costs, result, start, end, rules)


# Entering the outcome by hand ----------------------------------------------------------


class OutcomeConflict(ValidationError):
    """Someone else changed some of the same outcomes since the editor loaded them."""

    def __init__(self, current: dict[int, Decimal | None]):
        self.current = current  # line pk → the outcome saved now
        super().__init__(
            _(
                "Someone else changed %(count)s of the outcomes you changed while you were "
                "editing. Nothing has been saved. Their figures are shown under yours; check "
                "them and save again to keep yours."
            )
            % {"count": len(current)}
        )


@transaction.atomic
def outcome_save(
    *, budget: Budget, acting_user, changes: dict[int, tuple[Decimal | None, Decimal | None]]
) -> int:
    """Write the outcomes an editor changed: ``line pk → (as loaded, as wanted)``; an
    empty wanted value removes the line's outcome. Each must still hold what the editor
    loaded, or nothing is written (``OutcomeConflict``). Returns how many changed."""
    ensure_outcome_editable(budget)
    Budget.objects.select_for_update().filter(pk=budget.pk).values_list("pk").first()
    lines = {line.pk: line for line in outcome_lines(budget)}
    unknown = set(changes) - set(lines)
    if unknown:
        raise ValidationError(_("A line that has no outcome was sent."), code="unknown_line")
    stored = {o.line_id: o for o in LineOutcome.objects.filter(line_id__in=list(changes))}
    conflicts = {
        pk: (stored[pk].amount if pk in stored else None)
        for pk, (before, _after) in changes.items()
        if (stored[pk].amount if pk in stored else None) != before
    }
    if conflicts:
        raise OutcomeConflict(conflicts)
    changed = 0
    for pk, (before, after) in changes.items():
        if before == after:
            continue
        changed += 1
        if after is None:
            stored[pk].delete()
            continue
        _store(stored.get(pk) or _new_outcome(lines[pk]), after, acting_user)
    return changed


def _new_outcome(line: BudgetLine) -> LineOutcome:
    return LineOutcome(line=line, association_id=line.association_id)


def _store(outcome: LineOutcome, amount, acting_user, imported_from=None) -> None:
    outcome.amount = amount
    outcome.source = LineOutcome.Source.IMPORTED if imported_from else LineOutcome.Source.ENTERED
    outcome.imported_from = imported_from
    outcome._history_user = acting_user
    outcome.save()


# The account mapping -------------------------------------------------------------------


def parse_accounts(text: str) -> tuple[int, int]:
    """``"5010-5019"`` (or with an en dash) or ``"3010"`` → ``(first, last)``."""
    parts = [p.strip() for p in str(text).replace("–", "-").split("-")]
    if len(parts) not in (1, 2) or not all(p.isdigit() for p in parts):
        raise ValueError(text)
    first, last = int(parts[0]), int(parts[-1])
    if last < first:
        raise ValueError(text)
    return first, last


def mapping_for(mappings: list[AccountMapping], account: int) -> AccountMapping | None:
    """The narrowest mapping that covers ``account``: a mapping inside a wider one wins."""
    covering = [m for m in mappings if m.covers(account)]
    return min(covering, key=lambda m: m.width, default=None)


@dataclass
class Unmapped:
    """An account of the file whose result has no budget line to go to."""

    account: int
    name: str
    amount: Decimal  # the year's result as the file has it (income negative)
    reason: str = ""  # why its mapping did not count, when it has one


@dataclass
class Mapped:
    outcomes: dict[int, Decimal]  # line pk → outcome in whole kronor, the budget's signs
    unmapped: list[Unmapped]
    accounts_by_line: dict[int, list[int]]


def map_results(
    *, budget: Budget, sie: SieFile, mappings: list[AccountMapping], lines=None
) -> Mapped:
    """Sum the file's results per budget line through the mapping. Income is credit in
    the books (negative), so an income line's outcome is the sum with its sign turned.
    An account with a result of 0 needs no mapping. A line with no account gets 0: the
    books say nothing was spent or received on it."""
    lines = outcome_lines(budget) if lines is None else lines
    by_name: dict[str, list[BudgetLine]] = {}
    for line in lines:
        by_name.setdefault(name_key(line.name), []).append(line)
    sums = {line.pk: Decimal(0) for line in lines}
    accounts_by_line: dict[int, list[int]] = {line.pk: [] for line in lines}
    unmapped = []
    for account_text, amount in sorted(sie.results_by_account().items()):
        if not amount:
            continue
        account = int(account_text)
        name = sie.account_names.get(account_text, "")
        mapping = mapping_for(mappings, account)
        if mapping is None:
            unmapped.append(Unmapped(account, name, amount))
            continue
        targets = by_name.get(name_key(mapping.line_name), [])
        if len(targets) != 1:
            reason = (
                _("the budget has no line “%(line)s”")
                if not targets
                else _("the budget has more than one line “%(line)s”")
            ) % {"line": mapping.line_name}
            unmapped.append(Unmapped(account, name, amount, reason))
            continue
        line = targets[0]
        sign = -1 if line.group.side == BudgetGroup.Side.INCOME else 1
        sums[line.pk] += sign * amount
        accounts_by_line[line.pk].append(account)
    outcomes = {pk: calculations.whole_kronor(total) for pk, total in sums.items()}
    return Mapped(outcomes, unmapped, accounts_by_line)


def mapping_save(*, association, acting_user, accounts: str, line_name: str) -> AccountMapping:
    """Add a mapping from an account or a range of accounts to a line, by the line's name."""
    try:
        first, last = parse_accounts(accounts)
    except ValueError:
        raise ValidationError(
            {"accounts": _("Write an account (3010) or a range of accounts (5010-5019).")}
        ) from None
    mapping = AccountMapping(
        association=association, first_account=first, last_account=last, line_name=line_name
    )
    mapping.full_clean()
    mapping._history_user = acting_user
    mapping.save()
    return mapping


# Importing an SIE file -----------------------------------------------------------------


class OutcomeRejected(ValidationError):
    """The file cannot be read as this förbund's books for the plan year: nothing is
    stored. ``problems`` are the reader's, each with its line number."""

    def __init__(self, problems: list[SieProblem], messages: list[str]):
        self.problems = problems
        super().__init__(messages)


def _read(budget: Budget, content: bytes) -> SieFile:
    org_number = budget.plan.association.org_number
    if not org_number:
        raise OutcomeRejected(
            [],
            [
                _(
                    "Enter the förbund's organisation number under Förbundet first: an SIE "
                    "file is checked against it so that another organisation's books are "
                    "never read in."
                )
            ],
        )
    try:
        return read_sie(content, year=budget.plan.year, org_number=org_number)
    except SieError as error:
        raise OutcomeRejected(error.problems, error.messages) from None


@transaction.atomic
def outcome_import_read(
    *, budget: Budget, content: bytes, file_name: str, acting_user
) -> OutcomeImport:
    """Read an uploaded SIE file for ``budget``'s year and keep it; if every account with
    a result has a line, apply it at once (``outcome_import.status`` says which).
    A file that cannot be read raises ``OutcomeRejected`` and nothing is kept."""
    ensure_outcome_editable(budget)
    sie = _read(budget, content)
    outcome_import = OutcomeImport.objects.create(
        association=budget.association,
        budget=budget,
        file_name=file_name[:255],
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        program=(sie.program or "")[:200],
        uploaded_by=acting_user,
    )
    OutcomeImport.objects.filter(budget=budget, status=OutcomeImport.Status.WAITING).exclude(
        pk=outcome_import.pk
    ).update(status=OutcomeImport.Status.DISCARDED)
    mapped = map_results(budget=budget, sie=sie, mappings=mappings_of(budget.association))
    if not mapped.unmapped:
        _apply(outcome_import, mapped, acting_user)
    return outcome_import


def mappings_of(association) -> list[AccountMapping]:
    return list(AccountMapping.objects.filter(association=association))


def pending_result(outcome_import: OutcomeImport) -> Mapped:
    """What the kept file gives with the mapping as it is now."""
    budget = outcome_import.budget
    sie = _read(budget, bytes(outcome_import.content))
    return map_results(budget=budget, sie=sie, mappings=mappings_of(budget.association))


class AccountsUnmapped(ValidationError):
    def __init__(self, unmapped: list[Unmapped]):
        self.unmapped = unmapped
        super().__init__(
            _("%(count)s accounts with a result have no budget line yet. Choose one for each.")
            % {"count": len(unmapped)},
            code="unmapped",
        )


@transaction.atomic
def outcome_import_apply(
    *, outcome_import: OutcomeImport, acting_user, new_lines: dict[int, str]
) -> Mapped:
    """Map the accounts that had no line (``account → line name``; kept for next year)
    and write every line's outcome from the kept file, all or nothing."""
    budget = outcome_import.budget
    ensure_outcome_editable(budget)
    if outcome_import.status != OutcomeImport.Status.WAITING:
        raise ValidationError(
            _("This file has already been applied or replaced by a later one."), code="done"
        )
    for account, line_name in sorted(new_lines.items()):
        mapping_save(
            association=budget.association,
            acting_user=acting_user,
            accounts=str(account),
            line_name=line_name,
        )
    mapped = pending_result(outcome_import)
    if mapped.unmapped:
        raise AccountsUnmapped(mapped.unmapped)
    _apply(outcome_import, mapped, acting_user)
    return mapped


def _apply(outcome_import: OutcomeImport, mapped: Mapped, acting_user) -> None:
    budget = outcome_import.budget
    stored = {o.line_id: o for o in LineOutcome.objects.filter(line__group__budget=budget)}
    lines = {line.pk: line for line in outcome_lines(budget)}
    for pk, amount in mapped.outcomes.items():
        _store(stored.get(pk) or _new_outcome(lines[pk]), amount, acting_user, outcome_import)
    outcome_import.status = OutcomeImport.Status.APPLIED
    outcome_import.save(update_fields=["status"])
