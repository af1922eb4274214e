import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from finsam.formatting import format_integer

from .models import BoardSeat, Membership, MemberParty, OfficeContact

ACTIONS = """
<a class="btn btn-sm btn-outline-primary" href="{{ record.edit_url }}">{% load i18n %}{% translate "Edit" %}<span class="visually-hidden"> {{ record }}</span></a>
<a class="btn btn-sm btn-outline-danger" href="{{ record.delete_url }}">{% translate "Remove" %}<span class="visually-hidden"> {{ record }}</span></a>
"""


class ActionsColumn(tables.TemplateColumn):
    def __init__(self, **kwargs):
        super().__init__(
            template_code=ACTIONS,
            verbose_name=_("Actions"),
            orderable=False,
            attrs={"td": {"class": "text-end text-nowrap"}, "th": {"class": "text-end"}},
            **kwargs,
        )


class BaseTable(tables.Table):
    class Meta:
        attrs = {"class": "table table-striped align-middle"}
        orderable = False


class MemberPartyTable(BaseTable):
    population = tables.Column(
        attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}}
    )
    actions = ActionsColumn()

    class Meta(BaseTable.Meta):
        model = MemberParty
        fields = ["name", "kind", "population"]
        empty_text = _("No member parties yet.")

    def render_population(self, value):
        return format_integer(value)


class BoardSeatTable(BaseTable):
    party = tables.Column(verbose_name=_("member party"))
    actions = ActionsColumn()

    class Meta(BaseTable.Meta):
        model = BoardSeat
        fields = ["name", "party", "seat", "office"]
        empty_text = _("No board members recorded yet.")


class OfficeContactTable(BaseTable):
    actions = ActionsColumn()

    class Meta(BaseTable.Meta):
        model = OfficeContact
        fields = ["title", "name", "email", "phone"]
        empty_text = _("No kansli contacts yet.")


MEMBERSHIP_ACTIONS = """{% load i18n %}
<a class="btn btn-sm btn-outline-primary" href="{{ record.edit_url }}">{% translate "Change role" %}<span class="visually-hidden"> {{ record.user }}</span></a>
<a class="btn btn-sm btn-outline-danger" href="{{ record.delete_url }}">{% translate "Remove" %}<span class="visually-hidden"> {{ record.user }}</span></a>
"""


class MembershipTable(BaseTable):
    user = tables.Column(verbose_name=_("name"))
    email = tables.Column(accessor="user__email", verbose_name=_("e-mail"))
    actions = tables.TemplateColumn(
        template_code=MEMBERSHIP_ACTIONS,
        verbose_name=_("Actions"),
        orderable=False,
        attrs={"td": {"class": "text-end text-nowrap"}, "th": {"class": "text-end"}},
    )

    class Meta(BaseTable.Meta):
        model = Membership
        fields = ["user", "email", "role"]
        empty_text = _("No users yet.")
