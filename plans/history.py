"""The audit trail of a plan, read from django-simple-history.

The budget's is ``budgets.history``, built with ``history_entries`` here and shown on
a page of its own (registered through ``extensions.add_history``).

History tables are not tenant scoped (see LIBRARIES.md): every query here is
narrowed to one plan's rows by its ids. A fixed number of queries per model,
whatever the number of changes; the difference between two records of the same
object is computed here rather than with ``prev_record`` (a query each).
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from associations.models import User

from . import frozen_cache
from .diff import word_diff
from .models import (
    CommunicationItem,
    ControlPoint,
    Goal,
    GoalArea,
    MeasurementPoint,
    Plan,
    PlanIntervention,
    Section,
    StaffingLine,
)

SKIPPED = {"id", "association", "version", "created_at", "updated_at", "order"}
KIND_LABELS = {"+": _("added"), "~": _("changed"), "-": _("removed")}


@dataclass
class FieldChange:
    label: str
    old: object
    new: object
    diff: str | None = None  # a word diff for longer texts


@dataclass
class HistoryEntry:
    when: datetime
    user: object
    kind: str  # "+", "~", "-"
    what: str  # the model's name
    label: str  # the object's name then
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def kind_label(self):
        return KIND_LABELS[self.kind]


def _display(record, model_field):
    value = getattr(record, model_field.attname)
    if value is None or value == "":
        return ""
    if model_field.choices:
        return dict(model_field.flatchoices).get(value, value)
    if isinstance(model_field, models.BooleanField):
        return _("yes") if value else _("no")
    return value


def history_entries(model, records, label_of) -> list[HistoryEntry]:
    """Entries of one model's history ``records`` (all of some objects, any order)."""
    fields = [
        f
        for f in model._meta.concrete_fields
        if f.name not in SKIPPED and not isinstance(f, models.ForeignKey)
    ]
    entries = []
    previous = {}
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        before = previous.get(record.id)
        changes = []
        if record.history_type == "~" and before is not None:
            for f in fields:
                old, new = getattr(before, f.attname), getattr(record, f.attname)
                if old == new:
                    continue
                text = isinstance(f, models.TextField)
                changes.append(
                    FieldChange(
                        f.verbose_name,
                        _display(before, f),
                        _display(record, f),
                        word_diff(old or "", new or "") if text else None,
                    )
                )
            if not changes:
                previous[record.id] = record
                continue  # only the order or the lock version moved
        previous[record.id] = record
        entries.append(
            HistoryEntry(
                record.history_date,
                record.history_user,
                record.history_type,
                str(model._meta.verbose_name),
                label_of(record),
                changes,
            )
        )
    return entries


def kept_history(*, plan: Plan, kind: str, build: Callable) -> list[HistoryEntry]:
    """``build(plan=plan)``'s entries. An approved plan's history cannot grow (nothing of
    it can be written: ``plans.freezing``), so its entries are built once and kept in the
    shared cache (``frozen_cache``, keyed on the plan's row and the language), with each
    person as an id: their names are read fresh on every request, one query."""
    key = frozen_cache.frozen_key(plan=plan, kind=kind)
    if key is None:
        return build(plan=plan)
    kept = frozen_cache.kept(
        key,
        lambda: tuple(
            replace(entry, user=entry.user.pk if entry.user is not None else None)
            for entry in build(plan=plan)
        ),
    )
    people = User.objects.in_bulk({entry.user for entry in kept if entry.user is not None})
    return [replace(entry, user=people.get(entry.user)) for entry in kept]


def newest_first(entries):
    return sorted(entries, key=lambda e: e.when, reverse=True)


def plan_history(*, plan: Plan) -> list[HistoryEntry]:
    """Who changed what in the plan and its parts, and when; newest first."""
    entries = history_entries(
        Plan, Plan.history.filter(id=plan.pk).select_related("history_user"), lambda r: r.title
    )
    labels = {
        Section: lambda r: r.heading,
        GoalArea: lambda r: r.name,
        Goal: lambda r: r.text[:80],
        MeasurementPoint: lambda r: r.text[:80],
        PlanIntervention: lambda r: r.purpose[:80] or str(r.intervention_id),
        ControlPoint: lambda r: r.routine,
        CommunicationItem: lambda r: r.audience[:80],
    }
    for model, label_of in labels.items():
        records = model.history.filter(plan_id=plan.pk).select_related("history_user")
        if model is PlanIntervention:

            def label_of(r):
                return r.name

        entries += history_entries(model, records, label_of)
    entry_ids = PlanIntervention.history.filter(plan_id=plan.pk).values("id")
    entries += history_entries(
        StaffingLine,
        StaffingLine.history.filter(plan_intervention_id__in=entry_ids).select_related(
            "history_user"
        ),
        lambda r: r.role,
    )
    return newest_first(entries)
