"""The audit trail of a plan's budget, read from django-simple-history.

History tables are not tenant scoped (see LIBRARIES.md): every query here is
narrowed to one plan's rows by its ids, a fixed number of queries per model. Shown
on the plan's "history of the budget" page (``BudgetsConfig.ready()`` registers it
through ``plans.extensions.add_history``); entries are built as the plan's are
(``plans.history``).
"""

from plans.history import HistoryEntry, history_entries, newest_first
from plans.models import Plan

from .models import Budget, BudgetAmount, BudgetColumn, BudgetGroup, BudgetLine, StatedFigure


def budget_history(*, plan: Plan) -> list[HistoryEntry]:
    """Who changed what in the plan's budget, and when; newest first."""
    budget_ids = Budget.history.filter(plan_id=plan.pk).values("id")
    group_ids = BudgetGroup.history.filter(budget_id__in=budget_ids).values("id")
    line_ids = BudgetLine.history.filter(group_id__in=group_ids).values("id")
    line_names = dict(
        BudgetLine.history.filter(id__in=line_ids)
        .order_by("history_date")
        .values_list("id", "name")
    )
    column_labels = dict(
        BudgetColumn.history.filter(budget_id__in=budget_ids)
        .order_by("history_date")
        .values_list("id", "label")
    )

    def with_user(qs):
        return qs.select_related("history_user")

    entries = history_entries(
        Budget, with_user(Budget.history.filter(plan_id=plan.pk)), lambda r: plan.title
    )
    entries += history_entries(
        BudgetColumn,
        with_user(BudgetColumn.history.filter(budget_id__in=budget_ids)),
        lambda r: r.label,
    )
    entries += history_entries(
        BudgetGroup,
        with_user(BudgetGroup.history.filter(budget_id__in=budget_ids)),
        lambda r: r.name,
    )
    entries += history_entries(
        BudgetLine, with_user(BudgetLine.history.filter(group_id__in=group_ids)), lambda r: r.name
    )
    entries += history_entries(
        BudgetAmount,
        with_user(BudgetAmount.history.filter(line_id__in=line_ids)),
        lambda r: f"{line_names.get(r.line_id, '')}, {column_labels.get(r.column_id, '')}",
    )
    entries += history_entries(
        StatedFigure,
        with_user(StatedFigure.history.filter(budget_id__in=budget_ids)),
        lambda r: f"{r.get_kind_display()}, {column_labels.get(r.column_id, '')}",
    )
    return newest_first(entries)
