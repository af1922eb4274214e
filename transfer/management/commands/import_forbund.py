"""``manage.py import_forbund ARCHIVE [--slug NEW_SLUG]``: the platform administrator
creates a förbund from an archive of "Exportera all data". All or nothing: on any
refusal one message is printed, nothing is written and the command exits non-zero."""

import time

from django.core.management.base import BaseCommand, CommandError

from transfer.archive import ArchiveError, archive_read
from transfer.importing import ImportRefused, association_import


class Command(BaseCommand):
    help = (
        "Import a förbund's whole data from an archive made by 'Exportera all data', "
        "optionally under a new slug. Nothing is written unless all of it is."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the .zip file downloaded from the export page")
        parser.add_argument("--slug", help="the new förbund's slug (default: the exported one)")

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            archive = archive_read(options["archive"])
            imported = association_import(archive=archive, slug=options["slug"])
        except FileNotFoundError:
            raise CommandError(f"No file {options['archive']}.") from None
        except (ArchiveError, ImportRefused) as refusal:
            raise CommandError(f"Nothing was imported: {refusal}") from None
        association = imported.association
        self.stdout.write(
            f"Imported {association.name} as /f/{association.slug}/ "
            f"in {time.monotonic() - started:.1f} s."
        )
        if imported.new_usernames:
            self.stdout.write(
                "New accounts, without a password until each person sets one through "
                f"'forgot password': {', '.join(imported.new_usernames)}"
            )
