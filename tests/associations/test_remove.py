"""Removing a förbund (``services.association_remove`` and the admin's "Remove the
förbund"): only once exported, only with its short address typed, everything of it goes
and nothing of another, its members who are members nowhere else are deactivated and
cleared, its Händelselogg stays."""

import pytest
from django.apps import apps
from django.contrib.admin.models import DELETION, LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from associations import services
from associations.models import Association, Membership, User
from audit.models import AuditEvent
from audit.models import Kind as AuditKind
from finsam.content_hash import association_paths, content_hashes
from plans.models import Plan
from tests.conftest import login_verified
from tests.factories import UserFactory

SLUG = "samspelet"


def forbund(slug=SLUG) -> Association:
    with scopes_disabled():
        return Association.objects.get(slug=slug)


def exported(association: Association) -> Association:
    services.association_export_recorded(association=association)
    return association


def rows_of(association_pk: int) -> dict[str, int]:
    """Rows per model that belong to the förbund with that pk (by key, so also after)."""
    found = {}
    with scopes_disabled():
        for label, path in association_paths().items():
            model = apps.get_model(label)
            found[label] = model._base_manager.filter(**{f"{path}_id": association_pk}).count()
    return found


def all_rows() -> dict[str, int]:
    with scopes_disabled():
        return {m._meta.label: m._base_manager.count() for m in apps.get_models()}


@pytest.fixture
def platform_admin(db):
    return User.objects.create_superuser("plattform", "plattform@example.se", "x")


def test_refused_until_exported(demo_data, platform_admin):
    association = forbund()
    with pytest.raises(ValidationError) as refused:
        services.association_remove(
            association=association, acting_user=platform_admin, confirmation=SLUG
        )
    assert refused.value.code == "not_exported"
    assert forbund().pk == association.pk


def test_refused_with_a_wrong_confirmation(demo_data, platform_admin):
    association = exported(forbund())
    for typed in ["", "Samspelet", "insjoriket", association.name]:
        with pytest.raises(ValidationError) as refused:
            services.association_remove(
                association=association, acting_user=platform_admin, confirmation=typed
            )
        assert refused.value.code == "confirmation"
    assert forbund().pk == association.pk


def test_everything_of_it_goes_and_nothing_of_another(demo_data, platform_admin):
    association = exported(forbund())
    with scopes_disabled():
        assert Plan.objects.filter(association=association, status="approved").exists()
        events = AuditEvent.objects.filter(association=association).count()
        events_all = AuditEvent.objects.count()
    before_rows, before_all = rows_of(association.pk), all_rows()
    others = {slug: h for slug, h in content_hashes().items() if slug != SLUG}
    assert sum(before_rows.values()) > 500

    removal = services.association_remove(
        association=association, acting_user=platform_admin, confirmation=SLUG
    )

    after_rows = rows_of(association.pk)
    assert {label: n for label, n in after_rows.items() if n} == {}
    assert content_hashes() == others  # every other förbund row for row as it was
    after_all = all_rows()
    # What went is its rows (Händelselogg events stay, unlinked) and nothing more.
    for label, count in before_all.items():
        expected = count - before_rows.get(label, 0)
        if label == "audit.AuditEvent":
            expected = count + 1  # the removal itself
        elif label == "associations.Association":
            expected = count - 1
        assert after_all[label] == expected, label
    with scopes_disabled():
        assert AuditEvent.objects.count() == events_all + 1
        assert AuditEvent.objects.filter(association__isnull=True).count() >= events
        [removed] = AuditEvent.objects.filter(kind=AuditKind.FORBUND_REMOVED)
    assert (removed.association_id, removed.actor, removed.target) == (None, platform_admin, SLUG)
    assert "Samspelet" in removed.summary
    assert removal.name == "Samordningsförbundet Samspelet" or SLUG in removal.name.lower()
    assert sum(removal.deleted.values()) >= sum(before_rows.values()) - events


def test_users_only_in_it_are_deactivated_and_cleared_the_others_untouched(
    demo_data, platform_admin, client
):
    association = exported(forbund())
    other = forbund("insjoriket")
    with scopes_disabled():
        only_here = UserFactory(username="bara-har", email="bara@example.se")
        Membership.objects.create(association=association, user=only_here, role="styrelse")
        both = UserFactory(username="bada", email="bada@example.se", first_name="Båda")
        Membership.objects.create(association=association, user=both, role="kansli")
        Membership.objects.create(association=other, user=both, role="revisor")
        staff = UserFactory(username="personal", is_staff=True)
        Membership.objects.create(association=association, user=staff, role="kansli")
        nowhere = UserFactory(username="ingenstans")  # never a member: not this removal's
        members = set(
            Membership.objects.filter(association=association).values_list("user_id", flat=True)
        )
        elsewhere = set(
            Membership.objects.exclude(association=association).values_list("user_id", flat=True)
        )
    expected = members - elsewhere - {staff.pk}
    client.force_login(only_here)  # a session that was open when the förbund went
    assert services.association_removal_leaves_without_membership(association=association) == len(
        expected
    )

    removal = services.association_remove(
        association=association, acting_user=platform_admin, confirmation=SLUG
    )

    assert set(removal.deactivated) == expected
    for user in User.objects.filter(pk__in=expected):
        assert not user.is_active
        assert (user.first_name, user.last_name, user.email) == ("", "", "")
        assert user.username == f"removed-{user.pk}"
        assert not user.has_usable_password()
    assert not client.get(reverse("home")).wsgi_request.user.is_authenticated
    both.refresh_from_db()
    assert (both.is_active, both.username, both.first_name, both.email) == (
        True,
        "bada",
        "Båda",
        "bada@example.se",
    )
    for untouched in (staff, nowhere, platform_admin):
        fresh = User.objects.get(pk=untouched.pk)
        assert fresh.is_active and fresh.username == untouched.username


# The admin's "Remove the förbund" ---------------------------------------------------


def remove_url(association) -> str:
    return reverse("admin:associations_association_remove", args=[association.pk])


def test_the_admin_refuses_before_the_export_and_says_why(client, association, platform_admin):
    login_verified(client, platform_admin)
    response = client.get(remove_url(association), follow=True)
    assert response.redirect_chain[-1][0].endswith(
        reverse("admin:associations_association_change", args=[association.pk])
    )
    assert "har aldrig exporterats" in response.content.decode()  # Swedish, the default
    assert Association.objects.filter(pk=association.pk).exists()


def test_the_admin_names_it_asks_for_its_address_and_removes_it(
    client, association, other_association, platform_admin
):
    exported(association)
    login_verified(client, platform_admin)
    page = client.get(remove_url(association))
    assert page.status_code == 200
    text = page.content.decode()
    assert association.name in text and association.slug in text
    assert str(timezone.localtime(association.exported_at).year) in text

    wrong = client.post(remove_url(association), {"confirmation": other_association.slug})
    assert wrong.status_code == 200
    assert Association.objects.filter(pk=association.pk).exists()

    done = client.post(remove_url(association), {"confirmation": association.slug})
    assert done.status_code == 302
    assert not Association.objects.filter(pk=association.pk).exists()
    assert Association.objects.filter(pk=other_association.pk).exists()
    assert LogEntry.objects.filter(action_flag=DELETION, object_repr=association.name).exists()


def test_the_action_leads_to_the_confirmation(client, association, platform_admin):
    login_verified(client, platform_admin)
    response = client.post(
        reverse("admin:associations_association_changelist"),
        {"action": "remove_association", "_selected_action": [association.pk]},
    )
    assert response.status_code == 302
    assert response["Location"] == remove_url(association)


def test_djangos_own_delete_is_not_offered(client, association, platform_admin):
    login_verified(client, platform_admin)
    response = client.get(reverse("admin:associations_association_delete", args=[association.pk]))
    assert response.status_code == 403
    changelist = client.get(reverse("admin:associations_association_changelist"))
    assert "delete_selected" not in changelist.content.decode()


def test_staff_who_are_not_platform_administrators_cannot_remove(client, association):
    from django.contrib.auth.models import Permission

    exported(association)
    staff = UserFactory(is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="associations"))
    login_verified(client, staff)
    assert client.get(remove_url(association)).status_code == 403
    response = client.post(remove_url(association), {"confirmation": association.slug})
    assert response.status_code == 403
    assert Association.objects.filter(pk=association.pk).exists()


def test_a_member_who_is_not_staff_does_not_reach_the_admin(kansli_client, association):
    exported(association)
    response = kansli_client.post(remove_url(association), {"confirmation": association.slug})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert Association.objects.filter(pk=association.pk).exists()


def test_jobs_queued_for_it_end_quietly_once_it_is_gone(
    association, platform_admin, job_queue, fake_pdf
):
    """A PDF render or an archiving job queued before the removal finds nothing to do,
    and says so as its result, rather than failing in the worker."""
    from documents import plan_document
    from plans.tasks import GONE, document_approved
    from reports import document as report_document
    from tests.factories import PlanFactory

    with scopes_disabled():
        plan = PlanFactory(association=association, status=Plan.Status.APPROVED)
    ids = {"association_id": association.pk}
    document_approved.enqueue(label="plans.Plan", pk=plan.pk, **ids)
    plan_document.render_draft.enqueue(plan_id=plan.pk, variant="pdf", digest="x", **ids)
    report_document.render_draft.enqueue(report_id=1, variant="pdf", digest="x", **ids)
    services.association_remove(
        association=exported(association), acting_user=platform_admin, confirmation="forbund-a"
    )
    assert [job_queue.run_next() for _ in range(3)] == [GONE, GONE, GONE]
