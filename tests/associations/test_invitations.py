"""Invitations: nothing is given, and nothing about an account is shown to the förbund,
until the person accepts, logged in as themselves. Pending, accepted, expired, revoked,
sent again."""

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from associations import invitations, signals
from associations.models import Invitation, Membership, User
from tests.factories import MembershipFactory, UserFactory

# Mails are sent when the transaction commits, as in production.
pytestmark = pytest.mark.django_db(transaction=True)
INVITE = "/f/{slug}/users/invite/"
LIST = "/f/{slug}/users/invitations/"


def invite(client, association, email="ny.person@example.se", role="styrelse"):
    return client.post(
        INVITE.format(slug=association.slug),
        {"email": email, "first_name": "Ny", "last_name": "Person", "role": role},
        follow=True,
    )


def link_in(message) -> str:
    found = re.search(r"https?://[^/\s]+(/inbjudan/[^/\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


def invitation_of(association, email="ny.person@example.se") -> Invitation:
    with scope(association=association):
        return Invitation.objects.get(association=association, email__iexact=email)


def test_an_invitation_gives_nothing_until_accepted(kansli_client, association):
    response = invite(kansli_client, association)
    assert "Inbjudan har skickats till ny.person@example.se" in response.content.decode()
    assert not User.objects.filter(email="ny.person@example.se").exists()
    invitation = invitation_of(association)
    assert invitation.state == Invitation.State.PENDING
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ny.person@example.se"]
    assert "/accounts/reset/" not in mail.outbox[0].body
    page = kansli_client.get(LIST.format(slug=association.slug)).content.decode()
    assert "ny.person@example.se" in page and "Väntar" in page


def test_inviting_an_existing_account_shows_the_forbund_nothing_about_it(
    kansli_client, association, other_association
):
    """The address of someone with an account elsewhere: no membership, no name shown."""
    existing = UserFactory(email="Kand@Example.se", first_name="Hemlig", last_name="Persson")
    with scope(association=other_association):
        MembershipFactory(association=other_association, user=existing)
    response = invite(kansli_client, association, email="kand@example.se")
    assert response.status_code == 200
    with scope(association=association):
        assert not Membership.objects.filter(association=association, user=existing).exists()
    for url in (LIST, "/f/{slug}/users/"):
        page = kansli_client.get(url.format(slug=association.slug)).content.decode()
        assert "Hemlig" not in page and "Persson" not in page and "Kand@Example.se" not in page
    # The mail to an existing account is the same as to anyone.
    assert "Hemlig" not in mail.outbox[0].body


def test_a_new_person_makes_an_account_and_accepts(kansli_client, association):
    invite(kansli_client, association)
    link = link_in(mail.outbox[0])
    visitor = Client()
    page = visitor.get(link).content.decode()
    assert "Ny" in page and "Logga in för att acceptera" in page
    response = visitor.post(
        link,
        {
            "first_name": "Nya",
            "last_name": "Personen",
            "password": "ett-långt-lösenord-2026",
            "password_again": "ett-långt-lösenord-2026",
        },
    )
    assert response.status_code == 302
    assert response.url == f"/f/{association.slug}/"
    user = User.objects.get(email="ny.person@example.se")
    assert user.get_full_name() == "Nya Personen" and user.check_password("ett-långt-lösenord-2026")
    with scope(association=association):
        assert Membership.objects.get(association=association, user=user).role == "styrelse"
    assert invitation_of(association).state == Invitation.State.ACCEPTED
    assert visitor.get(f"/f/{association.slug}/").status_code == 200  # logged in
    # The link is spent.
    assert "redan accepterats" in Client().get(link).content.decode()


def test_a_bad_password_keeps_what_was_typed_and_says_why(kansli_client, association):
    invite(kansli_client, association)
    link = link_in(mail.outbox[0])
    data = {"first_name": "Nya", "last_name": "P", "password": "123", "password_again": "123"}
    response = Client().post(link, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "för kort" in page and 'value="Nya"' in page
    data |= {"password": "ett-långt-lösenord-2026", "password_again": "ett-annat-lösenord"}
    assert "inte samma" in Client().post(link, data).content.decode()
    assert not User.objects.filter(email="ny.person@example.se").exists()
    assert invitation_of(association).state == Invitation.State.PENDING


def test_an_existing_account_logs_in_and_accepts(kansli_client, association, other_association):
    existing = UserFactory(email="kand@example.se")
    existing.set_password("ett-långt-lösenord-2026")
    existing.save()
    invite(kansli_client, association, email="Kand@example.se", role="revisor")
    link = link_in(mail.outbox[0])
    visitor = Client()
    # Without logging in, an account of that address cannot be made again.
    data = {
        "first_name": "A",
        "last_name": "B",
        "password": "x-långt-lösen-99",
        "password_again": "x-långt-lösen-99",
    }
    assert "logga in för att acceptera" in visitor.post(link, data).content.decode()
    visitor.force_login(existing)
    assert "Acceptera inbjudan" in visitor.get(link).content.decode()
    assert visitor.post(link).status_code == 302
    with scope(association=association):
        assert Membership.objects.get(association=association, user=existing).role == "revisor"


def test_another_account_cannot_accept_a_forwarded_link(kansli_client, association, members):
    invite(kansli_client, association)
    link = link_in(mail.outbox[0])
    stranger = Client()
    stranger.force_login(UserFactory(email="annan@example.se"))
    assert "en annan e-postadress" in stranger.get(link).content.decode()
    stranger.post(link, follow=True)
    assert invitation_of(association).state == Invitation.State.PENDING
    with scopes_disabled():
        assert not Membership.objects.filter(user__email="annan@example.se").exists()


def test_an_invitation_expires_after_its_days_and_is_sent_again_with_a_new_link(
    kansli_client, association
):
    invite(kansli_client, association)
    old_link = link_in(mail.outbox[0])
    invitation = invitation_of(association)
    with scopes_disabled():
        Invitation.objects.filter(pk=invitation.pk).update(
            sent_at=timezone.now() - datetime.timedelta(days=Invitation.VALID_DAYS, minutes=1)
        )
    assert "har gått ut" in Client().get(old_link).content.decode()
    page = kansli_client.get(LIST.format(slug=association.slug)).content.decode()
    assert "Utgången" in page
    response = kansli_client.post(
        f"/f/{association.slug}/users/invitations/{invitation.pk}/resend/", follow=True
    )
    assert "Inbjudan har skickats igen till ny.person@example.se" in response.content.decode()
    new_link = link_in(mail.outbox[1])
    assert new_link != old_link
    assert Client().get(old_link).status_code == 404  # the old link no longer names it
    assert "Logga in för att acceptera" in Client().get(new_link).content.decode()


def test_a_revoked_invitation_cannot_be_accepted(kansli_client, association):
    invite(kansli_client, association)
    link = link_in(mail.outbox[0])
    invitation = invitation_of(association)
    response = kansli_client.post(
        f"/f/{association.slug}/users/invitations/{invitation.pk}/revoke/", follow=True
    )
    assert "har återkallats" in response.content.decode()
    assert "Återkallad" in response.content.decode()
    assert "återkallats av förbundet" in Client().get(link).content.decode()
    data = {
        "first_name": "A",
        "last_name": "B",
        "password": "x-långt-lösen-99",
        "password_again": "x-långt-lösen-99",
    }
    Client().post(link, data)
    assert not User.objects.filter(email="ny.person@example.se").exists()
    # Revoked once is revoked: it cannot be sent again, and a new invitation can be made.
    response = kansli_client.post(
        f"/f/{association.slug}/users/invitations/{invitation.pk}/resend/", follow=True
    )
    assert "kan skickas igen" in response.content.decode()
    assert "Inbjudan har skickats" in invite(kansli_client, association).content.decode()


def test_a_waiting_address_is_not_invited_twice(kansli_client, association):
    invite(kansli_client, association)
    response = invite(kansli_client, association, email="NY.person@example.se")
    assert "väntar redan en inbjudan" in response.content.decode()
    with scope(association=association):
        assert Invitation.objects.filter(association=association).count() == 1


def test_another_forbunds_invitation_is_not_found(client, association, other_association, members):
    with scope(association=other_association):
        foreign = Invitation.objects.create(
            association=other_association,
            email="x@example.se",
            role="revisor",
            sent_at=timezone.now(),
            token_hash="f" * 64,
        )
    client.force_login(members["kansli"])
    for action in ("resend", "revoke"):
        url = f"/f/{association.slug}/users/invitations/{foreign.pk}/{action}/"
        assert client.post(url).status_code == 404
    assert invitation_of(other_association, "x@example.se").state == Invitation.State.PENDING


def test_each_change_is_signalled_for_the_log(association, members):
    seen = []

    def receiver(sender, invitation, acting_user, change, **kwargs):
        seen.append((change, acting_user))

    signals.invitation_changed.connect(receiver)
    try:
        with scope(association=association):
            sending = invitations.invitation_send(
                association=association,
                acting_user=members["kansli"],
                email="ny@example.se",
                first_name="N",
                last_name="P",
                role="revisor",
                base_url="http://testserver",
            )
            invitations.invitation_resend(
                invitation=sending.invitation, acting_user=members["kansli"], base_url="http://x"
            )
            user = UserFactory(email="ny@example.se")
            invitations.invitation_accept(invitation=sending.invitation, user=user)
    finally:
        signals.invitation_changed.disconnect(receiver)
    assert seen == [("sent", members["kansli"]), ("resent", members["kansli"]), ("accepted", user)]


def test_a_membership_never_accepted_becomes_a_waiting_invitation(association, members):
    """The migration's step: an account given a role before invitations had to be
    accepted, that never chose a password nor logged in."""
    import importlib

    from django.apps import apps

    step = importlib.import_module("associations.migrations.0009_invitation")
    never = UserFactory(email="aldrig@example.se", last_login=None)
    never.set_unusable_password()
    never.save()
    with scope(association=association):
        MembershipFactory(association=association, user=never, role="revisor")
    with scopes_disabled():
        step.legacy_memberships_to_invitations(apps, None)
        assert not Membership.objects.filter(user=never).exists()
        assert Membership.objects.filter(user=members["revisor"]).exists()
    invitation = invitation_of(association, "aldrig@example.se")
    assert (invitation.role, invitation.state) == ("revisor", Invitation.State.PENDING)
