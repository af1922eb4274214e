"""An invitation whose mail cannot be sent keeps the membership, tells the kansli, and the
"Skicka inbjudan igen" button sends it again."""

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django_scopes import scope

from associations.models import Membership, User
from associations.services import membership_invitation_resend

FAILED = "Användaren har lagts till, men inbjudan kunde inte skickas med e-post"


class FailingBackend(EmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server is down")


FAILING = "tests.hardening.test_invitation_mail.FailingBackend"


def invite(client, association, email="ny.person@example.se"):
    return client.post(
        f"/f/{association.slug}/users/invite/",
        {"email": email, "first_name": "Ny", "last_name": "Person", "role": "styrelse"},
        follow=True,
    )


# Outside a test transaction, so the mail is sent on commit as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_failing_mail_keeps_the_membership_and_tells_the_kansli(
    kansli_client, association, settings
):
    settings.OUTBOX_DELIVERY_BACKEND = FAILING
    response = invite(kansli_client, association)
    assert response.status_code == 200
    page = response.content.decode()
    assert FAILED in page
    assert "Skicka inbjudan igen" in page
    user = User.objects.get(email="ny.person@example.se")
    assert not user.has_usable_password()
    with scope(association=association):
        assert Membership.objects.filter(association=association, user=user).exists()


def test_the_resend_button_sends_a_link_to_choose_a_password(kansli_client, association, settings):
    settings.OUTBOX_DELIVERY_BACKEND = FAILING
    invite(kansli_client, association)
    settings.OUTBOX_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with scope(association=association):
        membership = Membership.objects.get(user__email="ny.person@example.se")
    response = kansli_client.post(
        f"/f/{association.slug}/users/{membership.pk}/resend/", follow=True
    )
    assert "Inbjudan har skickats igen till ny.person@example.se" in response.content.decode()
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body
    assert mail.outbox[0].to == ["ny.person@example.se"]


def test_resend_fails_visibly_too(kansli_client, association, settings):
    settings.OUTBOX_DELIVERY_BACKEND = FAILING
    invite(kansli_client, association)
    with scope(association=association):
        membership = Membership.objects.get(user__email="ny.person@example.se")
    response = kansli_client.post(
        f"/f/{association.slug}/users/{membership.pk}/resend/", follow=True
    )
    assert "kunde inte skickas med e-post den här gången heller" in response.content.decode()


def test_no_resend_for_a_user_who_has_chosen_a_password(association, members):
    from django.core.exceptions import ValidationError

    with scope(association=association):
        membership = Membership.objects.get(user=members["revisor"])
        with pytest.raises(ValidationError):
            membership_invitation_resend(
                membership=membership, acting_user=members["kansli"], base_url="http://x"
            )


def test_a_forbund_name_with_cr_lf_saved_earlier_does_not_break_the_mail(
    kansli_client, association
):
    association.name = "Förbundet\r\nBcc: x@example.com"
    association.save(update_fields=["name"])
    response = invite(kansli_client, association)
    assert response.status_code == 200
    assert len(mail.outbox) == 1
    assert "\n" not in mail.outbox[0].subject
    assert "Förbundet Bcc: x@example.com" in mail.outbox[0].subject
