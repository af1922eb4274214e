"""Which models make up a förbund's data, in which JSON group of the archive, and in
which order they are written back.

A model is placed by introspection, not by a hand-kept list of every model: each model
with an ``association`` foreign key is one of the förbund's (history tables included),
and so is each table that joins two of them (the many-to-many tables, which carry no
``association`` of their own). ``GROUP_OF_APP`` says which group an app's models go to;
``EXCLUDED`` names, with the reason, the förbund's models that are deliberately left out.
``unplaced_models()`` lists any model this cannot place: ``tests/transfer`` fails on
one, so a new model is never left out of the archive without anyone deciding it.
"""

from django.apps import apps
from django.db import models

GROUPS = ("association", "plans", "budgets", "followup", "reports", "comments", "history")
GROUP_OF_APP = {
    "associations": "association",
    "plans": "plans",
    "budgets": "budgets",
    "followup": "followup",
    "reports": "reports",
}
# Models of the förbund's own group regardless of their app.
GROUP_OF_MODEL = {"plans.Comment": "comments"}

# The förbund's records that are not its data: state of this installation, secrets or
# records another installation must start afresh.
EXCLUDED = {
    "associations.Invitation": "pending invitations carry secret tokens for this installation",
    "associations.IdentityProvider": (
        "the single sign-on connection: a client secret registered for this installation's "
        "return address; set up again where the data is imported"
    ),
    "associations.FormSubmission": "one-time resubmission tokens of this installation",
    "associations.OutgoingMail": "the outbox: mails this installation sent or will send",
    "notifications.Notification": "who was told what here; the digest state of this installation",
    "audit.AuditEvent": "the Händelselogg is this installation's own, append-only record",
}

# Users are written as people (the association group's "users" list), never as rows.
USER_LABEL = "associations.User"


def _has_association_fk(model) -> bool:
    return any(
        field.name == "association" and field.is_relation for field in model._meta.concrete_fields
    )


def is_history(model) -> bool:
    return getattr(model, "instance_type", None) is not None and model.__name__.startswith(
        "Historical"
    )


def _join_table_of(model, owned: set) -> bool:
    """A table of only foreign keys (and its pk) between models the förbund owns."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    return bool(fields) and all(
        f.is_relation and f.related_model._meta.label in owned for f in fields
    )


def owned_models() -> dict[str, str]:
    """Model label -> group, for every model of the förbund's data."""
    placed = {}
    for model in apps.get_models():
        label = model._meta.label
        if label in EXCLUDED or not _has_association_fk(model):
            continue
        if is_history(model):
            placed[label] = "history"
        elif model._meta.app_label in GROUP_OF_APP:
            placed[label] = GROUP_OF_MODEL.get(label, GROUP_OF_APP[model._meta.app_label])
    placed["associations.Association"] = "association"
    owned = set(placed)
    for model in apps.get_models():
        label = model._meta.label
        if label not in placed and label not in EXCLUDED and _join_table_of(model, owned):
            placed[label] = placed[model._meta.concrete_fields[1].related_model._meta.label]
    return placed


def unplaced_models() -> list[str]:
    """Models that hold a förbund's rows (an ``association`` key, or a key to a model the
    förbund owns) that are neither placed in a group nor excluded with a reason."""
    placed = owned_models()
    found = []
    for model in apps.get_models():
        label = model._meta.label
        if label in placed or label in EXCLUDED or label == USER_LABEL:
            continue
        if _has_association_fk(model) or any(
            f.is_relation and f.related_model._meta.label in placed and label != USER_LABEL
            for f in model._meta.concrete_fields
            if f.related_model is not None and f.related_model._meta.label != USER_LABEL
        ):
            found.append(label)
    return found


def import_order() -> list[str]:
    """The owned models, each after every model it points to and a history table after
    its model (a model's keys to itself, e.g. a plan's ``superseded_by``, are set once
    all its rows exist)."""
    placed = owned_models()
    depends = {
        label: {
            f.related_model._meta.label
            for f in apps.get_model(label)._meta.concrete_fields
            if f.is_relation
            and f.related_model._meta.label in placed
            and f.related_model._meta.label != label
        }
        for label in placed
    }
    for label in placed:
        model = apps.get_model(label)
        if is_history(model):
            # Its copy of the record's id is a plain integer, not a key: name the record's
            # model, so the id is mapped once the records are written.
            depends[label].add(model.instance_type._meta.label)
    order, done = [], set()
    while len(order) < len(placed):
        ready = sorted(label for label in placed if label not in done and depends[label] <= done)
        if not ready:
            raise RuntimeError(f"A cycle among {sorted(set(placed) - done)}")
        order += ready
        done.update(ready)
    return order


def binary_fields(model) -> list[models.Field]:
    """The fields whose bytes go to ``files/`` rather than into the JSON."""
    return [f for f in model._meta.concrete_fields if isinstance(f, models.BinaryField)]
