"""Django's ``loaddata`` with the tenant scope disabled, to read back what ``dumpdata``
wrote. Rows are saved raw: the frozen-plan guards (``plans.freezing``) let a raw save
through, and simple_history records nothing for one (its history rows come from the
fixture, like every other table's)."""

from django.core.management.commands.loaddata import Command as LoaddataCommand
from django_scopes import scopes_disabled


class Command(LoaddataCommand):
    def handle(self, *fixture_labels, **options):
        with scopes_disabled():
            return super().handle(*fixture_labels, **options)
