"""The one way an event leaves the Händelselogg: older than its förbund keeps it.

``purge_expired`` is run daily (``notifications.reminders.daily_work``, registered in
``AuditConfig.ready()``). An event of no förbund is kept ``DEFAULT_MONTHS``.
"""

import calendar
import datetime

from django.db import models, transaction
from django_scopes import scopes_disabled

from associations.models import Association

from .models import AuditEvent

DEFAULT_MONTHS = 24


def cutoff(*, now: datetime.datetime, months: int) -> datetime.datetime:
    """The moment ``months`` calendar months before ``now`` (the month's last day when
    that day does not exist: 31 May less 3 months is 28 or 29 February): older events go."""
    month_index = now.year * 12 + (now.month - 1) - months
    year, month = divmod(month_index, 12)
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)


@transaction.atomic
def purge_expired(*, now: datetime.datetime) -> int:
    """Delete every förbund's events older than its ``audit_retention_months``, and
    events of no förbund older than ``DEFAULT_MONTHS``. Returns how many went."""
    deleted = 0
    with scopes_disabled():  # the daily job, across every förbund
        for association_id, months in Association.objects.values_list(
            "pk", "audit_retention_months"
        ):
            expired = AuditEvent.objects.filter(
                association_id=association_id, created_at__lt=cutoff(now=now, months=months)
            )
            deleted += _remove(expired)
        expired = AuditEvent.objects.filter(
            association__isnull=True, created_at__lt=cutoff(now=now, months=DEFAULT_MONTHS)
        )
        deleted += _remove(expired)
    return deleted


def _remove(queryset) -> int:
    # A plain queryset of the same rows, past the append-only queryset's refusal: on
    # purpose, this is the retention.
    rows = models.QuerySet(model=queryset.model, query=queryset.query.chain(), using=queryset.db)
    count, _ = rows.delete()
    return count
