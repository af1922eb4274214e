"""Copy a plan's budget into another plan (a revision starts from the approved budget).

The only budgets module the board-review work adds; it reads and writes the
budget models, nothing else of the budgets app. History is written for every
copied record (plain ``bulk_create`` writes none).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from .models import Budget, BudgetAmount, BudgetColumn, BudgetGroup, BudgetLine, StatedFigure


def _clone(instances, **changes):
    copies = []
    for instance in instances:
        copy = type(instance)(
            **{
                f.attname: getattr(instance, f.attname)
                for f in instance._meta.concrete_fields
                if not f.primary_key
            }
        )
        for attr, value in changes.items():
            setattr(copy, attr, value(instance) if callable(value) else value)
        if hasattr(copy, "version"):
            copy.version = 1
        copies.append(copy)
    return copies


def _create(model, objects, acting_user) -> list:
    objects = list(objects)
    if not objects:
        return []
    return bulk_create_with_history(objects, model, default_user=acting_user)


def copy_budget(*, source_plan, target_plan, acting_user=None) -> Budget | None:
    """Give ``target_plan`` (a new draft without a budget) a copy of ``source_plan``'s budget.

    Columns, groups, lines with their sub-lines, amounts and stated figures are
    copied; the source is only read. Returns the new budget, or None when the
    source has none. A fixed number of queries per level of sub-lines.
    """
    if target_plan.status not in target_plan.EDITABLE_STATUSES:
        raise ValidationError(_("The plan is on review or approved and can no longer be changed."))
    source = Budget.objects.filter(plan=source_plan).first()
    if source is None:
        return None
    if Budget.objects.filter(plan=target_plan).exists():
        raise ValidationError(_("This plan already has a budget."))
    (budget,) = _create(Budget, _clone([source], plan_id=target_plan.pk), acting_user)

    old_columns = list(source.columns.all())
    new_columns = _create(BudgetColumn, _clone(old_columns, budget_id=budget.pk), acting_user)
    column_map = {o.pk: n.pk for o, n in zip(old_columns, new_columns, strict=True)}

    old_groups = list(source.groups.all())
    new_groups = _create(BudgetGroup, _clone(old_groups, budget_id=budget.pk), acting_user)
    group_map = {o.pk: n.pk for o, n in zip(old_groups, new_groups, strict=True)}

    lines = list(BudgetLine.objects.filter(group__budget=source))
    line_map: dict[int, int] = {}
    level = [line for line in lines if line.parent_id is None]
    while level:  # parents before their sub-lines
        new = _create(
            BudgetLine,
            _clone(
                level,
                group_id=lambda line: group_map[line.group_id],
                parent_id=lambda line: line_map.get(line.parent_id),
            ),
            acting_user,
        )
        line_map.update({o.pk: n.pk for o, n in zip(level, new, strict=True)})
        level = [line for line in lines if line.parent_id in line_map and line.pk not in line_map]

    _create(
        BudgetAmount,
        _clone(
            BudgetAmount.objects.filter(line__group__budget=source),
            line_id=lambda a: line_map[a.line_id],
            column_id=lambda a: column_map[a.column_id],
        ),
        acting_user,
    )
    _create(
        StatedFigure,
        _clone(
            source.stated_figures.all(),
            budget_id=budget.pk,
            column_id=lambda s: column_map[s.column_id],
            group_id=lambda s: group_map.get(s.group_id),
        ),
        acting_user,
    )
    return budget
