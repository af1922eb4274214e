"""Events older than their förbund keeps them are removed by the daily job, and only those."""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scopes_disabled

from audit.models import AuditEvent, Kind
from audit.retention import cutoff, purge_expired
from notifications.reminders import daily_work

NOW = datetime.datetime(2026, 12, 3, 12, 0, tzinfo=datetime.UTC)


def event_at(when, association, summary):
    with mock.patch("django.utils.timezone.now", return_value=when):
        return AuditEvent.objects.create(
            association=association, kind=Kind.LOGIN, summary=summary, actor_label="x"
        )


def days_ago(days):
    return NOW - datetime.timedelta(days=days)


@pytest.fixture
def dated_events(association, other_association):
    """Förbund A keeps 24 months (the default), B keeps 1 month; events of no förbund
    are kept 24 months."""
    other_association.audit_retention_months = 1
    other_association.save(update_fields=["audit_retention_months"])
    event_at(days_ago(740), association, "A, 24 months and more")
    event_at(days_ago(700), association, "A, under 24 months")
    event_at(days_ago(40), other_association, "B, over a month")
    event_at(days_ago(20), other_association, "B, under a month")
    event_at(days_ago(740), None, "none, 24 months and more")
    event_at(days_ago(20), None, "none, recent")


def kept():
    with scopes_disabled():
        return sorted(AuditEvent.objects.values_list("summary", flat=True))


def test_purge_removes_what_each_forbund_no_longer_keeps(dated_events):
    assert purge_expired(now=NOW) == 3
    assert kept() == ["A, under 24 months", "B, under a month", "none, recent"]


def test_purge_twice_removes_nothing_more(dated_events):
    purge_expired(now=NOW)
    assert purge_expired(now=NOW) == 0


def test_the_daily_job_purges(dated_events):
    work = daily_work(now=NOW)
    assert work.more["audit_events_purged"] == 3
    assert len(kept()) == 3


@pytest.mark.parametrize(
    ("now", "months", "expected"),
    [
        (datetime.datetime(2026, 5, 31, 8, 0), 3, datetime.datetime(2026, 2, 28, 8, 0)),
        (datetime.datetime(2026, 12, 3, 8, 0), 24, datetime.datetime(2024, 12, 3, 8, 0)),
        (datetime.datetime(2026, 1, 15, 8, 0), 1, datetime.datetime(2025, 12, 15, 8, 0)),
        (datetime.datetime(2026, 3, 31, 8, 0), 120, datetime.datetime(2016, 3, 31, 8, 0)),
    ],
)
def test_cutoff_is_whole_calendar_months_back(now, months, expected):
    assert cutoff(now=now, months=months) == expected


def test_the_retention_is_one_to_120_months(association):
    for months in (0, 121):
        association.audit_retention_months = months
        with pytest.raises(ValidationError) as error:
            association.full_clean()
        assert "audit_retention_months" in error.value.error_dict
