from django import forms
from django.utils.translation import gettext_lazy as _

from associations.forms import AssociationFormMixin
from plans.forms import DateInput


class AuditorsStatementForm(AssociationFormMixin, forms.Form):
    submit_label = _("Record the statement")

    statement_on = forms.DateField(
        label=_("Date of the statement"),
        widget=DateInput,
        error_messages={"required": _("Give the date of the auditors' statement.")},
    )
    recommends_discharge = forms.ChoiceField(
        label=_("Discharge from liability (ansvarsfrihet)"),
        choices=[
            ("yes", _("The auditors recommend discharge from liability (tillstyrker)")),
            ("no", _("The auditors do not recommend discharge from liability (avstyrker)")),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Say whether the auditors recommend discharge from liability.")
        },
    )
    text = forms.CharField(
        label=_("The auditors' statement"),
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Write the auditors' statement.")},
    )
