import django_tables2 as tables
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent


class EventTable(tables.Table):
    created_at = tables.Column(verbose_name=_("When"), attrs={"td": {"class": "text-nowrap"}})
    actor_label = tables.Column(verbose_name=_("Who"))
    address = tables.Column(verbose_name=_("Address"))
    kind = tables.Column(verbose_name=_("Kind"))
    summary = tables.Column(verbose_name=_("What"))

    class Meta:
        model = AuditEvent
        fields = ["created_at", "actor_label", "address", "kind", "summary"]
        attrs = {"class": "table table-striped align-middle"}
        orderable = False
        empty_text = _("No events.")

    def render_created_at(self, value):
        return date_format(localtime(value), "Y-m-d H:i:s")
