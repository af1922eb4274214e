"""``manage.py load_demo``: the seed förbund with their plans, budgets, the year's
outcome, follow-up, the board's review and the annual reports. A command of the top
layer: it calls each app's demo loader in order (a plan's budget is loaded before the
plan is approved, as the board approved both).
"""

from django.core.management.base import BaseCommand

from associations import outbox
from associations.demo import DEMO_SLUGS, load_demo_associations
from associations.models import User
from budgets.demo import change_demo_revision_budget, load_demo_budget, load_demo_outcome
from followup.demo import load_demo_followup
from plans.demo import load_demo_plan
from plans.demo_review import load_demo_review
from reports.demo import load_demo_reports


class Command(BaseCommand):
    help = "Create (or refresh) the five seed förbund and their demo users. Idempotent."

    def handle(self, *args, **options):
        # The demo's events (plans sent to the board, decisions) mail nobody.
        with outbox.muted():
            self.load()

    def load(self):
        associations = load_demo_associations()
        for association in associations.values():
            plan = load_demo_plan(association, before_approval=load_demo_budget)
            load_demo_budget(plan)
            kansli = User.objects.filter(username=f"{association.slug}-kansli").first()
            load_demo_outcome(plan, user=kansli)
            load_demo_followup(association, plan)
        load_demo_review(associations, change_budget=change_demo_revision_budget)
        load_demo_reports(associations)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded: {len(DEMO_SLUGS)} förbund with their plans, budgets, "
                "follow-up and annual reports. "
                "Users <slug>-kansli, "
                "<slug>-styrelse, <slug>-projektledare, <slug>-revisor, flera-forbund and "
                "admin, all with the password 'demo'."
            )
        )
