"""Each person chooses, per kind of mail that concerns their roles: at once, a daily
summary, or never."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from notifications.models import Delivery, Kind, NotificationPreference
from notifications.preferences import kinds_for, preferences_save
from tests.factories import MembershipFactory

URL = reverse("notifications:preferences")


def test_the_kinds_follow_the_roles(members, other_association):
    assert kinds_for(user=members["styrelse"]) == ["review", "answer", "decision"]
    assert kinds_for(user=members["kansli"]) == ["decision", "quarter_submitted"]
    assert kinds_for(user=members["projektledare"]) == [
        "decision",
        "quarter_returned",
        "quarter_approved",
        "quarter_reminder",
    ]
    assert kinds_for(user=members["revisor"]) == ["decision"]
    # A board member who is also kansli elsewhere: both roles' kinds.
    with scopes_disabled():
        MembershipFactory(association=other_association, user=members["styrelse"], role="kansli")
    assert kinds_for(user=members["styrelse"]) == [
        "review",
        "answer",
        "decision",
        "quarter_submitted",
    ]


def test_the_page_saves_the_choices(client, members):
    client.force_login(members["styrelse"])
    page = client.get(URL).content.decode()
    assert "En plan eller berättelse skickas till styrelsen på remiss" in page
    assert "Ett kvartal lämnas in" not in page  # not the board's
    response = client.post(
        URL, {"review": "digest", "answer": "never", "decision": "immediate"}, follow=True
    )
    assert "Dina val är sparade." in response.content.decode()
    saved = dict(
        NotificationPreference.objects.filter(user=members["styrelse"]).values_list(
            "kind", "delivery"
        )
    )
    assert saved == {"review": "digest", "answer": "never", "decision": "immediate"}
    # Shown as saved.
    form = client.get(URL).context["form"]
    assert form["review"].value() == "digest"
    assert form["answer"].value() == "never"


def test_a_bad_choice_is_refused_and_nothing_saved(client, members):
    client.force_login(members["styrelse"])
    response = client.post(URL, {"review": "hourly", "answer": "never", "decision": "immediate"})
    assert response.status_code == 200
    assert "Välj ett giltigt alternativ" in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_the_service_refuses_an_unknown_kind(members):
    with pytest.raises(ValueError):
        preferences_save(user=members["kansli"], choices={"weather": Delivery.NEVER})
    preferences_save(user=members["kansli"], choices={Kind.DECISION: Delivery.DIGEST})
    assert NotificationPreference.objects.get().delivery == Delivery.DIGEST


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
