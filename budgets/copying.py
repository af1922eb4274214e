"""Copy a plan's budget into another plan: a revision, or next year's plan.

A revision starts from the approved budget as it is. Next year's plan takes the
budget a year on (``columns.next_year_layout``): the columns shift, and groups,
lines, "varav" lines, their member parties and interventions come along with
the amounts of the years still in the plan. Every concrete field is copied
(``plans.cloning``), and history is written for every copied record.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from plans.cloning import clone, create_all

from .columns import next_year_layout
from .models import Budget, BudgetAmount, BudgetColumn, BudgetGroup, BudgetLine, StatedFigure
from .selectors import budget_table


def copy_budget(*, source_plan, target_plan, acting_user=None, years_on: int = 0) -> Budget | None:
    """Give ``target_plan`` (a new draft without a budget) a copy of ``source_plan``'s budget.

    ``years_on`` 0 (a revision): columns, groups, lines with their sub-lines,
    amounts and stated figures are copied as they are. ``years_on`` 1 or more (a
    later year's plan): the columns move on and the stated figures stay behind
    (they were what the earlier plan stated). The source is only read. Returns the
    new budget, or None when the source has none. A fixed number of queries per
    level of sub-lines.

    Long because the copy goes level by level (budget, columns, groups, lines, sub-lines,
    amounts, stated figures), each level mapping the keys of the one above.
    """
    if target_plan.status not in target_plan.EDITABLE_STATUSES:
        raise ValidationError(_("The plan is on review or approved and can no longer be changed."))
    source = Budget.objects.filter(plan=source_plan).first()
    if source is None:
        return None
    if Budget.objects.filter(plan=target_plan).exists():
        raise ValidationError(_("This plan already has a budget."))
    (budget,) = create_all(Budget, clone([source], plan_id=target_plan.pk), acting_user)

    old_columns = list(source.columns.all())
    if years_on:
        column_map = _carry_columns(source, old_columns, budget, target_plan, acting_user)
    else:
        new_columns = create_all(BudgetColumn, clone(old_columns, budget_id=budget.pk), acting_user)
        column_map = {o.pk: n.pk for o, n in zip(old_columns, new_columns, strict=True)}

    old_groups = list(source.groups.all())
    new_groups = create_all(BudgetGroup, clone(old_groups, budget_id=budget.pk), acting_user)
    group_map = {o.pk: n.pk for o, n in zip(old_groups, new_groups, strict=True)}

    lines = list(BudgetLine.objects.filter(group__budget=source))
    line_map: dict[int, int] = {}
    level = [line for line in lines if line.parent_id is None]
    while level:  # parents before their sub-lines
        new = create_all(
            BudgetLine,
            clone(
                level,
                group_id=lambda line: group_map[line.group_id],
                parent_id=lambda line: line_map.get(line.parent_id),
            ),
            acting_user,
        )
        line_map.update({o.pk: n.pk for o, n in zip(level, new, strict=True)})
        level = [line for line in lines if line.parent_id in line_map and line.pk not in line_map]

    create_all(
        BudgetAmount,
        clone(
            BudgetAmount.objects.filter(
                line__group__budget=source, column__in=list(column_map)
            ).order_by("pk"),
            line_id=lambda a: line_map[a.line_id],
            column_id=lambda a: column_map[a.column_id],
        ),
        acting_user,
    )
    if not years_on:
        create_all(
            StatedFigure,
            clone(
                source.stated_figures.all(),
                budget_id=budget.pk,
                column_id=lambda s: column_map[s.column_id],
                group_id=lambda s: group_map.get(s.group_id),
            ),
            acting_user,
        )
    return budget


def _carry_columns(source, old_columns, budget, target_plan, acting_user) -> dict[int, int]:
    """Create the target's columns a year (or more) on; return old column pk → new pk
    for the columns whose amounts come along."""
    layout = next_year_layout(old_columns, year=target_plan.year, end_year=target_plan.end_year)
    first_source = layout[0].source
    opening = None
    if first_source is not None:
        # The decided budget starts from the equity the earlier plan had at the start of
        # that year; the columns after it carry it forward.
        table = budget_table(budget=source)
        opening = table.equity_start[[c.pk for c in table.columns].index(first_source.pk)].computed
    new_columns = []
    for order, column in enumerate(layout, start=1):
        template = column.source or BudgetColumn(opening_equity=None)
        (copy,) = clone(
            [template],
            association_id=budget.association_id,
            budget_id=budget.pk,
            kind=column.kind,
            year=column.year,
            label=column.label[:100],
            order=order,
        )
        if order == 1:
            copy.opening_equity = opening
        new_columns.append(copy)
    created = create_all(BudgetColumn, new_columns, acting_user)
    return {
        column.source.pk: new.pk
        for column, new in zip(layout, created, strict=True)
        if column.source is not None
    }
