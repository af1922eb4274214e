"""The daily work: reminders before and after a quarter's deadline, once only; the digest,
once a day; and ``manage.py send_reminders``, which may run twice."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from followup import services as followup_services
from followup import workflow as quarter_workflow
from followup.deadlines import quarter_deadline, quarter_end
from notifications import reminders
from notifications.delivery import send_digests
from notifications.models import Delivery, Kind, Notification, NotificationPreference
from plans import workflow
from tests.factories import MembershipFactory, PlanFactory, PlanInterventionFactory
from tests.followup.conftest import counts
from tests.notifications.conftest import decided_entry


@pytest.fixture
def delivered(django_capture_on_commit_callbacks):
    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


def test_quarter_deadline_is_days_after_the_quarter_ends(association):
    assert quarter_end(2026, 1) == datetime.date(2026, 3, 31)
    assert quarter_end(2024, 4) == datetime.date(2024, 12, 31)
    assert quarter_deadline(association, 2026, 1) == datetime.date(2026, 4, 15)
    association.quarter_deadline_days = 30
    assert quarter_deadline(association, 2026, 2) == datetime.date(2026, 7, 30)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (datetime.date(2026, 4, 9), []),
        (datetime.date(2026, 4, 10), [(2026, 1, "before")]),  # 5 days before 15 April
        (datetime.date(2026, 4, 15), [(2026, 1, "before")]),
        (datetime.date(2026, 4, 16), [(2026, 1, "after")]),
        (datetime.date(2026, 4, 22), [(2026, 1, "after")]),  # a missed run caught up
        (datetime.date(2026, 4, 23), []),
        (datetime.date(2026, 1, 12), [(2025, 4, "before")]),  # Q4 of last year
    ],
)
def test_the_reminder_windows(association, today, expected):
    found = reminders.occasions(association, today=today)
    assert [(o.year, o.quarter, o.when) for o in found] == expected


def remind(association, day, delivered):
    with scope(association=association):
        return delivered(reminders.quarter_reminders, association, today=day)


def test_a_project_leader_is_reminded_before_and_after_once_each(intervention, members, delivered):
    association = intervention.association
    assert remind(association, datetime.date(2026, 4, 10), delivered) == 1
    assert remind(association, datetime.date(2026, 4, 11), delivered) == 0  # same occasion
    assert [m.subject for m in mail.outbox] == ["Påminnelse: K1 2026 för Stegen ska lämnas in"]
    assert mail.outbox[0].to == [members["projektledare"].email]
    assert "senast 2026-04-15" in mail.outbox[0].body
    assert f"/interventions/{intervention.pk}/2026/q1/" in mail.outbox[0].body
    assert remind(association, datetime.date(2026, 4, 16), delivered) == 1
    assert remind(association, datetime.date(2026, 4, 16), delivered) == 0
    assert mail.outbox[-1].subject == "K1 2026 för Stegen skulle ha lämnats in 2026-04-15"
    assert len(mail.outbox) == 2


def test_no_reminder_once_submitted(intervention, members, measures, delivered):
    report = followup_services.quarter_report_save(
        intervention=intervention,
        year=2026,
        quarter=1,
        acting_user=members["projektledare"],
        expected_version=None,
        values=counts(measures, active=(1, 1)),
    )
    followup_services.quarter_report_transition(
        report=report, acting_user=members["projektledare"], action=quarter_workflow.SUBMIT
    )
    mail.outbox.clear()
    assert remind(intervention.association, datetime.date(2026, 4, 12), delivered) == 0
    assert mail.outbox == []


def test_no_reminder_for_a_year_the_intervention_does_not_run(scoped, members, delivered):
    plan = PlanFactory(association=scoped, year=2025, end_year=2025)
    entry = decided_entry(plan)
    entry.intervention.project_leaders.add(members["projektledare"])
    assert remind(scoped, datetime.date(2026, 4, 12), delivered) == 0
    # Q4 2025 is its year: reminded.
    assert remind(scoped, datetime.date(2026, 1, 12), delivered) == 1


def test_a_reminder_follows_the_persons_choice(intervention, members, delivered):
    NotificationPreference.objects.create(
        user=members["projektledare"], kind=Kind.QUARTER_REMINDER, delivery=Delivery.NEVER
    )
    assert remind(intervention.association, datetime.date(2026, 4, 12), delivered) == 0
    assert mail.outbox == []


def test_the_digest_gathers_a_day_per_person_and_forbund_once(plan, members, delivered):
    board = members["styrelse"]
    NotificationPreference.objects.create(user=board, kind=Kind.REVIEW, delivery=Delivery.DIGEST)
    NotificationPreference.objects.create(user=board, kind=Kind.DECISION, delivery=Delivery.DIGEST)
    deadline = timezone.localdate() + datetime.timedelta(days=3)
    workflow.send_for_review(document=plan, acting_user=members["kansli"], deadline=deadline)
    workflow.record_sent_back(document=plan, acting_user=members["kansli"], reason="Mer")
    mail.outbox.clear()
    # Today's events wait for tomorrow's run.
    assert delivered(send_digests) == 0
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    with scopes_disabled():
        assert delivered(send_digests, now=tomorrow) == 1
        assert delivered(send_digests, now=tomorrow) == 0
        assert not Notification.objects.filter(user=board, digested_at__isnull=True).exists()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [board.email]
    assert message.subject == "Sammanfattning från Samordningsförbundet A: 2 nya"
    assert "Verksamhetsplan 2026 är skickad till styrelsen på remiss" in message.body
    assert "Verksamhetsplan 2026 är återsänd" in message.body
    assert "/accounts/notifications/" in message.body


def test_a_digest_never_mixes_forbund(plan, members, other_association, delivered):
    """A person in two förbund gets one digest per förbund."""
    board = members["styrelse"]
    with scope(association=other_association):
        MembershipFactory(association=other_association, user=board, role="styrelse")
        kansli_b = MembershipFactory(association=other_association, role="kansli").user
        plan_b = PlanFactory(
            association=other_association, year=2026, end_year=2026, title="Plan B 2026"
        )
        deadline = timezone.localdate() + datetime.timedelta(days=3)
        workflow.send_for_review(document=plan_b, acting_user=kansli_b, deadline=deadline)
    with scopes_disabled():  # made before the choice below: into the digest as well
        Notification.objects.update(delivery=Delivery.DIGEST)
    NotificationPreference.objects.create(user=board, kind=Kind.REVIEW, delivery=Delivery.DIGEST)
    workflow.send_for_review(document=plan, acting_user=members["kansli"], deadline=deadline)
    with scopes_disabled():
        delivered(send_digests, now=timezone.now() + datetime.timedelta(days=1))
    digests = [m for m in mail.outbox if m.subject.startswith("Sammanfattning")]
    assert len(digests) == 2
    for message in digests:
        assert ("Plan B 2026" in message.body) != ("Verksamhetsplan 2026" in message.body)


def test_send_reminders_twice_sends_nothing_twice(intervention, members, delivered, monkeypatch):
    day = timezone.make_aware(datetime.datetime(2026, 4, 16, 7, 0))
    monkeypatch.setattr("notifications.reminders.timezone.now", lambda: day)
    out = StringIO()
    delivered(call_command, "send_reminders", stdout=out)
    assert "reminders=1" in out.getvalue()
    out = StringIO()
    delivered(call_command, "send_reminders", stdout=out)
    assert "reminders=0 digests=0" in out.getvalue()
    assert len(mail.outbox) == 1


def test_daily_at_waits_until_the_next_morning_in_swedish_time():
    from notifications.management.commands.send_reminders import seconds_until

    stockholm = timezone.get_default_timezone()
    at = datetime.time(6, 15)
    before = datetime.datetime(2026, 12, 3, 5, 15, tzinfo=stockholm)
    assert seconds_until(at, now=before) == 3600
    after = datetime.datetime(2026, 12, 3, 6, 15, tzinfo=stockholm)
    assert seconds_until(at, now=after) == 24 * 3600
    # In UTC as the container's clock gives it: 05:00 UTC is 06:00 in Stockholm (winter).
    utc = datetime.datetime(2026, 12, 3, 5, 0, tzinfo=datetime.UTC)
    assert seconds_until(at, now=utc) == 15 * 60


def test_daily_at_refuses_a_time_it_cannot_read():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="06:15"):
        call_command("send_reminders", "--daily-at", "kvart över sex")


def test_old_job_results_are_pruned(db):
    from django_tasks_db.models import DBTaskResult

    from notifications.reminders import prune_job_results

    now = timezone.now()
    for days in (8, 1):
        DBTaskResult.objects.create(
            status="SUCCESSFUL",
            task_path="associations.outbox.deliver",
            args_kwargs={"args": [1], "kwargs": {}},
            queue_name="default",
            backend_name="default",
            priority=0,
            enqueued_at=now - datetime.timedelta(days=days),
            finished_at=now - datetime.timedelta(days=days),
        )
    assert prune_job_results(now=now) == 1
    assert DBTaskResult.objects.count() == 1


def test_no_reminder_for_the_years_of_a_plan_not_yet_approved(scoped, members, delivered):
    """A draft (or a plan on review) commits nobody to report: nothing is due yet."""
    plan = PlanFactory(association=scoped, year=2026, end_year=2026)
    entry = PlanInterventionFactory(association=scoped, plan=plan)
    entry.intervention.project_leaders.add(members["projektledare"])
    assert remind(scoped, datetime.date(2026, 4, 12), delivered) == 0


def test_the_reminder_must_come_after_the_quarter_has_ended(association):
    from django.core.exceptions import ValidationError

    association.quarter_deadline_days, association.reminder_days_before = 15, 15
    with pytest.raises(ValidationError) as refused:
        association.full_clean()
    assert "reminder_days_before" in refused.value.message_dict
    association.reminder_days_before = 14
    association.full_clean()
