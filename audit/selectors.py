"""Reading the Händelselogg: the rows of the page and of its CSV file."""

import csv
import io

from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from finsam.exports import safe_csv_value

from .models import AuditEvent


def association_events(*, association):
    """The förbund's events, newest first."""
    return AuditEvent.objects.filter(association=association).order_by("-created_at", "-pk")


def events_csv(events) -> bytes:
    """UTF-8 with a byte-order mark and semicolons, as Excel in Sweden opens it; every
    text is data, never a formula (``finsam.exports.safe_csv_value``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([_("When"), _("Who"), _("Address"), _("Kind"), _("What"), _("Object")])
    for event in events.iterator():
        row = [
            localtime(event.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            event.actor_label,
            event.address,
            event.get_kind_display(),
            event.summary,
            event.target,
        ]
        writer.writerow([safe_csv_value(str(value)) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
