"""``manage.py send_reminders``: the day's work of the notifications, run once a day
(docker-compose.yml's ``scheduler``; elsewhere from cron). Running it twice sends
nothing twice."""

from django.core.management.base import BaseCommand

from notifications.reminders import daily_work


class Command(BaseCommand):
    help = (
        "Send the day's reminders of quarters due and the daily digests, retry mails that "
        "failed, and delete sent mails past keeping. Safe to run more than once a day."
    )

    def handle(self, *args, **options):
        work = daily_work()
        self.stdout.write(
            f"reminders={work.reminders} digests={work.digests} "
            f"mails_retried={work.retried} mails_pruned={work.pruned}"
        )
