"""The Händelselogg is append-only, proved from the model and its managers rather than a
hand list: every method Django marks as writing (``alters_data``) on the model and on
its queryset is tried on an event, every field through ``save()``, every relation of
the model is looked at, and the rows it points to are deleted. Each attempt must be
refused or leave the event as it was; the one removal path is ``audit.retention``
(``test_retention.py``), and no other application code steps past the refusal.
"""

import ast
import datetime

import pytest
from asgiref.sync import async_to_sync
from django.contrib import admin
from django.db import IntegrityError, connection, models, transaction
from django_scopes import scope, scopes_disabled

from audit.models import AppendOnlyError, AuditEvent, Kind
from tests.conftest import login_verified
from tests.factories import AssociationFactory, MembershipFactory, UserFactory
from tests.test_layers import LAYERS, ROOT

# What inserting a new event is: appending, allowed.
INSERTS = {"create", "acreate", "bulk_create", "abulk_create", "_insert", "get_or_create"}
INSERTS |= {"aget_or_create"}

ROW = ("association_id", "created_at", "kind", "actor_id", "actor_label", "address", "summary")
ROW += ("target",)


def snapshot(pk):
    with scopes_disabled():
        return AuditEvent.objects.filter(pk=pk).values_list(*ROW).get()


@pytest.fixture
def event(association):
    user = UserFactory(username="eva")
    with scope(association=association):
        MembershipFactory(association=association, user=user, role="kansli")
        return AuditEvent.objects.create(
            association=association,
            kind=Kind.EXPORT,
            actor=user,
            actor_label="eva",
            address="10.0.0.1",
            summary="Laddade ner budget.xlsx",
            target="/f/forbund-a/budgets/",
        )


def refused_or_unchanged(event, attempt):
    before = snapshot(event.pk)
    try:
        with transaction.atomic():
            attempt()
    except (AppendOnlyError, IntegrityError):
        pass
    assert snapshot(event.pk) == before


def queryset_methods_that_write():
    return sorted(
        name
        for name in dir(models.QuerySet)
        if getattr(getattr(models.QuerySet, name), "alters_data", False) and name not in INSERTS
    )


def value_for(field, event):
    if field.is_relation:
        return None
    if isinstance(field, models.DateTimeField):
        return event.created_at - datetime.timedelta(days=400)
    return "changed"


def queryset_call(name, event):
    """A call of queryset method ``name`` that would change or remove ``event``, on the
    manager as the active scope (or its absence) gives it."""
    rows = AuditEvent.objects.filter(pk=event.pk)
    arguments = {
        "update": lambda: rows.update(summary="changed"),
        "aupdate": lambda: async_to_sync(rows.aupdate)(summary="changed"),
        "_update": lambda: rows._update({AuditEvent._meta.get_field("summary"): "changed"}),
        "delete": rows.delete,
        "adelete": lambda: async_to_sync(rows.adelete)(),
        "_raw_delete": lambda: rows._raw_delete(rows.db),
        "bulk_update": lambda: rows.bulk_update([changed(event)], ["summary"]),
        "abulk_update": lambda: async_to_sync(rows.abulk_update)([changed(event)], ["summary"]),
        "update_or_create": lambda: rows.update_or_create(
            pk=event.pk, defaults={"summary": "changed"}
        ),
        "aupdate_or_create": lambda: async_to_sync(rows.aupdate_or_create)(
            pk=event.pk, defaults={"summary": "changed"}
        ),
    }
    return arguments[name]


def changed(event):
    with scopes_disabled():
        copy = AuditEvent.objects.get(pk=event.pk)
    copy.summary = "changed"
    return copy


def test_every_writing_method_of_the_queryset_is_tried():
    """A method Django adds later fails here until it has an attempt in ``queryset_call``."""
    assert queryset_methods_that_write() == sorted(
        ["_raw_delete", "_update", "abulk_update", "adelete", "aupdate", "aupdate_or_create"]
        + ["bulk_update", "delete", "update", "update_or_create"]
    )


@pytest.mark.parametrize("name", queryset_methods_that_write())
def test_no_queryset_method_changes_or_removes_an_event(event, name):
    with scopes_disabled():
        refused_or_unchanged(event, queryset_call(name, event))


@pytest.mark.parametrize("name", queryset_methods_that_write())
def test_the_scoped_manager_refuses_as_well(event, name, association):
    with scope(association=association):
        refused_or_unchanged(event, queryset_call(name, event))


def test_every_field_changed_through_save_is_refused(event):
    for field in AuditEvent._meta.concrete_fields:
        if field.primary_key:
            continue

        def attempt(field=field):
            copy = changed(event)
            setattr(copy, field.attname, value_for(field, event))
            copy.save()

        refused_or_unchanged(event, attempt)


@pytest.mark.parametrize(
    "kwargs", [{}, {"update_fields": ["summary"]}, {"force_update": True}, {"force_insert": True}]
)
def test_save_and_save_base_of_a_stored_event_are_refused(event, kwargs):
    refused_or_unchanged(event, lambda: changed(event).save(**kwargs))
    refused_or_unchanged(event, lambda: changed(event).save_base(**kwargs))
    refused_or_unchanged(event, lambda: async_to_sync(changed(event).asave)(**kwargs))


def test_a_new_event_with_a_stored_events_id_does_not_overwrite_it(event):
    def attempt():
        AuditEvent(pk=event.pk, kind=Kind.LOGIN, summary="over").save()

    refused_or_unchanged(event, attempt)


def test_delete_of_an_event_is_refused(event):
    refused_or_unchanged(event, lambda: changed(event).delete())
    refused_or_unchanged(event, lambda: async_to_sync(changed(event).adelete)())


def test_every_write_method_of_the_model_is_guarded():
    writing = {
        name
        for name in dir(AuditEvent)
        if getattr(getattr(AuditEvent, name, None), "alters_data", False)
    }
    assert writing == {"save", "asave", "save_base", "delete", "adelete"}
    for name in ("save", "save_base", "delete"):
        assert name in AuditEvent.__dict__, f"AuditEvent.{name} is Django's own, not guarded"


def test_no_relation_reaches_events_from_another_model():
    """No reverse accessor (``user.audit_events``) and so no related manager's ``add``,
    ``remove``, ``clear`` or ``set``; no model points at an event."""
    relations = [field for field in AuditEvent._meta.get_fields() if field.is_relation]
    assert {field.name for field in relations} == {"association", "actor"}
    for field in relations:
        assert field.concrete and field.many_to_one
        assert field.remote_field.hidden, f"{field.name} has a reverse accessor"
        assert field.remote_field.on_delete is models.SET_NULL


def test_deleting_the_user_keeps_the_event_and_their_name(event):
    before = snapshot(event.pk)
    with scopes_disabled():
        event.actor.delete()
    after = snapshot(event.pk)
    assert after[ROW.index("actor_id")] is None
    assert after[ROW.index("actor_label")] == "eva"
    unchanged = [i for i, name in enumerate(ROW) if name != "actor_id"]
    assert [after[i] for i in unchanged] == [before[i] for i in unchanged]


def test_deleting_the_forbund_keeps_its_events_for_the_platform_administrator(event):
    with scopes_disabled():
        AssociationFactory(slug="annat")  # not the last förbund
        event.association.delete()
    after = snapshot(event.pk)
    assert after[ROW.index("association_id")] is None
    assert after[ROW.index("summary")] == "Laddade ner budget.xlsx"


def test_the_platform_administrator_reads_every_forbunds_events(client, event, other_association):
    with scope(association=other_association):
        AuditEvent.objects.create(association=other_association, kind=Kind.LOGIN, summary="B")
    AuditEvent.objects.create(association=None, kind=Kind.LOGIN_FAILED, summary="okänd")
    login_verified(client, UserFactory(is_staff=True, is_superuser=True))
    changelist = client.get("/admin/audit/auditevent/")
    assert changelist.status_code == 200
    html = changelist.content.decode()
    assert "Laddade ner budget.xlsx" in html and "okänd" in html and ">B<" in html
    assert client.get(f"/admin/audit/auditevent/{event.pk}/change/").status_code == 200
    assert client.get("/admin/audit/auditevent/add/").status_code == 403


def test_the_admin_adds_changes_and_deletes_nothing(rf, event):
    model_admin = admin.site._registry[AuditEvent]
    request = rf.get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)


def test_only_the_retention_steps_past_the_refusal():
    """No application module but ``audit.retention`` builds a plain queryset of events or
    calls the private write steps."""
    found = []
    for app in LAYERS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            source = path.read_text(encoding="utf-8")
            if "migrations" in relative.parts or "AuditEvent" not in source:
                continue
            for node in ast.walk(ast.parse(source)):
                name = getattr(node, "attr", None)
                if name in {"_raw_delete", "_update", "QuerySet"}:
                    found.append(relative.as_posix())
    assert sorted(set(found)) == ["audit/models.py", "audit/retention.py"]


def test_the_database_refuses_an_update_too(event):
    """Under the model's guard, the table's own: raw SQL cannot change an event, but
    emptying a foreign key (``SET_NULL``) is allowed."""
    table = AuditEvent._meta.db_table
    for sql in [
        f"UPDATE {table} SET summary = 'changed' WHERE id = %s",
        f"UPDATE {table} SET actor_label = 'someone' WHERE id = %s",
        f"UPDATE {table} SET actor_id = actor_id + 1 WHERE id = %s",
    ]:
        refused_or_unchanged(event, lambda sql=sql: raw(sql, event.pk))
    with pytest.raises(IntegrityError), transaction.atomic():
        raw(f"UPDATE {table} SET kind = 'login' WHERE id = %s", event.pk)
    raw(f"UPDATE {table} SET actor_id = NULL WHERE id = %s", event.pk)
    assert snapshot(event.pk)[ROW.index("actor_id")] is None


def raw(sql, pk):
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
