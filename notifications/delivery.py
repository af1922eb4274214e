"""Making notifications and mailing them: at once, in the daily digest, or not at all.

``notify`` is called inside the transaction of the event (a plan sent to the board, a
quarter returned), so the notification and its mail in the outbox are kept or rolled
back with it. A mail names only what the recipient may see in that förbund, and no
person other than the recipient: its text comes from the event's wording here, never
from what somebody wrote, except a quarter's return reason, which the projektledare is
meant to read (and which the form asks to keep free of personal details).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from associations import outbox
from associations.models import Membership

from .models import Delivery, Notification, NotificationPreference


@dataclass(frozen=True)
class Message:
    """What a notification says: the mail's subject, one or two sentences, the link."""

    subject: str
    text: str
    path: str  # the page where it is done, site-relative


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def preferences_url() -> str:
    return absolute(reverse("notifications:preferences"))


def deliveries(users, kind: str) -> dict[int, str]:
    """Each user's choice for ``kind`` (at once when not chosen)."""
    chosen = dict(
        NotificationPreference.objects.filter(user__in=users, kind=kind).values_list(
            "user_id", "delivery"
        )
    )
    return {user.pk: chosen.get(user.pk, Delivery.IMMEDIATE) for user in users}


def notify(
    *,
    association,
    users,
    kind: str,
    message,
    key=None,
    exclude=None,
) -> list[Notification]:
    """Tell each of ``users`` (not ``exclude``, the person who acted) about an event in
    ``association``. ``message(user)`` gives the ``Message`` in the mail's language.
    ``key(user)``, when given, makes the notification once only: a second call with the
    same key does nothing. Returns the notifications made."""
    if outbox.is_muted():
        return []
    users = [
        user
        for user in {user.pk: user for user in users}.values()
        # Not who acted, and not who has not accepted the invitation yet (no password
        # chosen: the link would lead nowhere they can reach).
        if user.email
        and user.is_active
        and user.has_usable_password()
        and (exclude is None or user.pk != exclude.pk)
    ]
    # Only people who belong to the förbund now: a project leader who has left it is
    # told nothing more about its work.
    belonging = set(
        Membership.objects.filter(association=association, user__in=users).values_list(
            "user_id", flat=True
        )
    )
    users = [user for user in users if user.pk in belonging]
    if not users:
        return []
    made = []
    chosen = deliveries(users, kind)
    with translation.override(settings.LANGUAGE_CODE), scopes_disabled():
        for user in users:
            delivery = chosen[user.pk]
            if delivery == Delivery.NEVER:
                continue
            notification_key = key(user) if key else None
            if notification_key and Notification.objects.filter(key=notification_key).exists():
                continue
            said = message(user)
            notification = Notification(
                association=association,
                user=user,
                kind=kind,
                delivery=delivery,
                subject=said.subject,
                text=said.text,
                url=absolute(said.path),
                key=notification_key,
            )
            try:
                with transaction.atomic():
                    notification.save()
            except IntegrityError:
                continue  # made by a run at the same moment: once only
            if delivery == Delivery.IMMEDIATE:
                notification.mail = _mail_one(notification)
                notification.save(update_fields=["mail"])
            made.append(notification)
    return made


def _name(user) -> str:
    return user.get_full_name() or user.username


def _mail_one(notification: Notification):
    context = {
        "name": _name(notification.user),
        "association": notification.association,
        "items": [notification],
        "preferences_url": preferences_url(),
        "digest": False,
    }
    return outbox.queue_mail(
        to=[notification.user.email],
        subject=notification.subject,
        body=render_to_string("notifications/email/notification.txt", context),
        html_body=render_to_string("notifications/email/notification.html", context),
        association=notification.association,
        kind=notification.kind,
    )


def digest_cutoff(now: datetime.datetime) -> datetime.datetime:
    """A digest holds what happened before today began: two runs on one day send one."""
    today = timezone.localtime(now).date()
    return timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))


def send_digests(*, now=None) -> int:
    """One mail per person and förbund with what waited for the daily digest from
    before today. Idempotent: what it mails is marked in the same transaction. Returns
    how many mails it queued."""
    now = now or timezone.now()
    cutoff = digest_cutoff(now)
    sent = 0
    with scopes_disabled():
        waiting = (
            Notification.objects.filter(
                delivery=Delivery.DIGEST, digested_at__isnull=True, created_at__lt=cutoff
            )
            .select_related("user", "association")
            .order_by("association_id", "user_id", "created_at", "pk")
        )
        groups = defaultdict(list)
        for notification in waiting:
            groups[(notification.association_id, notification.user_id)].append(notification)
        for items in groups.values():
            with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
                first = items[0]
                context = {
                    "name": _name(first.user),
                    "association": first.association,
                    "items": items,
                    "preferences_url": preferences_url(),
                    "digest": True,
                }
                mail = outbox.queue_mail(
                    to=[first.user.email],
                    subject=_("Summary from %(association)s: %(count)s new")
                    % {"association": first.association.display_name, "count": len(items)},
                    body=render_to_string("notifications/email/notification.txt", context),
                    html_body=render_to_string("notifications/email/notification.html", context),
                    association=first.association,
                    kind="digest",
                )
                Notification.objects.filter(pk__in=[n.pk for n in items]).update(
                    digested_at=now, mail=mail
                )
            sent += 1
    return sent
