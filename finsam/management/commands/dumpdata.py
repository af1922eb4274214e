"""Django's ``dumpdata`` with the tenant scope disabled: a backup reads every förbund.

Without this, the first scoped model raises ``ScopeError`` (django-scopes refuses a
query with no förbund active), so the ordinary Django backup did not work."""

from django.core.management.commands.dumpdata import Command as DumpdataCommand
from django_scopes import scopes_disabled


class Command(DumpdataCommand):
    def handle(self, *app_labels, **options):
        with scopes_disabled():
            return super().handle(*app_labels, **options)
