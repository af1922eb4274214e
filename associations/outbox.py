"""The outbox: how every e-mail of the application is sent.

Django's mail API (``send_mail``, the password-reset form) hands its messages to
``OutboxBackend`` (``settings.EMAIL_BACKEND``), and the application's own mails go
through ``queue_mail``. Either way the mail becomes an ``OutgoingMail`` row in the
transaction of what caused it, so a mail about something that was rolled back is never
sent, and a mail is never lost because the mail server was down at that moment.

Once the transaction commits, the job runner (django-tasks, ``settings.TASKS``) runs
``deliver``, which hands the mail to the backend that really sends it
(``settings.OUTBOX_DELIVERY_BACKEND``: SMTP in production). A failure is tried again
later (``RETRY_DELAYS``); after ``OUTBOX_MAX_ATTEMPTS`` tries the mail is *failed* and
the kansli of its förbund sees it on the to-do list. With a runner that cannot wait
(the immediate backend of development), the daily ``send_reminders`` tries again the
mails that are due (``retry_due``).

A mail is claimed by one conditional ``UPDATE`` before it is sent, so two workers
given the same mail send it once.
"""

import contextvars
import logging
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_scopes import scopes_disabled
from django_tasks import task

from .models import OutgoingMail

log = logging.getLogger(__name__)

# Seconds before the second, third, … try of a mail that failed.
RETRY_DELAYS = (60, 5 * 60, 30 * 60, 2 * 60 * 60, 6 * 60 * 60)
# A mail claimed this long ago and not finished (its worker died) is tried again.
STALE_CLAIM = timedelta(minutes=15)
ERROR_LENGTH = 1000


_muted = contextvars.ContextVar("outbox_muted", default=False)


@contextmanager
def muted():
    """No mail is queued and no one notified while this runs (``load_demo``: the demo's
    events are not news to anyone, and its addresses are made up)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def is_muted() -> bool:
    return _muted.get()


def queue_mail(
    *,
    to: list[str],
    subject: str,
    body: str,
    html_body: str = "",
    association=None,
    kind: str = "",
    from_email: str | None = None,
    headers: dict | None = None,
) -> OutgoingMail | None:
    """Put one mail in the outbox; it is delivered after the transaction commits.
    None while ``muted``."""
    if is_muted():
        return None
    # A name saved before control characters were refused must not break the header.
    subject = " ".join(str(subject).split())
    mail = OutgoingMail(
        association=association,
        kind=kind,
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        to=list(to),
        subject=subject,
        body=body,
        html_body=html_body,
        headers=headers or {},
    )
    with scopes_disabled():
        mail.save()
    transaction.on_commit(lambda: _enqueue(mail.pk))
    return mail


class OutboxBackend(BaseEmailBackend):
    """``settings.EMAIL_BACKEND``: Django's mail API writes to the outbox."""

    def send_messages(self, email_messages):
        count = 0
        for message in email_messages:
            if message.attachments:
                raise ValueError("The outbox does not keep attachments.")
            html = next(
                (
                    content
                    for content, mimetype in getattr(message, "alternatives", [])
                    if mimetype == "text/html"
                ),
                "",
            )
            queue_mail(
                to=[*message.to, *message.cc, *message.bcc],
                subject=message.subject,
                body=message.body,
                html_body=html,
                from_email=message.from_email,
                headers=dict(message.extra_headers),
            )
            count += 1
        return count


def _enqueue(mail_id: int, *, run_after=None) -> None:
    """Give the mail to the job runner; a later try only if the runner can wait."""
    if run_after is None:
        deliver.enqueue(mail_id)
    elif deliver.get_backend().supports_defer:
        deliver.using(run_after=run_after).enqueue(mail_id)
    # else: ``retry_due`` (run daily by ``send_reminders``) picks it up.


@task()
def deliver(mail_id: int) -> str:
    """Send the outbox's mail ``mail_id`` (a job of the runner). Returns its status."""
    with scopes_disabled():
        return deliver_now(mail_id)


def _claim(mail_id: int, now) -> OutgoingMail | None:
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    claimed = OutgoingMail.objects.filter(
        due, pk=mail_id, status=OutgoingMail.Status.QUEUED
    ).update(status=OutgoingMail.Status.SENDING, next_attempt_at=now + STALE_CLAIM)
    return OutgoingMail.objects.get(pk=mail_id) if claimed else None


def deliver_now(mail_id: int) -> str:
    now = timezone.now()
    mail = _claim(mail_id, now)
    if mail is None:
        return "skipped"  # sent, failed for good, not yet due, or another worker has it
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.body,
        from_email=mail.from_email,
        to=mail.to,
        headers=mail.headers or None,
    )
    if mail.html_body:
        message.attach_alternative(mail.html_body, "text/html")
    mail.attempts += 1
    try:
        get_connection(settings.OUTBOX_DELIVERY_BACKEND).send_messages([message])
    except Exception as error:  # whatever the mail server or backend raised
        log.warning("mail %s not sent (try %s): %r", mail.pk, mail.attempts, error)
        mail.last_error = repr(error)[:ERROR_LENGTH]
        if mail.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            mail.status = OutgoingMail.Status.FAILED
            mail.next_attempt_at = None
            log.error("mail %s given up after %s tries", mail.pk, mail.attempts)
        else:
            delay = RETRY_DELAYS[min(mail.attempts, len(RETRY_DELAYS)) - 1]
            mail.status = OutgoingMail.Status.QUEUED
            mail.next_attempt_at = now + timedelta(seconds=delay)
        mail.save(update_fields=["status", "attempts", "next_attempt_at", "last_error"])
        if mail.status == OutgoingMail.Status.QUEUED:
            _enqueue(mail.pk, run_after=mail.next_attempt_at)
        return mail.status
    mail.status = OutgoingMail.Status.SENT
    mail.sent_at = timezone.now()
    mail.next_attempt_at = None
    mail.save(update_fields=["status", "attempts", "sent_at", "next_attempt_at"])
    return mail.status


def retry_due(*, now=None) -> int:
    """Give the runner every mail whose next try is due, and every mail whose worker died
    while sending it. Returns how many. Run daily by ``send_reminders``."""
    now = now or timezone.now()
    with scopes_disabled():
        OutgoingMail.objects.filter(
            status=OutgoingMail.Status.SENDING, next_attempt_at__lte=now
        ).update(status=OutgoingMail.Status.QUEUED)
        due = list(
            OutgoingMail.objects.filter(
                Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
                status=OutgoingMail.Status.QUEUED,
            ).values_list("pk", flat=True)
        )
    for mail_id in due:
        _enqueue(mail_id)
    return len(due)


def retry_failed(mail: OutgoingMail) -> None:
    """The kansli asks for a failed mail to be tried again, from the beginning."""
    mail.status = OutgoingMail.Status.QUEUED
    mail.attempts = 0
    mail.next_attempt_at = None
    mail.save(update_fields=["status", "attempts", "next_attempt_at"])
    transaction.on_commit(lambda: _enqueue(mail.pk))


def prune_sent(*, now=None) -> int:
    """Delete sent mails older than ``OUTBOX_KEEP_DAYS`` (they hold names and addresses)."""
    now = now or timezone.now()
    with scopes_disabled():
        deleted, _ = OutgoingMail.objects.filter(
            status=OutgoingMail.Status.SENT,
            sent_at__lt=now - timedelta(days=settings.OUTBOX_KEEP_DAYS),
        ).delete()
    return deleted
