"""Freezing below the views: a plan on review or approved, and its budget, cannot change.

``services.ensure_editable`` is the check every write service makes first, with
a message the user sees. This module is the net under it: a ``pre_save`` and
``pre_delete`` guard on every model that is part of a plan or of its budget, so
that no other path (Django admin, a shell, an import, a bulk helper that saves
per object) changes a frozen plan either. ``queryset.update()`` and
``bulk_update`` send no signals; the services call ``ensure_editable`` before
using them.

The guard reads the plan's *stored* status through the unscoped base manager:
it is an integrity check that must hold with or without an active tenant
scope, not a read for a user.
"""

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models.signals import m2m_changed, pre_delete, pre_save
from django.utils.translation import gettext as _

# What the workflow may still write on a frozen plan (everything else is frozen).
# On review: the decision. Approved: only that a later revision replaced it.
WORKFLOW_FIELDS_ON_REVIEW = frozenset(
    {
        "status",
        "review_deadline",
        "review_message",
        "sent_back_reason",
        "approval_text",
        "approved_on",
        "approval_paragraph",
        "approval_dnr",
        "version",
        "updated_at",
    }
)
WORKFLOW_FIELDS_WHEN_APPROVED = frozenset({"superseded_by", "updated_at"})

# Model label -> lookup from the model to its plan's status.
PLAN_STATUS_LOOKUPS = {
    "plans.Section": "plan__status",
    "plans.GoalArea": "plan__status",
    "plans.Goal": "plan__status",
    "plans.MeasurementPoint": "plan__status",
    "plans.PlanIntervention": "plan__status",
    "plans.StaffingLine": "plan_intervention__plan__status",
    "plans.ControlPoint": "plan__status",
    "plans.CommunicationItem": "plan__status",
    "budgets.Budget": "plan__status",
    "budgets.BudgetColumn": "budget__plan__status",
    "budgets.BudgetGroup": "budget__plan__status",
    "budgets.BudgetLine": "group__budget__plan__status",
    "budgets.BudgetAmount": "line__group__budget__plan__status",
    "budgets.StatedFigure": "budget__plan__status",
}
# For a new record (no row yet): the foreign key that leads to the plan, and the
# lookup from that parent to the plan's status.
PARENT_LOOKUPS = {
    "plans.StaffingLine": ("plan_intervention", "plans.PlanIntervention"),
    "budgets.BudgetColumn": ("budget", "budgets.Budget"),
    "budgets.BudgetGroup": ("budget", "budgets.Budget"),
    "budgets.BudgetLine": ("group", "budgets.BudgetGroup"),
    "budgets.BudgetAmount": ("line", "budgets.BudgetLine"),
    "budgets.StatedFigure": ("budget", "budgets.Budget"),
}


class FrozenPlanError(ValidationError):
    pass


def _refuse():
    raise FrozenPlanError(
        _("The plan is on review or approved and can no longer be changed."), code="frozen"
    )


def _editable(status) -> bool:
    Plan = apps.get_model("plans", "Plan")
    return status is None or status in Plan.EDITABLE_STATUSES


def _stored_status(label: str, pk) -> str | None:
    model = apps.get_model(label)
    return (
        model._base_manager.filter(pk=pk).values_list(PLAN_STATUS_LOOKUPS[label], flat=True).first()
    )


def _status_of_new(label: str, instance) -> str | None:
    Plan = apps.get_model("plans", "Plan")
    if label in PARENT_LOOKUPS:
        field, parent_label = PARENT_LOOKUPS[label]
        parent_id = getattr(instance, f"{field}_id")
        return _stored_status(parent_label, parent_id) if parent_id else None
    plan_id = getattr(instance, "plan_id", None)
    if not plan_id:
        return None
    return Plan._base_manager.filter(pk=plan_id).values_list("status", flat=True).first()


def guard_part_save(sender, instance, raw=False, **kwargs):
    if raw:  # loaddata
        return
    label = sender._meta.label
    existing = instance.pk is not None and not instance._state.adding
    if existing and not _editable(_stored_status(label, instance.pk)):
        _refuse()
    # Also the plan it is being saved into (a new record, or one moved to another plan).
    if not _editable(_status_of_new(label, instance)):
        _refuse()


def _removing_the_forbund(origin) -> bool:
    """The platform administrator removes a whole förbund: its plans go with it."""
    model = getattr(origin, "model", None) or type(origin)
    return model is apps.get_model("associations", "Association")


def guard_part_delete(sender, instance, origin=None, **kwargs):
    if _removing_the_forbund(origin):
        return
    if not _editable(_stored_status(sender._meta.label, instance.pk)):
        _refuse()


def guard_plan_save(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None or instance._state.adding:
        return
    stored = sender._base_manager.filter(pk=instance.pk).first()
    if stored is None or stored.is_editable:
        return
    allowed = (
        WORKFLOW_FIELDS_WHEN_APPROVED
        if stored.status == sender.Status.APPROVED
        else WORKFLOW_FIELDS_ON_REVIEW
    )
    for field in sender._meta.concrete_fields:
        if field.name in allowed:
            continue
        if getattr(stored, field.attname) != getattr(instance, field.attname):
            _refuse()


def guard_plan_delete(sender, instance, origin=None, **kwargs):
    if _removing_the_forbund(origin):
        return
    stored = sender._base_manager.filter(pk=instance.pk).values_list("status", flat=True).first()
    if not _editable(stored):
        _refuse()


def m2m_guard(field_name: str):
    """A guard for a many-to-many field of a plan part (municipalities, counted interventions)."""

    def guard(sender, instance, action, reverse, model, pk_set, **kwargs):
        if action not in ("pre_add", "pre_remove", "pre_clear"):
            return
        if not reverse:
            if not _editable(_stored_status(instance._meta.label, instance.pk)):
                _refuse()
            return
        # From the other side (e.g. a member party's plan entries): every part touched.
        parts = model._base_manager.filter(**{field_name: instance})
        if pk_set is not None:
            parts = model._base_manager.filter(pk__in=pk_set)
        Plan = apps.get_model("plans", "Plan")
        lookup = PLAN_STATUS_LOOKUPS[model._meta.label]
        if parts.exclude(**{f"{lookup}__in": Plan.EDITABLE_STATUSES}).exists():
            _refuse()

    return guard


M2M_GUARDS = {}


def connect() -> None:
    Plan = apps.get_model("plans", "Plan")
    pre_save.connect(guard_plan_save, sender=Plan, dispatch_uid="freeze-plan-save")
    pre_delete.connect(guard_plan_delete, sender=Plan, dispatch_uid="freeze-plan-delete")
    for label in PLAN_STATUS_LOOKUPS:
        model = apps.get_model(label)
        pre_save.connect(guard_part_save, sender=model, dispatch_uid=f"freeze-{label}-save")
        pre_delete.connect(guard_part_delete, sender=model, dispatch_uid=f"freeze-{label}-delete")
    for model, field in [
        (apps.get_model("plans", "PlanIntervention"), "municipalities"),
        (apps.get_model("plans", "MeasurementPoint"), "counted_interventions"),
    ]:
        through = model._meta.get_field(field).remote_field.through
        M2M_GUARDS[field] = m2m_guard(field)  # kept: signals hold weak references
        m2m_changed.connect(M2M_GUARDS[field], sender=through, dispatch_uid=f"freeze-{field}-m2m")
