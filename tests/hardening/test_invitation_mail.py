"""An invitation whose mail cannot be sent is kept, tells the kansli, and the "Skicka igen"
button in the list of invitations sends it again."""

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django_scopes import scope

from associations.models import Invitation, User

FAILED = "Inbjudan har sparats, men den kunde inte skickas med e-post"


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


def waiting(association) -> Invitation:
    with scope(association=association):
        return Invitation.objects.get(association=association, email="ny.person@example.se")


def test_a_failing_mail_keeps_the_invitation_and_tells_the_kansli(
    kansli_client, association, settings
):
    settings.OUTBOX_DELIVERY_BACKEND = FAILING
    response = invite(kansli_client, association)
    assert response.status_code == 200
    page = response.content.decode()
    assert FAILED in page
    assert "Skicka igen" in page
    assert waiting(association).state == Invitation.State.PENDING
    assert not User.objects.filter(email="ny.person@example.se").exists()


def test_the_resend_button_sends_a_new_link(kansli_client, association, settings):
    settings.OUTBOX_DELIVERY_BACKEND = FAILING
    invite(kansli_client, association)
    settings.OUTBOX_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    invitation = waiting(association)
    response = kansli_client.post(
        f"/f/{association.slug}/users/invitations/{invitation.pk}/resend/", follow=True
    )
    assert "Inbjudan har skickats igen till ny.person@example.se" in response.content.decode()
    assert len(mail.outbox) == 1
    assert "/inbjudan/" in mail.outbox[0].body
    assert mail.outbox[0].to == ["ny.person@example.se"]


def test_resend_fails_visibly_too(kansli_client, association, settings):
    settings.OUTBOX_DELIVERY_BACKEND = FAILING
    invite(kansli_client, association)
    invitation = waiting(association)
    response = kansli_client.post(
        f"/f/{association.slug}/users/invitations/{invitation.pk}/resend/", follow=True
    )
    assert "kunde inte skickas med e-post den här gången heller" in response.content.decode()


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
