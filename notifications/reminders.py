"""The daily reminders of quarters due, and the daily work around them.

A projektledare who has not submitted a quarter is reminded ``reminder_days_before``
days before its deadline (``followup.deadlines``), and again the day after it. Each
reminder is a ``Notification`` with a key (intervention, quarter, occasion, person),
so running the day's work twice, or on a day it was missed, sends nothing twice. A
missed run is caught up: a reminder is still sent within its window (until the
deadline; up to ``LATE_WINDOW`` days after it).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope
from django_tasks_db.models import DBTaskResult

from associations import outbox
from associations.models import Association
from followup.deadlines import quarter_deadline
from followup.models import QuarterReport
from followup.selectors import QUARTERS, running_years_by_intervention
from plans.models import Intervention

from .delivery import Message, notify, send_digests
from .events import quarter_page
from .models import Kind

# Days after a deadline in which the "it was due yesterday" reminder is still sent.
LATE_WINDOW = 7
BEFORE, AFTER = "before", "after"
DONE = (QuarterReport.Status.SUBMITTED, QuarterReport.Status.APPROVED)


@dataclass(frozen=True)
class Occasion:
    year: int
    quarter: int
    deadline: datetime.date
    when: str  # BEFORE or AFTER


def occasions(association, *, today: datetime.date) -> list[Occasion]:
    """The quarters whose reminder window holds ``today``."""
    found = []
    for year in (today.year - 1, today.year):
        for quarter in QUARTERS:
            deadline = quarter_deadline(association, year, quarter)
            remind_from = deadline - datetime.timedelta(days=association.reminder_days_before)
            if remind_from <= today <= deadline:
                found.append(Occasion(year, quarter, deadline, BEFORE))
            elif deadline < today <= deadline + datetime.timedelta(days=LATE_WINDOW):
                found.append(Occasion(year, quarter, deadline, AFTER))
    return found


def _message(occasion: Occasion, intervention, association):
    words = {
        "quarter": occasion.quarter,
        "year": occasion.year,
        "intervention": intervention.name,
        "association": association.display_name,
        "deadline": occasion.deadline.isoformat(),
    }
    if occasion.when == BEFORE:
        subject = _("Reminder: Q%(quarter)s %(year)s of %(intervention)s is due") % words
        text = (
            _(
                "The figures of %(intervention)s in %(association)s for quarter %(quarter)s "
                "%(year)s are due by %(deadline)s."
            )
            % words
        )
    else:
        subject = _("Q%(quarter)s %(year)s of %(intervention)s was due %(deadline)s") % words
        text = (
            _(
                "The figures of %(intervention)s in %(association)s for quarter %(quarter)s "
                "%(year)s were due by %(deadline)s and have not been submitted."
            )
            % words
        )
    path = quarter_page(
        association=association,
        intervention=intervention,
        year=occasion.year,
        quarter=occasion.quarter,
    )
    return lambda user: Message(subject=subject, text=text, path=path)


def quarter_reminders(association, *, today: datetime.date) -> int:
    """Remind the project leaders of ``association`` of the quarters due. Returns how
    many reminders were made."""
    found = occasions(association, today=today)
    if not found:
        return 0
    running = running_years_by_intervention(association=association, decided_only=True)
    interventions = (
        Intervention.objects.filter(association=association, pk__in=running)
        .prefetch_related("project_leaders")
        .order_by("name", "pk")
    )
    done = set(
        QuarterReport.objects.filter(
            association=association,
            year__in={occasion.year for occasion in found},
            status__in=DONE,
        ).values_list("intervention_id", "year", "quarter")
    )
    made = 0
    for occasion in found:
        for intervention in interventions:
            if occasion.year not in running[intervention.pk]:
                continue
            if (intervention.pk, occasion.year, occasion.quarter) in done:
                continue
            leaders = list(intervention.project_leaders.all())
            made += len(
                notify(
                    association=association,
                    users=leaders,
                    kind=Kind.QUARTER_REMINDER,
                    message=_message(occasion, intervention, association),
                    key=lambda user, o=occasion, i=intervention: (
                        f"reminder:{i.pk}:{o.year}:q{o.quarter}:{o.when}:{user.pk}"
                    ),
                )
            )
    return made


@dataclass
class DailyWork:
    reminders: int = 0
    digests: int = 0
    retried: int = 0
    pruned: int = 0
    jobs_pruned: int = 0
    # What the apps above registered (``register_daily_job``): name → how many it did.
    more: dict[str, int] = field(default_factory=dict)


# The daily jobs of the apps above notifications (the audit app's purge), registered in
# their ``AppConfig.ready()``: name → function taking ``now=`` and returning a count.
_daily_jobs: dict[str, Callable[..., int]] = {}


def register_daily_job(name: str, job: Callable[..., int]) -> None:
    """Run ``job(now=...)`` in ``daily_work`` every day, reported as ``name``."""
    _daily_jobs[name] = job


# Days a finished job's result is kept by the database backend (its arguments are ids).
JOB_RESULTS_KEEP_DAYS = 7


def prune_job_results(*, now) -> int:
    """Delete the job runner's results of jobs finished over a week ago."""
    deleted, _ = (
        DBTaskResult.objects.finished()
        .filter(finished_at__lte=now - datetime.timedelta(days=JOB_RESULTS_KEEP_DAYS))
        .delete()
    )
    return deleted


def daily_work(*, now=None) -> DailyWork:
    """What ``manage.py send_reminders`` does: the reminders of every förbund, the
    daily digests, the mails whose next try is due, the sent mails past keeping, and
    the job runner's old results."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    work = DailyWork()
    for association in Association.objects.order_by("pk"):
        with scope(association=association):
            work.reminders += quarter_reminders(association, today=today)
    work.digests = send_digests(now=now)
    work.retried = outbox.retry_due(now=now)
    work.pruned = outbox.prune_sent(now=now)
    work.jobs_pruned = prune_job_results(now=now)
    for name, job in _daily_jobs.items():
        work.more[name] = job(now=now)
    return work
