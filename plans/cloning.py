"""Copying records for a revision or next year's plan: one helper for plans and budgets.

Every concrete field is copied, whatever the model has (a field added later is
carried without touching this code); only the primary key is left for the
database and the fields the caller names are replaced.
"""

from simple_history.utils import bulk_create_with_history


def clone(instances, **changes_by_attr) -> list:
    """Unsaved copies of ``instances``: every concrete field but the pk, then the named
    attributes replaced (a callable gets the original record). A ``version`` starts at 1."""
    copies = []
    for instance in instances:
        copy = type(instance)(
            **{
                field.attname: getattr(instance, field.attname)
                for field in instance._meta.concrete_fields
                if not field.primary_key
            }
        )
        for attr, value in changes_by_attr.items():
            setattr(copy, attr, value(instance) if callable(value) else value)
        if hasattr(copy, "version"):
            copy.version = 1
        copies.append(copy)
    return copies


def create_all(model, objects, acting_user) -> list:
    """``bulk_create`` that also writes the new records' history (plain bulk_create does not)."""
    objects = list(objects)
    if not objects:
        return []
    return bulk_create_with_history(objects, model, default_user=acting_user)
