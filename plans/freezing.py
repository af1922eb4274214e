"""Freezing below the views: a plan on review or approved, and its budget, cannot change.

What freezes with a plan is registered, not listed here: plans registers its own parts
in ``connect()``, and an app above plans registers its records that belong to a plan
with ``register_plan_part`` from its ``AppConfig.ready()`` (``budgets.freezing``), so
that plans imports none of them. Each registered model gets the guards below.

``services.ensure_editable`` is the check every write service makes first, with
a message the user sees. This module is the net under it, for every other path
(Django admin, a shell, an import, a bulk helper):

- a ``pre_save`` and ``pre_delete`` guard on every model that is part of a plan
  or of its budget, and on the many-to-many tables between them and what they
  name (a cascade, e.g. deleting a member party, deletes those rows one by one
  through the guard: a cascade sends no ``m2m_changed``);
- ``m2m_changed`` guards on those tables, from either side;
- ``FrozenGuardQuerySet``: ``queryset.update()``, ``bulk_update`` and
  ``bulk_create`` refuse when a row they write belongs to a frozen plan
  (``QuerySet.delete`` sends ``pre_delete`` per row, so the guards above hold);
- what a frozen plan names and prints from outside itself (a member party, the
  intervention it follows, a user) cannot be deleted, and a member party named
  by one cannot be renamed: its membership ends with a year instead
  (``MemberParty.member_until``).

``Model._base_manager`` stays Django's plain manager (Django saves through it):
code that reaches for it on purpose steps past ``update()``'s guard, as a test
fixture does to reopen a demo plan; the save and delete guards still hold.

The guards read the plan's *stored* status through the unscoped base manager:
an integrity check that must hold with or without an active tenant scope, not a
read for a user. ``tests/plans/test_frozen_graph.py`` walks the model graph from
a frozen plan and tries every write path on everything it reaches.
"""

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.signals import m2m_changed, pre_delete, pre_save
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from associations import freezing as associations_freezing

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

# The documents the board decides (``plans.models.BoardDecided``): label -> the fields the
# workflow may still write while the document is on review and once it is approved, and
# the message for a refused write. ``register_decided_document`` adds the annual report.
DECIDED_DOCUMENTS = {
    "plans.Plan": {
        "review": WORKFLOW_FIELDS_ON_REVIEW,
        "approved": WORKFLOW_FIELDS_WHEN_APPROVED,
        "message": gettext_lazy("The plan is on review or approved and can no longer be changed."),
    },
}

# Model label -> lookup from the model to its plan's status (``register_plan_part``
# adds the parts of the apps above plans).
PLAN_STATUS_LOOKUPS = {
    "plans.Section": "plan__status",
    "plans.GoalArea": "plan__status",
    "plans.Goal": "plan__status",
    "plans.MeasurementPoint": "plan__status",
    "plans.PlanIntervention": "plan__status",
    "plans.StaffingLine": "plan_intervention__plan__status",
    "plans.ControlPoint": "plan__status",
    "plans.CommunicationItem": "plan__status",
    # The many-to-many tables.
    "plans.PlanInterventionMunicipality": "planintervention__plan__status",
    "plans.CountedIntervention": "measurementpoint__plan__status",
    # The archived PDF: written once when the plan is approved, never changed.
    "plans.PlanDocument": "plan__status",
}
# Stored while the plan is frozen, once; never changed afterwards.
CREATED_WHEN_FROZEN = {"plans.PlanDocument"}
# For a new record (no row yet): the foreign key that leads to the plan, and the
# lookup from that parent to the plan's status.
PARENT_LOOKUPS = {
    "plans.StaffingLine": ("plan_intervention", "plans.PlanIntervention"),
    "plans.PlanInterventionMunicipality": ("planintervention", "plans.PlanIntervention"),
    "plans.CountedIntervention": ("measurementpoint", "plans.MeasurementPoint"),
}
# Rows an app above plans freezes by a rule of its own, on every write path: label ->
# ``frozen(model, pks) -> str | None`` for stored rows and ``frozen_new(objs) -> str | None``
# for new ones, each the message of a refusal (``register_row_guard``; ``reports`` freezes
# the year's outcome once its annual report is on review or approved).
ROW_GUARDS: dict = {}

# What a plan names from outside itself, with the fields of it that a plan prints
# (a change to those is refused while a frozen plan names it).
REFERENCED_MODELS = {
    "associations.MemberParty": ("name", "kind", "association"),
    "plans.Intervention": ("association",),
    "associations.User": (),
}


class FrozenPlanError(ValidationError):
    pass


# Part label -> the label of the decided document it belongs to (a plan unless registered
# otherwise), for the message of a refused write.
PART_DOCUMENTS = {}


def _refuse(label: str = "plans.Plan"):
    document = PART_DOCUMENTS.get(label, label)
    message = DECIDED_DOCUMENTS.get(document, DECIDED_DOCUMENTS["plans.Plan"])["message"]
    raise FrozenPlanError(str(message), code="frozen")


def _editable(status) -> bool:
    Plan = apps.get_model("plans", "Plan")
    return status is None or status in Plan.EDITABLE_STATUSES


def _status_lookup(label: str) -> str:
    """From a model to the status of the document it belongs to (its own, for one)."""
    return "status" if label in DECIDED_DOCUMENTS else PLAN_STATUS_LOOKUPS[label]


def _stored_status(label: str, pk) -> str | None:
    model = apps.get_model(label)
    return model._base_manager.filter(pk=pk).values_list(_status_lookup(label), flat=True).first()


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
        _refuse(label)
    if not existing and label in CREATED_WHEN_FROZEN:
        return
    # Also the plan it is being saved into (a new record, or one moved to another plan).
    if not _editable(_status_of_new(label, instance)):
        _refuse(label)


def _removing_the_forbund(origin) -> bool:
    """The platform administrator removes a whole förbund: its plans go with it."""
    model = getattr(origin, "model", None) or type(origin)
    return model is apps.get_model("associations", "Association")


def guard_part_delete(sender, instance, origin=None, **kwargs):
    if _removing_the_forbund(origin):
        return
    # A cascade from what the plan names (a member party): say so, in its words.
    if hasattr(origin, "_meta") and origin._meta.label in REFERENCED_MODELS:
        guard_referenced_delete(type(origin), origin)
    if not _editable(_stored_status(sender._meta.label, instance.pk)):
        _refuse(sender._meta.label)


def _workflow_fields(label: str, status: str) -> frozenset:
    """What the workflow may still write on a decided document with ``status``."""
    return DECIDED_DOCUMENTS[label]["approved" if status == "approved" else "review"]


def guard_decided_save(sender, instance, raw=False, **kwargs):
    """A plan (or annual report) on review or approved takes only its workflow's fields."""
    if raw or instance.pk is None or instance._state.adding:
        return
    stored = sender._base_manager.filter(pk=instance.pk).first()
    if stored is None or stored.is_editable:
        return
    allowed = _workflow_fields(sender._meta.label, stored.status)
    for field in sender._meta.concrete_fields:
        if field.name in allowed:
            continue
        if getattr(stored, field.attname) != getattr(instance, field.attname):
            _refuse(sender._meta.label)


def guard_decided_delete(sender, instance, origin=None, **kwargs):
    if _removing_the_forbund(origin):
        return
    stored = sender._base_manager.filter(pk=instance.pk).values_list("status", flat=True).first()
    if not _editable(stored):
        _refuse(sender._meta.label)


def m2m_guard(field_name: str):
    """A guard for a many-to-many field of a plan part (municipalities, counted interventions)."""

    def guard(sender, instance, action, reverse, model, pk_set, **kwargs):
        if action not in ("pre_add", "pre_remove", "pre_clear"):
            return
        if not reverse:
            if not _editable(_stored_status(instance._meta.label, instance.pk)):
                _refuse(instance._meta.label)
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


# Bulk writes ------------------------------------------------------------------


def _frozen_rows(model, pks) -> bool:
    Plan = apps.get_model("plans", "Plan")
    lookup = _status_lookup(model._meta.label)
    rows = model._base_manager.filter(pk__in=pks)
    return rows.exclude(**{f"{lookup}__in": Plan.EDITABLE_STATUSES}).exists()


def _refuse_frozen_document_update(model, pks, fields) -> None:
    """A frozen plan's (or report's) row takes only the workflow's own fields."""
    statuses = set(
        model._base_manager.filter(pk__in=pks)
        .exclude(status__in=model.EDITABLE_STATUSES)
        .values_list("status", flat=True)
    )
    for status in statuses:
        if not set(fields) <= _workflow_fields(model._meta.label, status):
            _refuse(model._meta.label)


def _guarded(model) -> bool:
    return model._meta.label in PLAN_STATUS_LOOKUPS or model._meta.label in DECIDED_DOCUMENTS


def refuse_bulk_create(model, objs) -> None:
    """``bulk_create`` sends no ``pre_save``: each new row is checked here instead."""
    label = model._meta.label
    if label not in PLAN_STATUS_LOOKUPS or label in CREATED_WHEN_FROZEN:
        return
    Plan = apps.get_model("plans", "Plan")
    if label in PARENT_LOOKUPS:
        field, parent_label = PARENT_LOOKUPS[label]
        parents = apps.get_model(parent_label)._base_manager
        lookup = _status_lookup(parent_label)
    else:
        field, parents, lookup = "plan", Plan._base_manager, "status"
    ids = {getattr(obj, f"{field}_id") for obj in objs} - {None}
    for start in range(0, len(ids), 500):
        batch = sorted(ids)[start : start + 500]
        if (
            parents.filter(pk__in=batch)
            .exclude(**{f"{lookup}__in": Plan.EDITABLE_STATUSES})
            .exists()
        ):
            _refuse(label)


def _row_guard_refuses(model, pks=None, objs=None) -> None:
    guard = ROW_GUARDS.get(model._meta.label)
    if guard is None:
        return
    message = guard[0](model, pks) if objs is None else guard[1](objs)
    if message:
        raise FrozenPlanError(str(message), code="frozen")


def guard_row_save(sender, instance, raw=False, **kwargs):
    if raw:
        return
    if instance.pk is not None and not instance._state.adding:
        _row_guard_refuses(sender, pks=[instance.pk])
    _row_guard_refuses(sender, objs=[instance])


def guard_row_delete(sender, instance, origin=None, **kwargs):
    if _removing_the_forbund(origin):
        return
    _row_guard_refuses(sender, pks=[instance.pk])


def register_row_guard(label: str, *, frozen, frozen_new) -> None:
    """Freeze rows of ``label`` by a rule of the app that calls this (from its
    ``AppConfig.ready()``): save, delete, ``update()`` and ``bulk_*`` ask ``frozen(model,
    pks)`` of the stored rows and ``frozen_new(objs)`` of new or changed ones; each
    returns the message of a refusal, or None."""
    ROW_GUARDS[label] = (frozen, frozen_new)
    model = apps.get_model(label)
    pre_save.connect(guard_row_save, sender=model, dispatch_uid=f"row-guard-{label}-save")
    pre_delete.connect(guard_row_delete, sender=model, dispatch_uid=f"row-guard-{label}-delete")


class FrozenGuardQuerySet(models.QuerySet):
    """``update()`` (and ``bulk_update``, which calls it) refuses to write a row of a
    frozen plan, whether the row was in one before or is moved into one; a plain
    queryset for every model that is not part of a plan."""

    def update(self, **kwargs):
        if self.model._meta.label in REFERENCED_MODELS:
            refuse_referenced_update(self, kwargs)
        if self.model._meta.label in ROW_GUARDS:
            with transaction.atomic(using=self.db, savepoint=True):
                pks = list(self.values_list("pk", flat=True))
                _row_guard_refuses(self.model, pks=pks)
                updated = super().update(**kwargs)
                # Rows moved under a frozen rule (e.g. to another line); rolled back.
                _row_guard_refuses(self.model, pks=pks)
                return updated
        if not _guarded(self.model):
            return super().update(**kwargs)
        with transaction.atomic(using=self.db, savepoint=True):
            pks = list(self.values_list("pk", flat=True))
            label = self.model._meta.label
            if label in DECIDED_DOCUMENTS:
                _refuse_frozen_document_update(self.model, pks, kwargs)
                return super().update(**kwargs)
            for start in range(0, len(pks), 500):
                if _frozen_rows(self.model, pks[start : start + 500]):
                    _refuse(label)
            updated = super().update(**kwargs)
            # Rows moved into a frozen plan (a changed plan or parent); rolled back.
            for start in range(0, len(pks), 500):
                if _frozen_rows(self.model, pks[start : start + 500]):
                    _refuse(label)
            return updated

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        refuse_bulk_create(self.model, objs)
        _row_guard_refuses(self.model, objs=objs)
        return super().bulk_create(objs, *args, **kwargs)

    bulk_create.alters_data = True


class FrozenGuardManager(models.Manager.from_queryset(FrozenGuardQuerySet)):
    def bulk_create(self, objs, *args, **kwargs):
        # Also without an active scope, where django-scopes lets creation through.
        objs = list(objs)
        refuse_bulk_create(self.model, objs)
        _row_guard_refuses(self.model, objs=objs)
        # Checked once: straight to the plain queryset's (scoped or not) insert.
        return models.QuerySet.bulk_create(self.get_queryset(), objs, *args, **kwargs)

    bulk_create.alters_data = True


# What frozen plans name from outside -----------------------------------------


def _frozen_references(instance):
    """The frozen plans that name ``instance`` (a member party, an intervention, a
    user), found by introspection over every relation from a plan part to it."""
    Plan = apps.get_model("plans", "Plan")
    plan_ids = set()
    for label, lookup in PLAN_STATUS_LOOKUPS.items():
        model = apps.get_model(label)
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete) or field.related_model is None:
                continue
            if not isinstance(instance, field.related_model):
                continue
            plan_lookup = lookup.removesuffix("__status")
            plan_ids |= set(
                model._base_manager.filter(**{field.name: instance.pk})
                .exclude(**{f"{lookup}__in": Plan.EDITABLE_STATUSES})
                .values_list(plan_lookup, flat=True)
            )
    return list(Plan._base_manager.filter(pk__in=plan_ids).order_by("year", "pk"))


def _refuse_referenced(instance, plans, *, renaming: bool):
    names = ", ".join(f"{plan.title} ({plan.get_status_display().lower()})" for plan in plans)
    if instance._meta.label == "associations.MemberParty":
        if renaming:
            message = _(
                "%(name)s is named in %(plans)s, which must stay as the board decided it: "
                "its name cannot change. End the membership with a year and add the party "
                "under its new name."
            )
        else:
            message = _(
                "%(name)s is named in %(plans)s, which must stay as the board decided it, "
                "and cannot be removed. End the membership with a year instead."
            )
    elif renaming:
        message = _(
            "%(name)s is named in %(plans)s, which must stay as the board decided it: "
            "this cannot change."
        )
    else:
        message = _(
            "%(name)s is named in %(plans)s, which must stay as the board decided it, "
            "and cannot be removed."
        )
    raise FrozenPlanError(message % {"name": instance, "plans": names}, code="frozen")


def guard_referenced_delete(sender, instance, origin=None, **kwargs):
    if _removing_the_forbund(origin):
        return
    plans = _frozen_references(instance)
    if plans:
        _refuse_referenced(instance, plans, renaming=False)


def guard_referenced_save(sender, instance, raw=False, **kwargs):
    printed = REFERENCED_MODELS[sender._meta.label]
    if raw or not printed or instance.pk is None or instance._state.adding:
        return
    attnames = [sender._meta.get_field(name).attname for name in printed]
    stored = sender._base_manager.filter(pk=instance.pk).values(*attnames).first()
    if stored is None or all(stored[name] == getattr(instance, name) for name in attnames):
        return
    plans = _frozen_references(instance)
    if plans:
        _refuse_referenced(instance, plans, renaming=True)


def refuse_referenced_update(queryset, fields) -> None:
    """``update()`` of a printed field (a member party's name) is refused while a
    frozen plan names one of the rows (``MemberParty``'s queryset calls this)."""
    printed = set(REFERENCED_MODELS.get(queryset.model._meta.label, ()))
    names = {queryset.model._meta.get_field(name).name for name in fields}
    if not printed & names:
        return
    for instance in queryset.model._base_manager.filter(pk__in=queryset.values("pk")):
        plans = _frozen_references(instance)
        if plans:
            _refuse_referenced(instance, plans, renaming=True)


def register_decided_document(
    label: str, *, on_review: frozenset, when_approved: frozenset, message
) -> None:
    """Freeze a document the board decides (``BoardDecided``) as a plan is: on review
    and approved only ``on_review`` / ``when_approved`` fields may change, and it cannot
    be deleted. Its parts are registered with ``register_plan_part(..., document=label)``.
    Called from an ``AppConfig.ready()`` (``reports.freezing``)."""
    DECIDED_DOCUMENTS[label] = {"review": on_review, "approved": when_approved, "message": message}
    model = apps.get_model(label)
    pre_save.connect(guard_decided_save, sender=model, dispatch_uid=f"freeze-{label}-save")
    pre_delete.connect(guard_decided_delete, sender=model, dispatch_uid=f"freeze-{label}-delete")


def register_plan_part(
    label: str,
    status_lookup: str,
    *,
    parent: tuple[str, str] | None = None,
    document: str = "plans.Plan",
):
    """Freeze the records of model ``label`` with their plan: ``status_lookup`` leads from
    the model to its plan's status (``"budget__plan__status"``); ``parent``, for a model
    without its own ``plan`` field, is ``(foreign key, parent's label)``, by which a new
    record finds its plan. The parent is registered first. Connects the save and delete
    guards; the managers of ``TenantModel`` guard ``update()`` and ``bulk_create``.
    Called from an ``AppConfig.ready()`` (``budgets.freezing``)."""
    PLAN_STATUS_LOOKUPS[label] = status_lookup
    PART_DOCUMENTS[label] = document
    if parent is not None:
        PARENT_LOOKUPS[label] = parent
    model = apps.get_model(label)
    pre_save.connect(guard_part_save, sender=model, dispatch_uid=f"freeze-{label}-save")
    pre_delete.connect(guard_part_delete, sender=model, dispatch_uid=f"freeze-{label}-delete")


def connect() -> None:
    Plan = apps.get_model("plans", "Plan")
    pre_save.connect(guard_decided_save, sender=Plan, dispatch_uid="freeze-plan-save")
    pre_delete.connect(guard_decided_delete, sender=Plan, dispatch_uid="freeze-plan-delete")
    for label, lookup in list(PLAN_STATUS_LOOKUPS.items()):
        register_plan_part(label, lookup, parent=PARENT_LOOKUPS.get(label))
    for model, field in [
        (apps.get_model("plans", "PlanIntervention"), "municipalities"),
        (apps.get_model("plans", "MeasurementPoint"), "counted_interventions"),
    ]:
        through = model._meta.get_field(field).remote_field.through
        M2M_GUARDS[field] = m2m_guard(field)  # kept: signals hold weak references
        m2m_changed.connect(M2M_GUARDS[field], sender=through, dispatch_uid=f"freeze-{field}-m2m")
    for label in REFERENCED_MODELS:
        model = apps.get_model(label)
        pre_save.connect(guard_referenced_save, sender=model, dispatch_uid=f"frozen-ref-{label}")
        pre_delete.connect(
            guard_referenced_delete, sender=model, dispatch_uid=f"frozen-ref-del-{label}"
        )
    # ``MemberParty.objects.update()`` asks associations' hook (no signal for it).
    associations_freezing.on_update(refuse_referenced_update)
