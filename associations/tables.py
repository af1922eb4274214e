import django_tables2 as tables
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from finsam.formatting import format_integer

from .models import BoardSeat, Invitation, MemberParty, Membership, OfficeContact


class ActionsColumn(tables.TemplateColumn):
    """Edit and remove buttons; the record's name is there for screen readers."""

    def __init__(self, edit_label=None, **kwargs):
        edit_label = edit_label or _("Edit")
        super().__init__(
            template_name="associations/includes/_row_actions.html",
            extra_context={"edit_label": edit_label},
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
    population = tables.Column(attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}})
    actions = ActionsColumn()

    class Meta(BaseTable.Meta):
        model = MemberParty
        fields = ["name", "kind", "population", "member_until"]
        empty_text = _("No member parties yet.")

    def render_population(self, value):
        return format_integer(value)


class BoardSeatTable(BaseTable):
    party = tables.Column(verbose_name=capfirst(_("member party")))
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


class MembershipTable(BaseTable):
    user = tables.Column(verbose_name=capfirst(_("name")))
    email = tables.Column(accessor="user__email", verbose_name=capfirst(_("e-mail")))
    actions = ActionsColumn(edit_label=_("Change role"))

    class Meta(BaseTable.Meta):
        model = Membership
        fields = ["user", "email", "role"]
        empty_text = _("No users yet.")


class InvitationTable(BaseTable):
    """The address the kansli typed, the role and the state: nothing about an account."""

    state = tables.TemplateColumn(
        template_name="associations/includes/_invitation_state.html",
        verbose_name=capfirst(_("state")),
        orderable=False,
        empty_values=(),
    )
    sent_at = tables.DateTimeColumn(verbose_name=capfirst(_("sent")), format="Y-m-d")

    class Meta(BaseTable.Meta):
        model = Invitation
        fields = ["email", "role", "sent_at", "state"]
        empty_text = _("No invitations yet.")
