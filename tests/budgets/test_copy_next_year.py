"""Next year's plan brings its budget: the columns move on a year, the lines and their
links come along, and last year's exported workbook imports into it."""

import pytest
from django.utils import translation
from django_scopes import scope

from associations.models import Association, User
from budgets import services
from budgets.excel import budget_workbook
from budgets.importing import read_workbook
from budgets.models import Budget, BudgetAmount, BudgetLine, StatedFigure
from budgets.selectors import budget_table
from plans import services as plan_services
from plans.models import Plan
from tests.budgets.conftest import amounts_of


@pytest.fixture
def demo(demo_data):
    """The demo data, as ``manage.py load_demo`` leaves it."""


@pytest.fixture(autouse=True)
def swedish():
    with translation.override("sv"):
        yield


def source_plan(slug) -> Plan:
    association = Association.objects.get(slug=slug)
    with scope(association=association):
        return Plan.objects.select_related("association").get(
            association=association, revision_of__isnull=True, copied_from__isnull=True
        )


def kansli(plan):
    return User.objects.get(username=f"{plan.association.slug}-kansli")


def copy_to_next_year(plan) -> Plan:
    with scope(association=plan.association):
        return plan_services.plan_copy_to_next_year(plan=plan, acting_user=kansli(plan))


def columns_of(plan):
    with scope(association=plan.association):
        return [(c.kind, c.year, c.label) for c in plan.budget.columns.all()]


def line_links(plan):
    with scope(association=plan.association):
        return [
            (
                line.group.name,
                line.group.side,
                line.group.category,
                line.parent.name if line.parent_id else None,
                line.name,
                line.party_id,
                line.intervention_id,
            )
            for line in BudgetLine.objects.filter(group__budget__plan=plan)
            .select_related("group", "parent")
            .order_by("group__order", "group__pk", "parent__order", "order", "pk")
        ]


def amounts_by_line(plan, column_label):
    with scope(association=plan.association):
        return {
            (a.line.group.name, a.line.name): a.amount
            for a in BudgetAmount.objects.filter(
                line__group__budget__plan=plan, column__label=column_label
            ).select_related("line__group")
        }


def test_norra_vastmanland_copy_moves_the_columns_on_a_year(demo):
    plan = source_plan("norra-vastmanland")
    new = copy_to_next_year(plan)

    assert columns_of(new) == [
        ("decided", 2022, "Beslutad budget 2022"),
        ("forecast", 2022, "Prognos 2022 (sept)"),
        ("budget", 2023, "Budget 2023"),
        ("plan", 2024, "Plan 2024"),
        ("plan", 2025, "Plan 2025"),
    ]
    # Last year's budget is this year's decided budget; its plans are this year's budget
    # and plan; the forecast and the new last year are empty.
    assert amounts_by_line(new, "Beslutad budget 2022") == amounts_by_line(plan, "Budget 2022")
    assert amounts_by_line(new, "Budget 2023") == amounts_by_line(plan, "Plan 2023")
    assert amounts_by_line(new, "Plan 2024") == amounts_by_line(plan, "Plan 2024")
    assert amounts_by_line(new, "Prognos 2022 (sept)") == {}
    assert amounts_by_line(new, "Plan 2025") == {}
    assert amounts_by_line(new, "Beslutad budget 2022")  # not an empty copy
    # Groups, lines, "varav" lines, parties and interventions (the same identities) kept.
    assert line_links(new) == line_links(plan)
    assert any(link[6] for link in line_links(new))  # intervention links came along
    with scope(association=plan.association):
        old_table = budget_table(budget=plan.budget)
        new_table = budget_table(budget=new.budget)
        # The decided budget starts from the equity the old plan had at the start of 2022,
        # and the figures of the years still in the plan are the same.
        index = [c.label for c in old_table.columns].index("Budget 2022")
        assert new_table.equity_start[0].computed == old_table.equity_start[index].computed
        assert new_table.result[0].computed == old_table.result[index].computed
        assert new_table.equity_end[0].computed == old_table.equity_end[index].computed
        # The forecast is still empty: the budget year starts where the decided budget ends.
        assert new_table.equity_start[2].computed == new_table.equity_end[0].computed
        assert new_table.equity_end[1].computed is None
        # Last year's statements stay with last year's plan.
        assert not StatedFigure.objects.filter(budget=new.budget).exists()
        assert plan.budget.stated_figures.exists()


def test_ostra_varmland_copy_keeps_the_equity_taken_in_and_the_intervention(demo):
    plan = source_plan("ostra-varmland")
    new = copy_to_next_year(plan)

    assert columns_of(new) == [
        ("decided", 2022, "Beslutad budget 2022"),
        ("forecast", 2022, "Prognos 2022"),
        ("budget", 2023, "Budget 2023"),
    ]
    assert amounts_by_line(new, "Beslutad budget 2022") == amounts_by_line(plan, "Budget 2022")
    assert amounts_by_line(new, "Budget 2023") == {}
    assert line_links(new) == line_links(plan)


@pytest.mark.parametrize(
    ("slug", "labels"),
    [
        ("samspelet", ["Beslutad Budget 2022", "Prognos Budget 2022", "Budget 2023"]),
        (
            "sollentuna-upplands-vasby-sigtuna",
            ["Budget 2022", "Prognos 2022", "Budget 2023", "Budget 2024", "Budget 2025"],
        ),
    ],
)
def test_the_copy_names_columns_as_the_forbund_does(demo, slug, labels):
    plan = source_plan(slug)
    new = copy_to_next_year(plan)
    assert [label for _kind, _year, label in columns_of(new)] == labels
    assert line_links(new) == line_links(plan)
    assert any(link[5] for link in line_links(new))  # the member parties' lines


@pytest.mark.parametrize(
    "slug",
    ["norra-vastmanland", "ostra-varmland", "samspelet", "sollentuna-upplands-vasby-sigtuna"],
)
def test_last_years_workbook_imports_into_next_years_plan(demo, slug):
    plan = source_plan(slug)
    with scope(association=plan.association):
        workbook = budget_workbook(budget_table(budget=plan.budget), title=plan.title)
    new = copy_to_next_year(plan)
    with scope(association=new.association):
        budget = Budget.objects.get(plan=new)
    before = amounts_of(budget)

    parsed, summary = import_workbook(budget, workbook, kansli(new))
    # The workbook says what the copy already holds: nothing new, nothing lost.
    assert amounts_of(budget) == before
    assert summary.created_lines == 0
    # The years before the new plan's are left out, and the import says so.
    with scope(association=plan.association):
        earlier = [c.label for c in plan.budget.columns.all() if c.year < new.year - 1]
    assert parsed.skipped_columns == earlier


def import_workbook(budget, workbook, user):
    with scope(association=budget.association):
        parsed = read_workbook(workbook, budget=budget)  # raises on any problem
        return parsed, services.import_apply(
            budget=budget,
            acting_user=user,
            expected_version=budget.version,
            new_lines=parsed.new_lines,
            amounts=parsed.amounts,
            stated=parsed.stated,
        )


def test_create_budget_on_a_copy_without_one_starts_from_last_years(demo):
    """The issue's path: a plan copied before the copy carried the budget, then "Skapa en
    budget" and last year's workbook (Samspelet: "Från parterna är inte en grupp" 30 times).
    The budget now starts from last year's, moved on a year, and the workbook imports."""
    plan = source_plan("samspelet")
    with scope(association=plan.association):
        workbook = budget_workbook(budget_table(budget=plan.budget), title=plan.title)
        new = copy_to_next_year(plan)
        Budget.objects.filter(plan=new).delete()
        budget = services.budget_create(plan=new, acting_user=kansli(new))
    assert columns_of(new) == [
        ("decided", 2022, "Beslutad Budget 2022"),
        ("forecast", 2022, "Prognos Budget 2022"),
        ("budget", 2023, "Budget 2023"),
    ]
    assert line_links(new) == line_links(plan)
    assert amounts_by_line(new, "Beslutad Budget 2022") == amounts_by_line(plan, "Budget 2022")
    before = amounts_of(budget)
    parsed, summary = import_workbook(budget, workbook, kansli(new))
    assert amounts_of(budget) == before and summary.created_lines == 0
    assert parsed.skipped_columns == ["Beslutad Budget 2021", "Prognos Budget 2021"]


def copy_queries(budget, user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with scope(association=budget.association), CaptureQueriesContext(connection) as queries:
        plan_services.plan_copy_to_next_year(plan=budget.plan, acting_user=user)
    return len(queries)


def test_the_budget_copy_takes_the_same_queries_for_5_and_50_lines(
    association, other_association, members
):
    from budgets.models import BudgetAmount, BudgetGroup
    from tests.budgets.conftest import build_budget

    small = build_budget(association)
    large = build_budget(other_association)
    with scope(association=other_association):
        group = BudgetGroup.objects.filter(budget=large).last()
        columns = list(large.columns.all())
        for number in range(45):
            line = BudgetLine.objects.create(
                association=other_association, group=group, name=f"Insats {number}"
            )
            BudgetAmount.objects.bulk_create(
                BudgetAmount(association=other_association, line=line, column=c, amount=1000)
                for c in columns
            )
    user = members["kansli"]
    assert abs(copy_queries(small, user) - copy_queries(large, user)) <= 2
    with scope(association=other_association):
        new = Plan.objects.get(association=other_association, year=2023)
        assert BudgetLine.objects.filter(group__budget__plan=new).count() == 50
        # Three years of the old plan are in the new one: 2022, 2023, 2024.
        assert BudgetAmount.objects.filter(line__group__budget__plan=new).count() == 3 * 50
