"""The financial summary of the year from the outcome (``budgets.outcome.outcome_summary``):
income, costs, årets resultat, eget kapital at the start and end, and each financial rule
evaluated on the outcome, on hand-computed figures (the annual report prints them)."""

from decimal import Decimal

from django_scopes import scope

from budgets.calculations import Gap, RuleStatus
from budgets.models import BudgetLine, FinancialRule, LineOutcome
from budgets.outcome import outcome_summary
from tests.budgets.conftest import build_budget

OUTCOME = {
    "Medlemsavgifter": 4_000_000,
    "Styrelse": 320_000,
    "Samordningsteam": 2_100_000,
    "Stegen": 1_100_000,
}


def enter(budget, outcome: dict) -> None:
    for name, amount in outcome.items():
        line = BudgetLine.objects.get(group__budget=budget, name=name, parent__isnull=True)
        LineOutcome.objects.create(
            association=budget.association, line=line, amount=Decimal(amount)
        )


def rule(association, kind, value):
    return FinancialRule.objects.create(association=association, kind=kind, value=value)


def test_the_summary_is_computed_from_the_outcome_as_the_budget_is(association):
    budget = build_budget(association, status="approved")
    with scope(association=association):
        enter(budget, OUTCOME)
        rule(association, FinancialRule.Kind.EQUITY_MAX_PERCENT, 50)
        rule(association, FinancialRule.Kind.ADMIN_MAX_PERCENT, 8)
        summary = outcome_summary(budget=budget)
    assert summary.year == 2022
    assert summary.income.value == 4_000_000
    # 320 000 + 2 100 000 + 1 100 000 (the sub-line "varav lön" is inside its line)
    assert summary.costs.value == 3_520_000
    assert summary.result.value == 480_000
    # 2021 starts at the stated 1 000 000 and ends at 1 500 000 (budgeted result 500 000),
    # so 2022 starts at 1 500 000 and, with the outcome's 480 000, ends at 1 980 000.
    assert summary.equity_start.value == 1_500_000
    assert summary.equity_end.value == 1_980_000
    outcomes = {r.kind: o for r, o in summary.rules}
    # Equity at most 50 % of the year's income: 1 980 000 <= 2 000 000.
    equity = outcomes[FinancialRule.Kind.EQUITY_MAX_PERCENT]
    assert (equity.status, equity.actual, equity.limit) == (RuleStatus.MET, 1_980_000, 2_000_000)
    # Administration (the board counted with it) at most 8 % of costs: 320/3 520 = 9.1 %.
    admin = outcomes[FinancialRule.Kind.ADMIN_MAX_PERCENT]
    assert (admin.status, admin.actual) == (RuleStatus.NOT_MET, Decimal("9.1"))


def test_half_an_outcome_is_no_year_and_assesses_no_rule(association):
    budget = build_budget(association, status="approved")
    with scope(association=association):
        enter(budget, {"Medlemsavgifter": 4_000_000, "Styrelse": 320_000})
        rule(association, FinancialRule.Kind.EQUITY_MAX_PERCENT, 50)
        summary = outcome_summary(budget=budget)
    assert summary.income.value == 4_000_000
    assert summary.costs.gap == Gap.NO_COSTS
    assert not summary.result.known and not summary.equity_end.known
    assert summary.equity_start.value == 1_500_000
    [(_rule, outcome)] = summary.rules
    assert outcome.status == RuleStatus.CANNOT_ASSESS
