"""Property tests over generated budgets: the page's arithmetic, and the exported
workbook recalculated by a formula engine equal to the page cell for cell."""

from decimal import Decimal

from django_scopes import scope
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgets.excel import budget_workbook
from budgets.models import Budget, BudgetAmount, BudgetColumn, BudgetGroup, BudgetLine
from budgets.selectors import budget_table
from tests.budgets.recalculation import page_rows, recalculated, without_notes
from tests.factories import AssociationFactory, PlanFactory

COLUMNS = [
    ("decided", 2021, "Beslutad budget 2021"),
    ("forecast", 2021, "Prognos 2021"),
    ("budget", 2022, "Budget 2022"),
    ("plan", 2023, "Plan 2023"),
    ("plan", 2024, "Plan 2024"),
]
GROUPS = {
    "income": ["contributions", "other_income", "equity_used"],
    "cost": ["administration", "individual", "structural"],
    "allocation": ["buffer", "unallocated"],
}

money = st.integers(min_value=0, max_value=10**8)


@st.composite
def budgets(draw):
    columns = draw(
        st.lists(st.sampled_from(range(len(COLUMNS))), min_size=1, max_size=5, unique=True).map(
            sorted
        )
    )
    count = len(columns)
    cell = st.one_of(st.none(), money)
    openings = draw(st.lists(st.one_of(st.none(), money), min_size=count, max_size=count))
    groups = []
    for side, categories in GROUPS.items():
        for category in draw(st.lists(st.sampled_from(categories), unique=True, max_size=3)):
            lines = []
            for _ in range(draw(st.integers(min_value=0, max_value=3))):
                amounts = draw(st.lists(cell, min_size=count, max_size=count))
                subs = []
                if draw(st.booleans()):
                    # A "varav" part, only where its line has an amount.
                    subs.append(
                        [
                            None if a is None else draw(st.integers(min_value=0, max_value=a))
                            for a in amounts
                        ]
                    )
                lines.append((amounts, subs))
            groups.append((side, category, lines))
    return {
        "columns": columns,
        "openings": openings,
        "groups": groups,
        "costs_negative": draw(st.booleans()),
    }


def build(association, spec) -> Budget:
    plan = PlanFactory(association=association, year=2022, end_year=2024)
    budget = Budget.objects.create(
        association=association, plan=plan, costs_negative=spec["costs_negative"]
    )
    columns = [
        BudgetColumn.objects.create(
            association=association,
            budget=budget,
            kind=COLUMNS[index][0],
            year=COLUMNS[index][1],
            label=COLUMNS[index][2],
            order=order,
            opening_equity=None if opening is None else Decimal(opening),
        )
        for order, (index, opening) in enumerate(
            zip(spec["columns"], spec["openings"], strict=True)
        )
    ]
    amounts = []

    def add(line, values):
        amounts.extend(
            BudgetAmount(association=association, line=line, column=column, amount=Decimal(v))
            for column, v in zip(columns, values, strict=True)
            if v is not None
        )

    for order, (side, category, lines) in enumerate(spec["groups"]):
        group = BudgetGroup.objects.create(
            association=association,
            budget=budget,
            side=side,
            category=category,
            name=f"{side} {category}",
            order=order,
        )
        for n, (values, subs) in enumerate(lines):
            line = BudgetLine.objects.create(
                association=association, group=group, name=f"Rad {n}", order=n
            )
            add(line, values)
            for m, sub_values in enumerate(subs):
                sub = BudgetLine.objects.create(
                    association=association, group=group, parent=line, name=f"del {m}", order=m
                )
                add(sub, sub_values)
    BudgetAmount.objects.bulk_create(amounts)
    return budget


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=budgets())
def test_generated_budgets_keep_the_rules_and_the_export_recalculates_to_the_page(db, spec):
    association = AssociationFactory()
    with scope(association=association):
        budget = build(association, spec)
        table = budget_table(budget=budget)
    for i in range(len(table.columns)):
        income, costs = table.income_total[i], table.cost_total[i]
        used = table.equity_used[i].computed
        result, start, end = table.result[i], table.equity_start[i], table.equity_end[i]
        if income.computed is None or costs.computed is None:
            assert result.computed is None and result.gap is not None
        else:
            # Result = income without the equity used − costs.
            assert result.computed == income.computed - used - costs.computed
        if start.computed is not None and result.computed is not None:
            # Equity at the end = equity at the start + result.
            assert end.computed == start.computed + result.computed
        else:
            assert end.computed is None and end.gap is not None
        for figure in (income, costs, result, start, end):
            assert (figure.computed is None) == (figure.gap is not None)
    data = budget_workbook(table, title="Budget")
    assert without_notes(recalculated(data), len(table.columns)) == page_rows(table)
