import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from associations.tables import BaseTable

from .models import Plan


class PlanTable(BaseTable):
    title = tables.LinkColumn(
        "plans:plan_detail",
        kwargs={"association_slug": tables.A("association__slug"), "plan_pk": tables.A("pk")},
        verbose_name=_("Plan"),
    )
    period = tables.Column(accessor="period_label", verbose_name=_("Years"), orderable=False)
    status = tables.Column(verbose_name=_("Status"))
    approval = tables.Column(
        accessor="approval_line", verbose_name=_("Approval"), default="", orderable=False
    )
    version_note = tables.Column(
        empty_values=(), verbose_name=_("Version"), orderable=False, default=""
    )

    class Meta(BaseTable.Meta):
        model = Plan
        fields = ["title", "period", "status", "approval", "version_note"]
        empty_text = _("No plans yet.")

    def render_version_note(self, record):
        if record.superseded_by_id:
            return _("Replaced by a later revision")
        if record.revision_of_id:
            return _("Revision")
        return ""
