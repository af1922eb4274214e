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
    approval_text = tables.Column(verbose_name=_("Approval"), default="")

    class Meta(BaseTable.Meta):
        model = Plan
        fields = ["title", "period", "status", "approval_text"]
        empty_text = _("No plans yet.")
