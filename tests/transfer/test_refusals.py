"""What an import refuses, each with a message naming the problem, and nothing written."""

import hashlib
import io
import json
import zipfile

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django_scopes import scopes_disabled

from associations.models import Association, User
from tests.factories import UserFactory
from transfer import groups
from transfer.archive import MANIFEST, ArchiveError, archive_read
from transfer.exporting import association_export
from transfer.importing import ImportRefused, association_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported(association, members) -> bytes:
    return association_export(association=association).read()


def rebuilt(content: bytes, *, change=None, add=None, manifest=None) -> bytes:
    """``content`` with members changed (name -> bytes) or added, the manifest kept
    unless ``manifest`` (a function of it) changes it."""
    source = zipfile.ZipFile(io.BytesIO(content))
    members = {name: source.read(name) for name in source.namelist()}
    members.update(change or {})
    members.update(add or {})
    if manifest is not None:
        members[MANIFEST] = json.dumps(manifest(json.loads(members[MANIFEST]))).encode()
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target.getvalue()


def resealed(content: bytes, name: str, data: bytes) -> bytes:
    """``content`` with the member ``name`` replaced and the manifest's checksum of it
    made to match: an archive that passes the checks but holds something wrong."""

    def matching(manifest):
        manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        return manifest

    return rebuilt(content, change={name: data}, manifest=matching)


def counts() -> tuple[int, int]:
    with scopes_disabled():
        return Association.objects.count(), User.objects.count()


def refused_by_command(tmp_path, content: bytes, *args) -> str:
    path = tmp_path / "export.zip"
    path.write_bytes(content)
    before = counts()
    with pytest.raises(CommandError) as refused:
        call_command("import_forbund", str(path), *args)
    assert counts() == before
    return str(refused.value)


def test_every_model_holding_a_forbunds_rows_is_placed_or_excluded_with_a_reason():
    assert groups.unplaced_models() == []
    assert set(groups.EXCLUDED).isdisjoint(groups.owned_models())


def test_history_comes_after_its_model_and_every_model_after_what_it_names():
    order = groups.import_order()
    for label in order:
        model = apps.get_model(label)
        named = {
            f.related_model._meta.label
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model._meta.label in order
        }
        if groups.is_history(model):
            named.add(model.instance_type._meta.label)
        assert all(order.index(other) <= order.index(label) for other in named), label


def test_the_archive_holds_no_password_hash(exported, members):
    archive = archive_read(io.BytesIO(exported))
    people = [r for r in archive.json("data/association.json") if r["model"] == "associations.user"]
    assert {p["fields"]["email"] for p in people} >= {u.email for u in members.values()}
    assert all(set(p["fields"]) == {"username", "email", "first_name", "last_name"} for p in people)
    assert b"md5$" not in b"".join(archive.data.values())


def test_a_tampered_file_is_refused_and_nothing_written(tmp_path, exported):
    tampered = rebuilt(exported, change={"data/association.json": b"[]"})
    message = refused_by_command(tmp_path, tampered, "--slug", "ny")
    assert "data/association.json" in message and "checksum" in message


def test_a_member_the_manifest_does_not_list_is_refused(exported):
    with pytest.raises(ArchiveError, match="extra.txt"):
        archive_read(io.BytesIO(rebuilt(exported, add={"extra.txt": b"x"})))


def test_a_listed_member_that_is_missing_is_refused(exported):
    def listing_more(manifest):
        manifest["files"]["files/gone.pdf"] = {"sha256": "0" * 64, "size": 1}
        return manifest

    with pytest.raises(ArchiveError, match="files/gone.pdf"):
        archive_read(io.BytesIO(rebuilt(exported, manifest=listing_more)))


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/evil.txt", "files/../../evil.txt"])
def test_a_path_that_climbs_out_is_refused(tmp_path, exported, name):
    message = refused_by_command(tmp_path, rebuilt(exported, add={name: b"x"}), "--slug", "ny")
    assert "not allowed" in message


def test_an_archive_over_the_limits_is_refused(exported, settings):
    settings.TRANSFER_MAX_MEMBERS = 2
    with pytest.raises(ArchiveError, match="members"):
        archive_read(io.BytesIO(exported))
    settings.TRANSFER_MAX_MEMBERS = 1000
    settings.TRANSFER_MAX_MEMBER_BYTES = 100
    with pytest.raises(ArchiveError, match="larger than 100 bytes"):
        archive_read(io.BytesIO(exported))
    settings.TRANSFER_MAX_ARCHIVE_BYTES = 100
    with pytest.raises(ArchiveError, match="at most 100"):
        archive_read(io.BytesIO(exported))


def test_an_archive_of_a_newer_schema_is_refused(tmp_path, exported):
    def newer(manifest):
        manifest["schema_version"]["plans"] = "9999_from_the_future"
        return manifest

    message = refused_by_command(tmp_path, rebuilt(exported, manifest=newer), "--slug", "ny")
    assert "plans.9999_from_the_future" in message and "newer" in message


def test_a_taken_slug_is_refused(tmp_path, exported, association):
    message = refused_by_command(tmp_path, exported)
    assert association.slug in message and "--slug" in message


def test_a_slug_that_is_no_slug_is_refused(tmp_path, exported):
    assert "not a slug" in refused_by_command(tmp_path, exported, "--slug", "Nytt förbund/x")


def test_a_username_held_by_another_person_is_refused_and_nothing_written(
    tmp_path, exported, members
):
    kansli = members["kansli"]
    # The same username here belongs to someone else (another address).
    User.objects.filter(pk=kansli.pk).update(username="moved-away", email="moved@example.org")
    UserFactory(username=kansli.username, email="someone.else@example.org")
    message = refused_by_command(tmp_path, exported, "--slug", "ny")
    assert kansli.username in message


def test_the_command_imports_under_a_new_slug(tmp_path, exported, association, members):
    path = tmp_path / "export.zip"
    path.write_bytes(exported)
    out = io.StringIO()
    call_command("import_forbund", str(path), "--slug", "ny-kopia", stdout=out)
    assert "/f/ny-kopia/" in out.getvalue() and "New accounts" not in out.getvalue()
    with scopes_disabled():
        copy = Association.objects.get(slug="ny-kopia")
        roles = sorted(copy.memberships.values_list("user__username", "role"))
        assert roles == sorted(association.memberships.values_list("user__username", "role"))
    # The same people (matched by e-mail): no new account.
    assert User.objects.filter(username__in=[u.username for u in members.values()]).count() == 4


def test_new_people_get_accounts_without_a_usable_password(exported, members):
    archive = archive_read(io.BytesIO(exported))
    User.objects.filter(pk__in=[u.pk for u in members.values()]).delete()
    imported = association_import(archive=archive, slug="ny-kopia")
    assert sorted(imported.new_usernames) == sorted(u.username for u in members.values())
    with scopes_disabled():
        people = User.objects.filter(memberships__association=imported.association)
        assert people.count() == 4
        assert not any(person.has_usable_password() for person in people)


def test_an_import_error_midway_writes_nothing(exported, monkeypatch):
    from transfer import importing

    archive = archive_read(io.BytesIO(exported))
    written = importing._write_model

    def failing(model, records, archive, keys):
        if model._meta.label == "associations.Membership":
            raise ImportRefused("stop")
        return written(model, records, archive, keys)

    monkeypatch.setattr(importing, "_write_model", failing)
    before = counts()
    with pytest.raises(ImportRefused):
        association_import(archive=archive, slug="ny-kopia")
    assert counts() == before


def test_rows_of_a_model_unknown_here_are_refused(tmp_path, exported):
    rows = json.dumps([{"model": "nowhere.thing", "pk": 1, "fields": {}}]).encode()
    message = refused_by_command(
        tmp_path, resealed(exported, "data/plans.json", rows), "--slug", "ny"
    )
    assert "data/plans.json" in message


def test_a_row_that_cannot_be_written_is_refused_and_nothing_written(tmp_path, exported):
    archive = archive_read(io.BytesIO(exported))
    rows = archive.json("data/association.json")
    forbund = next(row for row in rows if row["model"] == "associations.association")
    forbund["fields"]["name"] = None  # a name is required
    content = resealed(exported, "data/association.json", json.dumps(rows).encode())
    message = refused_by_command(tmp_path, content, "--slug", "ny")
    assert "associations.Association" in message
