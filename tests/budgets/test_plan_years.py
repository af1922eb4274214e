"""A budget shows every year of its plan: a year with no column is named on the page."""

from django.urls import reverse
from django_scopes import scope, scopes_disabled

from budgets.models import Budget, BudgetColumn
from budgets.selectors import years_without_column
from plans.models import Plan
from tests.factories import PlanFactory


def budget_url(plan):
    return reverse(
        "budgets:budget_detail",
        kwargs={"association_slug": plan.association.slug, "plan_pk": plan.pk},
    )


def test_a_year_of_the_plan_without_a_column_is_named(client, association, members):
    with scope(association=association):
        plan = PlanFactory(association=association, year=2023, end_year=2025)
        budget = Budget.objects.create(association=association, plan=plan)
        BudgetColumn.objects.create(
            association=association, budget=budget, kind="budget", year=2023, label="Budget 2023"
        )
        # A column of the year before (decided, forecast) does not stand for a plan year.
        BudgetColumn.objects.create(
            association=association, budget=budget, kind="forecast", year=2022, label="P 2022"
        )
        assert years_without_column(budget=budget) == [2024, 2025]
    client.force_login(members["styrelse"])
    html = client.get(budget_url(plan)).content.decode()
    assert "Budgeten har ingen kolumn för 2024, 2025" in html


def test_every_demo_budget_has_a_column_for_each_year_of_its_plan(client, demo_data):
    """Insjöriket's "Budget 2023–2025" on review showed one column: its demo budget had
    only 2023, the one year the seed gives amounts for."""
    with scopes_disabled():
        budgets = list(Budget.objects.select_related("plan", "plan__association"))
        assert len(budgets) >= 5
        for budget in budgets:
            assert years_without_column(budget=budget) == [], budget.plan
        on_review = Plan.objects.get(association__slug="insjoriket", year=2023)
        assert on_review.status == Plan.Status.REVIEW
        board = on_review.association.memberships.get(role="styrelse").user
    client.force_login(board)
    html = client.get(budget_url(on_review)).content.decode()
    for label in ("Budget 2023", "Plan 2024", "Plan 2025"):
        assert f">{label}</th>" in html
