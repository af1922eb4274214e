"""A budget freezes with its plan: registered with ``plans.freezing``.

``BudgetsConfig.ready()`` calls ``register()``: every record of a budget gets the
plan's save and delete guards, and its ``update()``/``bulk_create`` the managers'
(``plans.freezing`` describes them). Each model names the lookup from it to its plan's
status and, for a new record, the foreign key to the parent it belongs to.
"""

from plans.freezing import register_plan_part


def register() -> None:
    register_plan_part("budgets.Budget", "plan__status")
    register_plan_part(
        "budgets.BudgetColumn", "budget__plan__status", parent=("budget", "budgets.Budget")
    )
    register_plan_part(
        "budgets.BudgetGroup", "budget__plan__status", parent=("budget", "budgets.Budget")
    )
    register_plan_part(
        "budgets.BudgetLine", "group__budget__plan__status", parent=("group", "budgets.BudgetGroup")
    )
    register_plan_part(
        "budgets.BudgetAmount",
        "line__group__budget__plan__status",
        parent=("line", "budgets.BudgetLine"),
    )
    register_plan_part(
        "budgets.StatedFigure", "budget__plan__status", parent=("budget", "budgets.Budget")
    )
