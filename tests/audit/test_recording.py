"""Each kind of event is written to the Händelselogg through the real path: the login
page, the role page, the download views, the workflow's services."""

import datetime
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from associations import signals as association_signals
from audit.models import Kind
from budgets.models import Budget
from plans import workflow
from reports.models import AnnualReport
from reports.workflow import record_auditors_statement
from tests.access_matrix import report
from tests.factories import MembershipFactory, PlanFactory, UserFactory


def login(client, username, password="secret-pass-123"):
    return client.post(reverse("login"), {"username": username, "password": password})


def url(name, association, **kwargs):
    return reverse(name, kwargs={"association_slug": association.slug, **kwargs})


@pytest.fixture
def anna(association, other_association):
    """A user of two förbund."""
    user = UserFactory(username="anna")
    with scopes_disabled():
        MembershipFactory(association=association, user=user, role="styrelse")
        MembershipFactory(association=other_association, user=user, role="kansli")
    return user


def test_a_login_is_written_to_each_forbund_of_the_user(client, anna, events):
    assert login(client, "anna").status_code == 302
    written = events(kind=Kind.LOGIN)
    assert {event.association.slug for event in written} == {"forbund-a", "forbund-b"}
    for event in written:
        assert event.actor == anna
        assert event.actor_label == "anna"
        assert event.address == "127.0.0.1"
        assert event.summary == "Loggade in"


def test_a_failed_login_is_written_with_the_username_tried(client, anna, events):
    login(client, "anna", "wrong")
    written = events(kind=Kind.LOGIN_FAILED)
    assert len(written) == 2
    assert {event.summary for event in written} == {"Fel lösenord"}
    assert all(event.actor == anna and event.address == "127.0.0.1" for event in written)


def test_a_failed_login_with_an_unknown_username_belongs_to_no_forbund(client, db, events):
    login(client, "nobody", "wrong")
    [event] = events(kind=Kind.LOGIN_FAILED)
    assert event.association is None
    assert event.actor is None and event.actor_label == "nobody"


def test_a_lockout_is_written(client, anna, events, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "anna", "wrong")
    assert login(client, "anna").status_code == 429
    locked = events(kind=Kind.LOCKED_OUT)
    assert locked, "the lockout is in the log"
    assert {event.association.slug for event in locked} == {"forbund-a", "forbund-b"}
    assert all(event.actor_label == "anna" for event in locked)


def test_a_role_change_through_the_page_is_written(kansli_client, members, association, events):
    with scopes_disabled():
        membership = members["revisor"].memberships.get()
    response = kansli_client.post(
        url("associations:membership_update", association, pk=membership.pk),
        {"role": "styrelse"},
    )
    assert response.status_code == 302
    [event] = events(kind=Kind.ROLE_CHANGED)
    assert event.association == association
    assert event.actor == members["kansli"]
    assert event.address == "127.0.0.1"
    username = members["revisor"].username
    assert event.summary == f"{username}: roll ändrad från Revisor till Styrelseledamot"


def test_a_removal_through_the_page_is_written(kansli_client, members, association, events):
    with scopes_disabled():
        membership = members["revisor"].memberships.get()
    response = kansli_client.post(
        url("associations:membership_delete", association, pk=membership.pk)
    )
    assert response.status_code == 302
    [event] = events(kind=Kind.REMOVED)
    assert event.association == association and event.actor == members["kansli"]
    assert members["revisor"].username in event.summary


def test_an_invitation_change_is_written(members, association, events):
    invitation = SimpleNamespace(association_id=association.pk, email="ny@example.se")
    association_signals.invitation_changed.send(
        sender=None, invitation=invitation, acting_user=members["kansli"], change="sent"
    )
    [event] = events(kind=Kind.INVITATION)
    assert event.association == association
    assert event.summary == "Inbjudan skickad till ny@example.se"
    assert event.address == ""  # no request: no address


@pytest.mark.parametrize("file_format", ["csv", "excel"])
def test_a_followup_export_is_written(kansli_client, members, association, events, file_format):
    response = kansli_client.get(url(f"followup:export_{file_format}", association))
    assert response.status_code == 200
    [event] = events(kind=Kind.EXPORT)
    assert event.association == association and event.actor == members["kansli"]
    assert event.address == "127.0.0.1"
    assert event.summary.startswith("Laddade ner uppfoljning-")
    assert event.target == url(f"followup:export_{file_format}", association)


def test_a_budget_export_is_written(kansli_client, association, events):
    with scope(association=association):
        plan = PlanFactory(association=association)
        Budget.objects.create(association=association, plan=plan)
    response = kansli_client.get(url("budgets:budget_export", association, plan_pk=plan.pk))
    assert response.status_code == 200
    [event] = events(kind=Kind.EXPORT)
    assert event.summary.startswith("Laddade ner budget-") and event.summary.endswith(".xlsx")


@pytest.mark.usefixtures("fake_pdf")
@pytest.mark.parametrize("name", ["documents:plan_document_pdf", "documents:plan_document_pdfa"])
def test_a_plan_pdf_download_is_written(client, members, association, events, name):
    with scope(association=association):
        plan = PlanFactory(association=association)
    client.force_login(members["projektledare"])
    response = client.get(url(name, association, plan_pk=plan.pk))
    assert response.status_code == 200
    [event] = events(kind=Kind.PDF_DOWNLOAD)
    assert event.actor == members["projektledare"] and event.association == association
    assert event.summary.endswith(".pdf")


@pytest.mark.usefixtures("fake_pdf")
def test_a_report_pdf_download_is_written(client, members, association, events):
    with scope(association=association):
        annual = report(association)
    client.force_login(members["revisor"])
    response = client.get(url("reports:report_document_pdf", association, report_pk=annual.pk))
    assert response.status_code == 200
    [event] = events(kind=Kind.PDF_DOWNLOAD)
    assert event.actor == members["revisor"]


def test_the_boards_decision_is_written(members, association, events):
    with scope(association=association):
        plan = PlanFactory(association=association, title="Verksamhetsplan 2030")
        workflow.send_for_review(
            document=plan,
            acting_user=members["kansli"],
            deadline=timezone.localdate() + datetime.timedelta(days=7),
        )
        workflow.record_sent_back(document=plan, acting_user=members["kansli"], reason="Mer")
    [event] = events(kind=Kind.DECISION)
    assert event.actor == members["kansli"] and event.association == association
    assert event.summary == (
        "Styrelsens beslut registrerat: Verksamhetsplan 2030 skickades tillbaka"
    )
    assert event.target == url("plans:plan_detail", association, plan_pk=plan.pk)


def test_the_auditors_statement_is_written(members, association, events):
    today = timezone.localdate()
    with scope(association=association):
        annual = report(association)
        AnnualReport._base_manager.filter(pk=annual.pk).update(
            status=AnnualReport.Status.APPROVED, approved_on=today
        )
        record_auditors_statement(
            report=annual,
            acting_user=members["revisor"],
            statement_on=today,
            recommends_discharge=True,
            text="Vi tillstyrker ansvarsfrihet.",
        )
    [event] = events(kind=Kind.AUDITORS_STATEMENT)
    assert event.actor == members["revisor"] and event.association == association
    assert annual.title in event.summary
