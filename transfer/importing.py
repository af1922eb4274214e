"""Write an archive (``archive.Archive``) into this installation as a new förbund.

All or nothing: one transaction; any refusal raises ``ImportRefused`` (or the
``ArchiveError`` of reading) and nothing is written. Every row gets a new primary key
and every key to it is rewritten through the map, so the same archive can be imported
into the installation it came from under a new slug.

Rows are written as ``loaddata`` writes them (Django's ``DeserializedObject.save``,
a *raw* save): the values exactly as exported, no history recorded for the write
itself (the archive's history tables are imported instead), and the freezing guards
let a raw save through, as they do for ``loaddata``, so approved plans and their
archived PDFs are created as they were. No guard is changed for it.

People are matched by e-mail address, case-insensitively: an existing account is
reused; a new one gets an unusable password (the person sets one through "forgot
password"). A username already taken by someone with another address is refused.
"""

import itertools
from dataclasses import dataclass, field

from django.apps import apps
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.serializers.base import DeserializationError
from django.core.validators import validate_slug
from django.db import DatabaseError, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from associations.models import Association
from audit.models import Kind
from audit.records import event_record

from . import groups
from .archive import Archive


class ImportRefused(Exception):
    """The archive cannot be imported here; the message says why."""


@dataclass
class PrimaryKeyMap:
    """Label -> {old pk: new pk}; for a record deleted before the export, which only
    history rows name, a negative stand-in, so that it cannot name a row of another
    förbund and its history rows still name it alike."""

    by_label: dict = field(default_factory=dict)
    stand_ins: itertools.count = field(default_factory=lambda: itertools.count(-1, -1))

    def of(self, label: str) -> dict:
        return self.by_label.setdefault(label, {})

    def stand_in(self, label: str, old):
        """The new pk of ``label`` ``old``; for a record no longer there (named only by
        history rows), one negative stand-in, the same wherever it is named."""
        mapped = self.of(label)
        if old not in mapped:
            mapped[old] = next(self.stand_ins)
        return mapped[old]


def newer_migrations(archive_schema: dict) -> list[str]:
    """``app.migration`` of the archive that this installation has not applied."""
    applied = set(MigrationRecorder.Migration.objects.values_list("app", "name"))
    return sorted(
        f"{app}.{name}" for app, name in archive_schema.items() if (app, name) not in applied
    )


def _record_import(association: Association, archive: Archive) -> None:
    """The import is the first event in the new förbund's Händelselogg."""
    source = archive.manifest.get("association") or {}
    exported = str(archive.manifest.get("exported_at") or "")[:10]
    event_record(
        association_ids=[association.pk],
        kind=Kind.IMPORTED,
        actor_label="manage.py import_forbund",
        summary=lambda: (
            _("All data imported from an archive of /f/%(slug)s/ exported %(date)s")
            % {"slug": source.get("slug", "?"), "date": exported or "?"}
        ),
    )


def _check_schema(archive: Archive) -> None:
    newer = newer_migrations(archive.manifest.get("schema_version") or {})
    if newer:
        raise ImportRefused(
            f"The archive comes from a newer version of the application (migration "
            f"{', '.join(newer)} is not applied here). Upgrade this installation first."
        )


def _records(archive: Archive) -> dict[str, list]:
    """Label -> the archive's records of it, in primary key order."""
    by_label: dict[str, list] = {}
    for group in groups.GROUPS:
        name = f"data/{group}.json"
        if name not in archive.data:
            raise ImportRefused(f"The archive has no {name}.")
        try:
            for record in archive.json(name):
                label = apps.get_model(record["model"])._meta.label
                by_label.setdefault(label, []).append(record)
            for records in by_label.values():
                records.sort(key=lambda record: record["pk"])
        except (ValueError, TypeError, KeyError, LookupError) as error:
            raise ImportRefused(f"The file {name} cannot be read: {error!r}.") from None
    return by_label


def _users(records: list, keys: PrimaryKeyMap) -> list[str]:
    """Match or create the archive's people; refuse a username held by someone else.
    Returns the usernames of the accounts created."""
    User = apps.get_model(groups.USER_LABEL)
    mapped = keys.of(groups.USER_LABEL)
    created = []
    for record in records:
        person = record["fields"]
        email = person.get("email") or ""
        found = User.objects.filter(email__iexact=email).first() if email else None
        if found is None:
            if User.objects.filter(username=person["username"]).exists():
                raise ImportRefused(
                    f"The username {person['username']} is already taken here by a person "
                    f"with another e-mail address than {email or 'none'}."
                )
            found = User(
                **{
                    name: person.get(name, "")
                    for name in ("username", "email", "first_name", "last_name")
                }
            )
            found.set_unusable_password()
            found.save()
            created.append(found.username)
        mapped[record["pk"]] = found.pk
    return created


def _target(field_, keys: PrimaryKeyMap):
    return keys.of(field_.related_model._meta.label)


def _remapped(model, record: dict, keys: PrimaryKeyMap, pending: list) -> dict:
    """The record with a new pk (to be given) and every key rewritten; a key to a row of
    its own model not written yet is left empty and noted in ``pending``."""
    history = groups.is_history(model)
    fields = dict(record["fields"])
    for field_ in model._meta.concrete_fields:
        old = fields.get(field_.name)
        if old is None:
            continue
        if history and field_.name == model.instance_type._meta.pk.name:
            # The historical copy of the record's own pk.
            fields[field_.name] = keys.stand_in(model.instance_type._meta.label, old)
        elif field_.is_relation:
            mapped = _target(field_, keys)
            if old in mapped:
                fields[field_.name] = mapped[old]
            elif field_.related_model is model:
                fields[field_.name] = None
                pending.append((record["pk"], field_, old))
            elif history:
                # A record deleted before the export: the stand-in its own history has.
                fields[field_.name] = keys.stand_in(field_.related_model._meta.label, old)
            else:
                raise ImportRefused(
                    f"A {model._meta.label} row of the archive names "
                    f"{field_.related_model._meta.label} {old}, which the archive does not hold."
                )
    return {"model": record["model"], "pk": None, "fields": fields}


def _saved(model, old_pk, remapped: dict, files: dict, archive: Archive):
    """Write one row as ``loaddata`` would (a raw save); its new pk."""
    try:
        (obj,) = serializers.deserialize("python", [remapped])
        for attname, name in files.items():
            if name not in archive.names:
                raise ImportRefused(f"The archive has no {name}.")
            setattr(obj.object, attname, archive.file(name))
        obj.save()
    except (DeserializationError, DatabaseError, ValidationError, ValueError, TypeError) as error:
        raise ImportRefused(
            f"The {model._meta.label} row {old_pk} of the archive cannot be written: {error}"
        ) from None
    return obj.object.pk


def _write_model(model, records: list, archive: Archive, keys: PrimaryKeyMap) -> None:
    mapped = keys.of(model._meta.label)
    binary = groups.binary_fields(model)
    pending: list = []
    for record in records:
        files = {f.attname: record["fields"][f.name] for f in binary}
        remapped = _remapped(model, record, keys, pending)
        for f in binary:
            remapped["fields"][f.name] = None
        mapped[record["pk"]] = _saved(model, record["pk"], remapped, files, archive)
    for old_pk, field_, old_target in pending:
        if old_target not in mapped:
            raise ImportRefused(
                f"A {model._meta.label} row of the archive names {old_target}, "
                "which the archive does not hold."
            )
        # The plain manager, as a raw save would write it: the row was just created
        # with this key empty only because its target came later.
        model._base_manager.filter(pk=mapped[old_pk]).update(**{field_.attname: mapped[old_target]})


@dataclass(frozen=True)
class Imported:
    """The förbund an import created, and the accounts it created (with no usable
    password: they set one through "forgot password")."""

    association: Association
    new_usernames: list[str]


@transaction.atomic
def association_import(*, archive: Archive, slug: str | None = None) -> Imported:
    """Create the archive's förbund here, under ``slug`` (or the exported one). Refuses
    (``ImportRefused``, nothing written) a newer schema, a taken slug or username."""
    _check_schema(archive)
    slug = slug or (archive.manifest.get("association") or {}).get("slug")
    if not slug:
        raise ImportRefused("The manifest names no slug: give one with --slug.")
    try:
        validate_slug(slug)
    except ValidationError:
        raise ImportRefused(
            f"{slug!r} is not a slug: use letters, digits, hyphens and underscores."
        ) from None
    records = _records(archive)
    if Association.objects.filter(slug=slug).exists():
        raise ImportRefused(
            f"A förbund with the slug {slug} exists already here. Choose another with --slug."
        )
    keys = PrimaryKeyMap()
    with scopes_disabled():
        new_usernames = _users(records.pop(groups.USER_LABEL, []), keys)
        for record in records.get("associations.Association", []):
            record["fields"]["slug"] = slug
        unknown = sorted(set(records) - set(groups.owned_models()))
        if unknown:
            raise ImportRefused(f"The archive holds rows of {unknown[0]}, unknown here.")
        for label in groups.import_order():
            _write_model(apps.get_model(label), records.get(label, []), archive, keys)
        association_pk = keys.of("associations.Association")
        if len(association_pk) != 1:
            raise ImportRefused("The archive does not hold exactly one förbund.")
        association = Association.objects.get(pk=next(iter(association_pk.values())))
    _record_import(association, archive)
    return Imported(association=association, new_usernames=new_usernames)
