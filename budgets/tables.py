import django_tables2 as tables
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from associations.tables import ActionsColumn, BaseTable
from finsam.formatting import format_kronor

from .models import FinancialRule


class FinancialRuleTable(BaseTable):
    value = tables.Column(verbose_name=capfirst(_("value")), attrs={"td": {"class": "num"}})
    actions = ActionsColumn()

    class Meta(BaseTable.Meta):
        model = FinancialRule
        fields = ["kind", "category", "value", "text"]
        empty_text = _("The förbund has recorded no financial rules.")

    def render_value(self, value, record):
        if record.is_percent:
            return f"{value.normalize():f} %".replace(".", ",")
        return format_kronor(value)
