"""``manage.py send_reminders``: the day's work of the notifications. Run it once a day
from cron, or let it keep time itself with ``--daily-at 06:15`` (docker-compose.yml's
``scheduler``). Running it twice sends nothing twice."""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notifications.reminders import daily_work


def parse_time(value: str) -> datetime.time:
    try:
        return datetime.time.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--daily-at takes a time such as 06:15, not {value!r}") from None


def seconds_until(at: datetime.time, *, now: datetime.datetime) -> float:
    """Seconds from ``now`` (aware) to the next ``at`` in the project's time zone."""
    local = timezone.localtime(now)
    target = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    if target <= local:
        target = timezone.make_aware(
            datetime.datetime.combine(local.date() + datetime.timedelta(days=1), at)
        )
    return (target - local).total_seconds()


class Command(BaseCommand):
    help = (
        "Send the day's reminders of quarters due and the daily digests, retry mails that "
        "failed, and delete sent mails and old job results. Safe to run more than once a day."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--daily-at",
            metavar="HH:MM",
            help="Run now, then every day at this local time, until stopped.",
        )

    def handle(self, *args, daily_at=None, **options):
        at = parse_time(daily_at) if daily_at else None
        while True:
            work = daily_work()
            self.stdout.write(
                f"reminders={work.reminders} digests={work.digests} "
                f"mails_retried={work.retried} mails_pruned={work.pruned} "
                f"job_results_pruned={work.jobs_pruned}"
                + "".join(f" {name}={count}" for name, count in work.more.items())
            )
            if at is None:
                return
            self.stdout.flush()
            time.sleep(seconds_until(at, now=timezone.now()))
