"""Gather a förbund's rows into an archive (``archive.ArchiveWriter``).

Rows are written with Django's serializers (format "json"), a JSON file per group in
the order ``groups.import_order`` gives; the bytes of binary fields (the archived PDFs,
the logo, an uploaded SIE file) go to ``files/`` and the row names the file. The people
behind the rows are written as users with their names and addresses only: never a
password hash or a platform role.
"""

import tempfile

from django.apps import apps
from django.core import serializers
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django_scopes import scopes_disabled

from associations.models import Association

from . import groups
from .archive import ArchiveWriter

USER_FIELDS = ("username", "email", "first_name", "last_name")
# Kept in memory up to this size, then on disk: an export is bounded by disk, not memory.
SPOOL_BYTES = 16 * 1024 * 1024
MAGIC_EXTENSIONS = {b"%PDF": "pdf", b"\x89PNG": "png", b"\xff\xd8\xff": "jpg", b"<svg": "svg"}


def schema_version() -> dict[str, str]:
    """The latest applied migration of every app whose rows an archive holds."""
    app_labels = {label.split(".")[0] for label in groups.owned_models()}
    latest = {}
    for app_label, name in MigrationRecorder.Migration.objects.filter(
        app__in=app_labels
    ).values_list("app", "name"):
        latest[app_label] = max(name, latest.get(app_label, ""))
    return latest


def rows_of(model, association: Association):
    """The förbund's rows of ``model``, in primary key order."""
    manager = model._base_manager
    if model is Association:
        rows = manager.filter(pk=association.pk)
    elif any(f.name == "association" for f in model._meta.concrete_fields):
        rows = manager.filter(association=association)
    else:  # a join table: through its first key
        first = next(f for f in model._meta.concrete_fields if f.is_relation)
        rows = manager.filter(**{f"{first.name}__association": association})
    return rows.order_by("pk")


def file_name(model, pk, content: bytes) -> str:
    extension = next(
        (ext for magic, ext in MAGIC_EXTENSIONS.items() if content.startswith(magic)), "bin"
    )
    return f"files/{model._meta.label_lower}/{pk}.{extension}"


def _serialized(model, association: Association, writer: ArchiveWriter, users: set) -> list:
    binary = groups.binary_fields(model)
    user_fields = [
        f.attname
        for f in model._meta.concrete_fields
        if f.is_relation and f.related_model._meta.label == groups.USER_LABEL
    ]
    serialized = []
    for row in rows_of(model, association).iterator(chunk_size=200):
        (record,) = serializers.serialize("python", [row])
        for binary_field in binary:
            content = bytes(getattr(row, binary_field.attname))
            name = file_name(model, row.pk, content)
            writer.add(name, content)
            record["fields"][binary_field.name] = name
        users.update(getattr(row, attname) for attname in user_fields)
        serialized.append(record)
    return serialized


def association_export(*, association: Association):
    """The archive of the förbund's whole data, in a temporary file positioned at its
    start (in memory while small). Writes nothing to the database."""
    target = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (returned open)
    writer = ArchiveWriter(target)
    placed = groups.owned_models()
    by_group = {group: [] for group in groups.GROUPS}
    users: set = set()
    with scopes_disabled():
        for label in groups.import_order():
            model = apps.get_model(label)
            by_group[placed[label]] += _serialized(model, association, writer, users)
        User = apps.get_model(groups.USER_LABEL)
        people = User.objects.filter(pk__in=users - {None}).order_by("pk")
        by_group["association"] = (
            serializers.serialize("python", people, fields=USER_FIELDS) + (by_group["association"])
        )
    for group, records in by_group.items():
        writer.add_json(f"data/{group}.json", records)
    writer.close(
        {
            "schema_version": schema_version(),
            "association": {"slug": association.slug, "name": association.name},
            "exported_at": timezone.now().isoformat(),
        }
    )
    target.seek(0)
    return target
