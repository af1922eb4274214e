"""Report forms: each takes the förbund (and, for a part, the report) and carries the
loaded ``version`` for optimistic locking. They validate shape; the services write."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from associations.forms import AssociationFormMixin
from plans.models import YEAR_VALIDATORS

from .models import AnnualReport, ControlResult, GoalResult, InterventionResult, ReportSection


def last_year() -> int:
    return timezone.localdate().year - 1


class ReportCreateForm(AssociationFormMixin, forms.Form):
    submit_label = _("Create the report")

    year = forms.IntegerField(label=_("Year"), initial=last_year, validators=YEAR_VALIDATORS)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=AnnualReport.Kind.choices, initial=AnnualReport.Kind.ANNUAL
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_(
            'As the förbund calls it, e.g. "Verksamhetsberättelse 2022". Left empty: '
            '"Annual report" (or "Interim report") and the year.'
        ),
    )


class ReportPartForm(AssociationFormMixin, forms.ModelForm):
    """A form for the report itself or one of its parts; the hidden version is the one loaded."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, report: AnnualReport | None = None, **kwargs):
        self.report = report
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["version"]
        else:
            self.fields["version"].initial = self.instance.version

    def clean(self):
        data = super().clean()
        # Browsers send a textarea's line breaks as CRLF; store one kind.
        for name, value in data.items():
            if isinstance(value, str) and "\r" in value:
                data[name] = value.replace("\r\n", "\n").replace("\r", "\n")
        return data


class ReportSettingsForm(ReportPartForm):
    class Meta:
        model = AnnualReport
        fields = ["title"]


class SectionForm(ReportPartForm):
    class Meta:
        model = ReportSection
        fields = ["heading", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 14})}
        # The plan section's help, word for word: one text to translate.
        help_texts = {
            "body": _(
                "Blank line between paragraphs; '- ' starts a bullet; **bold**, *italic*, "
                "## heading, [text](https://address) for a link."
            )
        }


class GoalResultForm(ReportPartForm):
    class Meta:
        model = GoalResult
        fields = ["outcome", "status", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 5})}


class InterventionResultForm(ReportPartForm):
    class Meta:
        model = InterventionResult
        fields = ["narrative"]
        widgets = {"narrative": forms.Textarea(attrs={"rows": 8})}
        help_texts = {"narrative": SectionForm.Meta.help_texts["body"]}


class ControlResultForm(ReportPartForm):
    class Meta:
        model = ControlResult
        fields = ["result", "deviation", "action"]
        widgets = {
            "deviation": forms.Textarea(attrs={"rows": 4}),
            "action": forms.Textarea(attrs={"rows": 4}),
        }
