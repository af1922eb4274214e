"""Writes for budgets.

Every write goes through here. The budget is as editable as its plan (a draft or
a plan sent back; an approved plan freezes its budget), and every write claims
the budget's ``version``: the editor sends the version they loaded, and if
someone saved anything in the budget since, nothing is written and the editor
gets an ``EditConflict`` with their input kept. History (django-simple-history)
is written for every created, changed and removed record.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from associations.models import MemberParty
from associations.versioning import EditConflict as EditConflict
from associations.versioning import claim_version
from plans.models import Plan
from plans.services import ensure_editable, reordered

from .copying import copy_budget
from .models import (
    Budget,
    BudgetAmount,
    BudgetColumn,
    BudgetGroup,
    BudgetLine,
    Category,
    StatedFigure,
)

AmountKey = tuple[int, int]  # (line pk, column pk)
StatedKey = tuple[str, int | None, int]  # (kind, group pk or None, column pk)


def ensure_budget_editable(budget: Budget) -> None:
    ensure_editable(budget.plan)


def claim(budget: Budget, expected_version: int | None) -> None:
    """Check the plan is editable and take the next version, or raise ``EditConflict``."""
    ensure_budget_editable(budget)
    if expected_version is None:
        expected_version = budget.version
    budget.version = claim_version(Budget, budget.pk, expected_version)


# Creating a budget ---------------------------------------------------------------

DEFAULT_GROUPS = (
    (BudgetGroup.Side.INCOME, Category.CONTRIBUTIONS, gettext_noop("Member contributions")),
    (BudgetGroup.Side.INCOME, Category.OTHER_INCOME, gettext_noop("Other income")),
    (BudgetGroup.Side.COST, Category.BOARD, gettext_noop("Board and audit")),
    (BudgetGroup.Side.COST, Category.ADMINISTRATION, gettext_noop("Kansli and administration")),
    (BudgetGroup.Side.COST, Category.INDIVIDUAL, gettext_noop("Individual interventions")),
    (BudgetGroup.Side.COST, Category.STRUCTURAL, gettext_noop("Structural interventions")),
    (BudgetGroup.Side.COST, Category.UNALLOCATED, gettext_noop("Unallocated")),
)


@transaction.atomic
def budget_create(*, plan: Plan, acting_user) -> Budget:
    """A budget for ``plan`` laid out as the seeds are: the decided budget and the forecast
    for the year before, the budget for the plan year and a plan column for each later
    year; the usual groups, with a contribution line per member party.

    A plan started from an earlier year's plan that has a budget starts from that
    budget instead, moved on as the copy does (``copying.copy_budget``): its groups,
    lines and the amounts of the years still in the plan."""
    ensure_editable(plan)
    # Requests sent at once ("Skapa budget" clicked four times) queue on the plan's row; a
    # later one finds the budget the first made. Where a database has no row lock, the unique
    # plan of a budget refuses the second, with the same message.
    Plan.objects.select_for_update().filter(pk=plan.pk).first()
    already = ValidationError(_("This plan already has a budget."))
    if Budget.objects.filter(plan=plan).exists():
        raise already
    source = plan.copied_from
    if source is not None and source.year < plan.year:
        copied = copy_budget(
            source_plan=source,
            target_plan=plan,
            acting_user=acting_user,
            years_on=plan.year - source.year,
        )
        if copied is not None:
            return copied
    try:
        with transaction.atomic():
            budget = Budget.objects.create(association_id=plan.association_id, plan=plan)
    except IntegrityError as error:
        raise already from error
    _create_default_columns(budget)
    _create_default_groups(budget)
    return budget


def _create_default_columns(budget: Budget) -> None:
    """The decided budget and the forecast for the year before, the budget for the plan
    year and a plan column for each later year."""
    plan = budget.plan
    before = plan.year - 1
    columns = [
        (BudgetColumn.Kind.DECIDED, before, _("Budget %(year)s") % {"year": before}),
        (BudgetColumn.Kind.FORECAST, before, _("Forecast %(year)s") % {"year": before}),
        (BudgetColumn.Kind.BUDGET, plan.year, _("Budget %(year)s") % {"year": plan.year}),
    ] + [
        (BudgetColumn.Kind.PLAN, year, _("Plan %(year)s") % {"year": year})
        for year in range(plan.year + 1, plan.end_year + 1)
    ]
    for order, (kind, year, label) in enumerate(columns, start=1):
        BudgetColumn.objects.create(
            association_id=plan.association_id,
            budget=budget,
            kind=kind,
            year=year,
            label=label,
            order=order,
        )


def _create_default_groups(budget: Budget) -> None:
    """The usual groups, with a contribution line per member party."""
    association_id = budget.association_id
    for order, (side, category, name) in enumerate(DEFAULT_GROUPS, start=1):
        group = BudgetGroup.objects.create(
            association_id=association_id,
            budget=budget,
            side=side,
            category=category,
            name=_(name),
            order=order,
        )
        if category == Category.CONTRIBUTIONS:
            parties = MemberParty.objects.filter(association=association_id)
            for line_order, party in enumerate(parties, start=1):
                BudgetLine.objects.create(
                    association_id=association_id,
                    group=group,
                    name=party.name,
                    party=party,
                    order=line_order,
                )


@transaction.atomic
def budget_settings_save(*, budget: Budget, acting_user, expected_version: int | None) -> Budget:
    budget.full_clean()
    claim(budget, expected_version)
    budget.save()
    return budget


# Columns, groups and lines ---------------------------------------------------------


def budget_of(instance) -> Budget:
    if isinstance(instance, BudgetLine):
        return instance.group.budget
    return instance.budget


def _siblings(instance):
    model = type(instance)
    if isinstance(instance, BudgetLine):
        return model.objects.filter(group=instance.group_id, parent=instance.parent_id)
    return model.objects.filter(budget=instance.budget_id)


@transaction.atomic
def budget_part_save(*, instance, acting_user, expected_version: int | None):
    """Create or change a column, group or line of a budget. A new group or line goes
    last; a new column goes after the columns of its year and the years before, as the
    plans lay them out, and the later columns move one place on."""
    budget = budget_of(instance)
    instance.association_id = budget.association_id
    instance.full_clean()
    claim(budget, expected_version)
    if instance.pk is None:
        siblings = list(_siblings(instance).order_by("order", "pk"))
        later = []
        if isinstance(instance, BudgetColumn):
            later = [c for c in siblings if c.year > instance.year]
        if later:
            instance.order = later[0].order
            for column in later:  # one by one, so the history records each move
                column.order += 1
                column._history_user = acting_user
                column.save(update_fields=["order"])
        else:
            instance.order = (siblings[-1].order if siblings else 0) + 1
    instance.save()
    return instance


@transaction.atomic
def budget_part_delete(*, instance, acting_user, expected_version: int | None) -> None:
    claim(budget_of(instance), expected_version)
    # One by one, so the history records every amount and sub-line that goes with it.
    if isinstance(instance, BudgetColumn):
        dependants = list(BudgetAmount.objects.filter(column=instance))
        dependants += list(StatedFigure.objects.filter(column=instance))
    elif isinstance(instance, BudgetGroup):
        lines = list(BudgetLine.objects.filter(group=instance))
        dependants = list(BudgetAmount.objects.filter(line__in=lines))
        dependants += list(StatedFigure.objects.filter(group=instance))
        dependants += sorted(lines, key=lambda line: line.parent_id is None)
    else:
        subs = list(BudgetLine.objects.filter(parent=instance))
        dependants = list(BudgetAmount.objects.filter(line__in=[instance, *subs])) + subs
    for record in dependants:
        record.delete()
    instance.delete()


@transaction.atomic
def budget_part_move(*, instance, acting_user, offset: int, expected_version=None) -> None:
    claim(budget_of(instance), expected_version)
    siblings = list(_siblings(instance).order_by("order", "pk"))
    new_order = reordered(siblings, instance, offset)
    for position, sibling in enumerate(new_order, start=1):
        sibling.order = position
    bulk_update_with_history(new_order, type(instance), ["order"])


# Amounts -----------------------------------------------------------------------------


@dataclass
class ChangeSummary:
    created_lines: int = 0
    changed_amounts: int = 0
    stated_changed: int = 0
    changed_notes: int = 0
    notes: list = field(default_factory=list)

    @property
    def nothing(self) -> bool:
        return not (
            self.created_lines or self.changed_amounts or self.stated_changed or self.changed_notes
        )


def _write_amounts(budget, amounts: dict[AmountKey, Decimal | None], summary) -> None:
    existing = {
        (a.line_id, a.column_id): a
        for a in BudgetAmount.objects.filter(
            line__group__budget=budget, line_id__in={line for line, _ in amounts}
        )
    }
    to_create, to_update = [], []
    for (line_id, column_id), value in amounts.items():
        record = existing.get((line_id, column_id))
        if value is None:
            if record is not None:
                record.delete()
                summary.changed_amounts += 1
        elif record is None:
            to_create.append(
                BudgetAmount(
                    association_id=budget.association_id,
                    line_id=line_id,
                    column_id=column_id,
                    amount=value,
                )
            )
        elif record.amount != value:
            record.amount = value
            to_update.append(record)
    if to_create:
        bulk_create_with_history(to_create, BudgetAmount, batch_size=500)
    if to_update:
        bulk_update_with_history(to_update, BudgetAmount, ["amount"], batch_size=500)
    summary.changed_amounts += len(to_create) + len(to_update)


def _write_stated(budget, stated: dict[StatedKey, Decimal | None], summary) -> None:
    existing = {(s.kind, s.group_id, s.column_id): s for s in budget.stated_figures.all()}
    for (kind, group_id, column_id), value in stated.items():
        record = existing.get((kind, group_id, column_id))
        if value is None:
            if record is not None:
                record.delete()
                summary.stated_changed += 1
        elif record is None:
            StatedFigure.objects.create(
                association_id=budget.association_id,
                budget=budget,
                kind=kind,
                group_id=group_id,
                column_id=column_id,
                amount=value,
            )
            summary.stated_changed += 1
        elif record.amount != value:
            record.amount = value
            record.save(update_fields=["amount"])
            summary.stated_changed += 1


def _check_keys(budget, amounts, stated) -> None:
    """Every key must belong to this budget: a form or file can name nothing else."""
    line_ids = set(BudgetLine.objects.filter(group__budget=budget).values_list("pk", flat=True))
    column_ids = set(budget.columns.values_list("pk", flat=True))
    group_ids = set(budget.groups.values_list("pk", flat=True))
    for line_id, column_id in amounts:
        if line_id not in line_ids or column_id not in column_ids:
            raise ValidationError(_("The budget has changed; reload the page."))
    for _kind, group_id, column_id in stated:
        if column_id not in column_ids or (group_id is not None and group_id not in group_ids):
            raise ValidationError(_("The budget has changed; reload the page."))


class CellConflict(ValidationError):
    """Someone else changed some of the same cells since the editor loaded them."""

    def __init__(self, amounts: dict, stated: dict, notes: dict | None = None):
        self.amounts = amounts  # key → the value saved by the other person now
        self.stated = stated
        self.notes = notes or {}
        count = len(amounts) + len(stated) + len(self.notes)
        super().__init__(
            _(
                "Someone else changed %(count)s of the figures you changed while you were "
                "editing. Nothing has been saved. Their figures are shown under yours; check "
                "them and save again to keep yours."
            )
            % {"count": count}
        )


Change = tuple[Decimal | None, Decimal | None]  # (as the editor loaded it, as they want it)


@transaction.atomic
def amounts_save(
    *,
    budget: Budget,
    acting_user,
    amounts: dict[AmountKey, Change],
    stated: dict[StatedKey, Change] | None = None,
    notes: dict[AmountKey, tuple[str, str]] | None = None,
) -> ChangeSummary:
    """Write the cells an editor changed; each must still hold what the editor loaded.

    The check is per cell: two people changing different amounts of the same budget
    both keep their changes; if someone changed one of the same cells meanwhile,
    nothing is written and ``CellConflict`` says which cells and what they now hold.
    ``notes`` are the short notes on amounts, checked the same way; a note needs an
    amount in its cell.
    """
    stated = stated or {}
    notes = notes or {}
    _check_keys(budget, {**amounts, **notes}, stated)
    ensure_budget_editable(budget)
    # Take the budget's row first, so concurrent saves of the same budget queue here.
    Budget.objects.select_for_update().filter(pk=budget.pk).update(version=F("version") + 1)
    records = list(
        BudgetAmount.objects.filter(
            line__group__budget=budget, line_id__in={line for line, _ in [*amounts, *notes]}
        )
    )
    current_amounts = {(a.line_id, a.column_id): a.amount for a in records}
    current_notes = {(a.line_id, a.column_id): a.note for a in records}
    current_stated = {
        (f.kind, f.group_id, f.column_id): f.amount for f in budget.stated_figures.all()
    }
    amount_conflicts = {
        key: current_amounts.get(key)
        for key, (before, _after) in amounts.items()
        if current_amounts.get(key) != before
    }
    stated_conflicts = {
        key: current_stated.get(key)
        for key, (before, _after) in stated.items()
        if current_stated.get(key) != before
    }
    note_conflicts = {
        key: current_notes.get(key, "")
        for key, (before, _after) in notes.items()
        if current_notes.get(key, "") != before
    }
    if amount_conflicts or stated_conflicts or note_conflicts:
        raise CellConflict(amount_conflicts, stated_conflicts, note_conflicts)
    budget.version += 1
    summary = ChangeSummary()
    _write_amounts(budget, {key: after for key, (_b, after) in amounts.items()}, summary)
    _write_stated(budget, {key: after for key, (_b, after) in stated.items()}, summary)
    _write_notes(budget, {key: after for key, (_b, after) in notes.items()}, summary)
    return summary


def _write_notes(budget, notes: dict[AmountKey, str], summary) -> None:
    """The note of each amount; a note on a cell with no amount is refused."""
    if not notes:
        return
    records = {
        (a.line_id, a.column_id): a
        for a in BudgetAmount.objects.filter(
            line__group__budget=budget, line_id__in={line for line, _ in notes}
        )
    }
    changed = []
    for key, note in notes.items():
        note = " ".join((note or "").split())
        record = records.get(key)
        if record is None:
            if note:
                raise ValidationError(_("A note needs an amount in its cell."))
            continue
        if record.note != note:
            record.note = note
            record.full_clean(exclude=["line", "column", "association"])
            changed.append(record)
    if changed:
        bulk_update_with_history(changed, BudgetAmount, ["note"], batch_size=500)
    summary.changed_notes = len(changed)


@dataclass(frozen=True)
class LineRef:
    """The line an imported row writes to: one the budget has (``pk``) or one the import
    adds (``new_key``, the ``NewLine.key`` that stands in for its pk until it exists).
    Exactly one of the two is set."""

    pk: int | None = None
    new_key: str | None = None

    def __post_init__(self):
        if (self.pk is None) == (self.new_key is None):
            raise ValueError("A LineRef names either an existing line or a new one.")

    @property
    def is_new(self) -> bool:
        return self.new_key is not None


@dataclass
class NewLine:
    """A line an import adds: ``key`` stands in for its pk in the amounts until it exists."""

    key: str
    group: BudgetGroup
    name: str
    parent: BudgetLine | None = None
    parent_key: str | None = None


@transaction.atomic
def import_apply(
    *,
    budget: Budget,
    acting_user,
    expected_version: int | None,
    new_lines: list[NewLine],
    amounts: dict[tuple[LineRef, int], Decimal | None],
    stated: dict[StatedKey, Decimal | None],
) -> ChangeSummary:
    """Write a checked import in one transaction: new lines, amounts, stated totals.

    Keys of ``amounts`` are ``(LineRef, column pk)``.
    """
    claim(budget, expected_version)
    summary = ChangeSummary()
    created: dict[str, BudgetLine] = {}
    orders: dict[tuple, int] = {}
    for new in new_lines:  # parents come before their "varav" lines
        parent = new.parent or (created[new.parent_key] if new.parent_key else None)
        siblings = (new.group.pk, parent.pk if parent else None)
        if siblings not in orders:
            last = (
                BudgetLine.objects.filter(group=new.group, parent=parent)
                .order_by("-order")
                .values_list("order", flat=True)
                .first()
            )
            orders[siblings] = last or 0
        orders[siblings] += 1
        line = BudgetLine(
            association_id=budget.association_id,
            group=new.group,
            parent=parent,
            name=new.name,
            order=orders[siblings],
        )
        line.full_clean()
        line.save()
        created[new.key] = line
    summary.created_lines = len(created)
    resolved = {
        (created[line.new_key].pk if line.is_new else line.pk, column): value
        for (line, column), value in amounts.items()
    }
    _check_keys(budget, resolved, stated)
    _write_amounts(budget, resolved, summary)
    _write_stated(budget, stated, summary)
    return summary
