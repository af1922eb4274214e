"""Small builders for the review tests: a plan with a budget, board members, the chair."""

from decimal import Decimal

from associations.models import BoardSeat
from budgets.models import Budget, BudgetAmount, BudgetColumn, BudgetGroup, BudgetLine
from tests.factories import BoardSeatFactory, MembershipFactory


def add_budget(plan, lines=(("Kansli", 1000), ("Insatser", 5000))):
    """A budget with one column (the plan year) and cost lines ``(name, amount)``."""
    association = plan.association
    budget = Budget.objects.create(association=association, plan=plan)
    column = BudgetColumn.objects.create(
        association=association,
        budget=budget,
        kind=BudgetColumn.Kind.BUDGET,
        year=plan.year,
        label=f"Budget {plan.year}",
        order=1,
    )
    group = BudgetGroup.objects.create(
        association=association,
        budget=budget,
        side=BudgetGroup.Side.COST,
        category="administration",
        name="Kostnader",
        order=1,
    )
    for order, (name, amount) in enumerate(lines, start=1):
        line = BudgetLine.objects.create(
            association=association, group=group, name=name, order=order
        )
        BudgetAmount.objects.create(
            association=association, line=line, column=column, amount=Decimal(amount)
        )
    return budget


def board_member(association, *, chair=False):
    user = MembershipFactory(association=association, role="styrelse").user
    if chair:
        BoardSeatFactory(association=association, user=user, office=BoardSeat.Office.CHAIR)
    return user
