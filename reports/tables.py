import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from associations.tables import BaseTable

from .models import AnnualReport


class ReportTable(BaseTable):
    title = tables.LinkColumn(
        "reports:report_detail",
        kwargs={"association_slug": tables.A("association__slug"), "report_pk": tables.A("pk")},
        verbose_name=_("Report"),
    )
    year = tables.Column(verbose_name=_("Year"))
    kind = tables.Column(verbose_name=_("Kind"))
    status = tables.Column(verbose_name=_("Status"))
    approval = tables.Column(
        accessor="approval_line", verbose_name=_("Approval"), default="", orderable=False
    )

    class Meta(BaseTable.Meta):
        model = AnnualReport
        fields = ["title", "year", "kind", "status", "approval"]
        empty_text = _("No annual reports yet.")

    def render_year(self, value):
        return str(value)  # a year, not a number: no thousands separator
