"""Who is told what, and how they want to be told.

A ``Notification`` is one event for one person (a plan sent to the board, a quarter
returned, a reminder); it is mailed at once, kept for the person's daily digest, or not
made at all, as the person's ``NotificationPreference`` for its kind says. Mails go
through the outbox (``associations.outbox``).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from associations.models import Association, OutgoingMail


class Kind(models.TextChoices):
    """What a notification is about. Invitations and password resets are not kinds: they
    are always sent."""

    REVIEW = "review", _("A plan or report is sent to the board")
    ANSWER = "answer", _("My comment is answered")
    DECISION = "decision", _("The board's decision is recorded")
    QUARTER_SUBMITTED = "quarter_submitted", _("A quarter is submitted")
    QUARTER_RETURNED = "quarter_returned", _("A quarter is returned for revision")
    QUARTER_APPROVED = "quarter_approved", _("A quarter is approved")
    QUARTER_REMINDER = "quarter_reminder", _("Reminder: a quarter is due")


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", _("At once")
    DIGEST = "digest", _("In a daily summary")
    NEVER = "never", _("Never")


class NotificationPreference(models.Model):
    """How one person wants one kind of notification (at once when there is no row)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    delivery = models.CharField(
        _("delivery"), max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self):
        return f"{self.user} {self.kind}: {self.delivery}"


class Notification(models.Model):
    """One event for one person in one förbund. ``key`` (when set) makes it once only:
    the daily reminders give each occasion a key, so running them twice sends nothing
    twice. ``mail`` is the mail that carried it (at once, or in a digest)."""

    association = models.ForeignKey(Association, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices)
    subject = models.TextField(_("subject"))
    text = models.TextField(_("text"))
    url = models.CharField(_("link"), max_length=500)
    key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    mail = models.ForeignKey(
        OutgoingMail, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    digested_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["delivery", "digested_at"], name="notification_digest_idx")]

    def __str__(self):
        return self.subject
