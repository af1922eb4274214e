"""A content hash per förbund: did a backup and its restore bring every row back?

For each förbund, every row of every model that belongs to it (the model has a foreign
key ``association``, or a chain of non-nullable foreign keys that ends at one: a budget
amount through its line, group, budget and plan), table by table in label order and row
by row in primary-key order, every concrete column's value written out the same way
each time. Primary keys are included: a restore of ``pg_dump`` or ``loaddata`` keeps
them, so a row that came back under another id is a difference.

Cross-tenant by nature: reads run with the tenant scope disabled, through each model's
plain base manager."""

import datetime
import decimal
import hashlib
import json
import uuid
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django_scopes import scopes_disabled

MAX_DEPTH = 6


def _association_model():
    return apps.get_model("associations", "Association")


def association_paths() -> dict[str, str]:
    """Model label -> the lookup from that model to its förbund (``association``,
    ``plan__association``, …), for every model whose rows belong to one förbund.

    Direct ``association`` keys first; then, in rounds, a model whose non-nullable
    foreign key leads to a model already placed. The shortest chain wins."""
    association = _association_model()
    paths: dict[models.Model, str] = {}
    candidates = [m for m in apps.get_models() if m is not association]
    for model in candidates:
        field = next(
            (
                f
                for f in model._meta.concrete_fields
                if f.name == "association" and f.is_relation and f.related_model is association
            ),
            None,
        )
        if field is not None:
            paths[model] = "association"
    for _round in range(MAX_DEPTH):
        added = {}
        for model in candidates:
            if model in paths:
                continue
            for f in sorted(model._meta.concrete_fields, key=lambda f: f.name):
                if f.many_to_one and not f.null and f.related_model in paths:
                    added[model] = f"{f.name}__{paths[f.related_model]}"
                    break
        if not added:
            break
        paths.update(added)
    return {model._meta.label: path for model, path in paths.items()}


def _plain(value):
    """A column's value as JSON the same way every time, whatever the database."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    return value


def _default(value):
    plain = _plain(value)
    if plain is value:
        raise TypeError(f"cannot hash a {type(value).__name__}")
    return plain


@dataclass(frozen=True)
class ForbundHash:
    slug: str
    rows: int
    digest: str


def _table_rows(model, path: str | None, association) -> list:
    attnames = [f.attname for f in model._meta.concrete_fields]
    lookup = {path: association} if path else {"pk": association.pk}
    queryset = model._base_manager.filter(**lookup)
    return list(queryset.order_by("pk").values_list(*attnames))


def table_digests(association, paths: dict[str, str] | None = None) -> dict[str, tuple[int, str]]:
    """Model label -> (rows, digest) of one förbund's rows in that table (its own row
    under ``associations.Association``): where two hashes differ, the table that does."""
    paths = association_paths() if paths is None else paths
    found = {}
    with scopes_disabled():
        for label, path in [(association._meta.label, None), *sorted(paths.items())]:
            rows = _table_rows(apps.get_model(label), path, association)
            digest = hashlib.sha256(label.encode())
            for row in rows:
                digest.update(json.dumps(row, default=_default, sort_keys=True).encode())
                digest.update(b"\n")
            found[label] = (len(rows), digest.hexdigest())
    return found


def association_content_hash(association, paths: dict[str, str] | None = None) -> ForbundHash:
    """The hash of one förbund's rows (its own row included) and how many rows it took."""
    tables = table_digests(association, paths)
    digest = hashlib.sha256()
    for label, (_rows, table_digest) in tables.items():
        digest.update(f"{label} {table_digest}\n".encode())
    return ForbundHash(
        slug=association.slug,
        rows=sum(rows for rows, _digest in tables.values()),
        digest=digest.hexdigest(),
    )


def content_hashes() -> dict[str, ForbundHash]:
    """Slug -> hash, for every förbund in the database."""
    paths = association_paths()
    with scopes_disabled():
        forbund = list(_association_model()._base_manager.order_by("pk"))
    return {a.slug: association_content_hash(a, paths) for a in forbund}
