""" "Att göra" on the förbund's home page, and the kansli's "try again" on a failed mail."""

import datetime

import pytest
from django.core import mail as django_mail
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from associations.models import OutgoingMail
from plans.models import Plan
from tests.factories import PlanFactory

EMPTY = "Inget väntar på dig just nu."


def home(association):
    return reverse("associations:home", kwargs={"association_slug": association.slug})


@pytest.fixture
def nothing_due(association):
    """The förbund's next-plan date at the end of the year, so nothing waits by default."""
    association.next_plan_month, association.next_plan_day = 12, 31
    association.save()
    return association


@pytest.fixture
def plan_on_review(association):
    with scope(association=association):
        plan = PlanFactory(association=association, title="Verksamhetsplan på remiss")
        deadline = timezone.localdate() + datetime.timedelta(days=10)
        Plan.objects.filter(pk=plan.pk).update(status="review", review_deadline=deadline)
    return plan


def failed_mail(association, **fields):
    with scope(association=association):
        return OutgoingMail.objects.create(
            association=association,
            to=["ny@example.se"],
            subject="Inbjudan till Samordningsförbundet",
            body="Välkommen",
            status=OutgoingMail.Status.FAILED,
            attempts=5,
            last_error="Connection refused",
            **fields,
        )


@pytest.mark.parametrize("role", ["kansli", "styrelse", "projektledare", "revisor"])
def test_an_empty_list_says_so(client, members, nothing_due, role):
    client.force_login(members[role])
    html = client.get(home(nothing_due)).content.decode()
    assert "Att göra" in html
    assert EMPTY in html


def test_a_board_member_sees_the_plan_on_review_and_the_auditor_does_not(
    client, members, nothing_due, plan_on_review
):
    client.force_login(members["styrelse"])
    html = client.get(home(nothing_due)).content.decode()
    assert "Väntar på din granskning" in html
    assert "Verksamhetsplan på remiss" in html
    assert f"/plans/{plan_on_review.pk}/review/" in html
    assert EMPTY not in html
    client.force_login(members["revisor"])
    html = client.get(home(nothing_due)).content.decode()
    assert "Verksamhetsplan på remiss" not in html
    assert EMPTY in html


def test_the_kansli_sees_next_years_plan_missing(client, members, association):
    association.next_plan_month, association.next_plan_day = 1, 1
    association.save()
    client.force_login(members["kansli"])
    html = client.get(home(association)).content.decode()
    assert f"Planen för {timezone.localdate().year + 1} är inte påbörjad" in html


def test_another_forbunds_items_never_appear(client, members, nothing_due, other_association):
    with scope(association=other_association):
        plan_elsewhere = PlanFactory(association=other_association, title="Grannens plan")
        Plan.objects.filter(pk=plan_elsewhere.pk).update(
            status="review", review_deadline=datetime.date(2020, 1, 1)
        )
    failed_mail(other_association)
    for role in ("kansli", "styrelse"):
        client.force_login(members[role])
        html = client.get(home(nothing_due)).content.decode()
        assert "Grannens plan" not in html
        assert "ny@example.se" not in html
        assert EMPTY in html


def test_the_kansli_tries_a_failed_mail_again(
    kansli_client, association, django_capture_on_commit_callbacks
):
    mail = failed_mail(association)
    html = kansli_client.get(home(association)).content.decode()
    assert "E-post som inte kunde skickas" in html
    assert "Connection refused" in html
    retry = reverse(
        "associations:mail_retry", kwargs={"association_slug": association.slug, "pk": mail.pk}
    )
    assert retry in html
    with django_capture_on_commit_callbacks(execute=True):
        response = kansli_client.post(retry)
    assert response.status_code == 302
    assert response["Location"] == home(association)
    with scope(association=association):
        mail.refresh_from_db()
    assert mail.status == OutgoingMail.Status.SENT
    assert [m.subject for m in django_mail.outbox] == ["Inbjudan till Samordningsförbundet"]
    html = kansli_client.get(home(association)).content.decode()
    assert "E-post som inte kunde skickas" not in html


def test_only_a_failed_mail_of_the_forbund_can_be_tried_again(
    kansli_client, association, other_association
):
    sent = failed_mail(association, sent_at=timezone.now())
    with scope(association=association):
        OutgoingMail.objects.filter(pk=sent.pk).update(status=OutgoingMail.Status.SENT)
    elsewhere = failed_mail(other_association)
    for pk in (sent.pk, elsewhere.pk):
        url = reverse(
            "associations:mail_retry", kwargs={"association_slug": association.slug, "pk": pk}
        )
        assert kansli_client.post(url).status_code == 404
    with scope(association=other_association):
        elsewhere.refresh_from_db()
    assert elsewhere.status == OutgoingMail.Status.FAILED


def test_other_roles_cannot_retry(client, members, association):
    mail = failed_mail(association)
    url = reverse(
        "associations:mail_retry", kwargs={"association_slug": association.slug, "pk": mail.pk}
    )
    for role in ("styrelse", "projektledare", "revisor"):
        client.force_login(members[role])
        assert client.post(url).status_code == 403
    with scope(association=association):
        mail.refresh_from_db()
    assert mail.status == OutgoingMail.Status.FAILED
