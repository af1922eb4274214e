from decimal import Decimal

import pytest
from django_scopes import scope

from budgets.models import Budget, BudgetAmount, BudgetColumn, BudgetGroup, BudgetLine
from plans.models import Plan
from tests.factories import PlanFactory


def build_budget(association, *, status="draft"):
    """A small budget for 2022-2024: five columns, two income and two cost groups."""
    with scope(association=association):
        plan = PlanFactory(association=association, year=2022, end_year=2024)
        budget = Budget.objects.create(association=association, plan=plan)
        columns = {}
        for order, (kind, year, label) in enumerate(
            [
                ("decided", 2021, "Budget 2021"),
                ("forecast", 2021, "Prognos 2021"),
                ("budget", 2022, "Budget 2022"),
                ("plan", 2023, "Plan 2023"),
                ("plan", 2024, "Plan 2024"),
            ]
        ):
            columns[label] = BudgetColumn.objects.create(
                association=association,
                budget=budget,
                kind=kind,
                year=year,
                label=label,
                order=order,
                opening_equity=Decimal(1_000_000) if order == 0 else None,
            )

        def group(side, category, name, order):
            return BudgetGroup.objects.create(
                association=association,
                budget=budget,
                side=side,
                category=category,
                name=name,
                order=order,
            )

        def line(group, name, amount, parent=None):
            created = BudgetLine.objects.create(
                association=association, group=group, name=name, parent=parent
            )
            for column in columns.values():
                BudgetAmount.objects.create(
                    association=association, line=created, column=column, amount=Decimal(amount)
                )
            return created

        contributions = group("income", "contributions", "Medlemsavgifter", 1)
        line(contributions, "Medlemsavgifter", 4_000_000)
        board = group("cost", "board", "Styrelse", 2)
        line(board, "Styrelse", 300_000)
        individual = group("cost", "individual", "Individinriktade insatser", 3)
        team = line(individual, "Samordningsteam", 2_000_000)
        line(individual, "varav lön", 1_500_000, parent=team)
        line(individual, "Stegen", 1_200_000)
        if status != plan.status:
            # Built as a draft: a frozen plan's budget cannot be filled in (plans/freezing.py).
            Plan.objects.filter(pk=plan.pk).update(status=status)
            budget.plan.status = status
    return budget


@pytest.fixture
def budget(association):
    return build_budget(association)


def amounts_of(budget):
    """Every amount of the budget, as (line name, column label) → amount."""
    with scope(association=budget.association):
        return {
            (a.line.name, a.column.label): a.amount
            for a in BudgetAmount.objects.filter(line__group__budget=budget).select_related(
                "line", "column"
            )
        }
