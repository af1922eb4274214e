"""Follow-up forms: they take the förbund, narrow every choice to it, and never write.

No form here has a field for a name or a personal identity number: only counts.
"""

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _
from django_scopes.forms import SafeModelChoiceField, SafeModelMultipleChoiceField

from associations.forms import AssociationFormMixin

from .models import (
    Focus,
    FollowUpMethod,
    Gender,
    Measure,
    PointAssessment,
)
from .selectors import genders_of


def value_field_name(measure_id: int | str, gender: str) -> str:
    """``m<id>_<gender>``; a standard measure not saved yet is named by its key instead."""
    return f"m{measure_id}_{gender}"


def measure_field_name(measure: Measure, gender: str) -> str:
    return value_field_name(measure.key if measure.pk is None else measure.pk, gender)


def data_for_saved_measures(data, measures):
    """``data`` sent from a page that showed some standard measures unsaved (their fields
    named by key), with those values also under the saved measures' names (by id)."""
    data = data.copy()
    for measure in measures:
        for gender in genders_of(measure) if measure.key else ():
            shown = value_field_name(measure.key, gender)
            if shown in data and measure.pk is not None:
                data.setdefault(value_field_name(measure.pk, gender), data[shown])
    return data


# More than any förbund reports in a quarter, and far within what the database holds.
MAX_COUNT = 1_000_000


class QuarterForm(forms.Form):
    """One field per reported measure and gender, a comment and the loaded version.

    Rendered as a table (``followup/includes/_quarter_fields.html``), one row per
    measure with a column for women and one for men.
    """

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("No names or other personal details: only what the figures need."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, measures, association=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.measures = list(measures)
        self.rows = []
        for measure in self.measures:
            cells = []
            for gender in genders_of(measure):
                name = measure_field_name(measure, gender)
                self.fields[name] = forms.IntegerField(
                    label=f"{measure.name}, {Gender(gender).label.lower()}",
                    required=False,
                    max_value=MAX_COUNT,
                    widget=forms.NumberInput(
                        attrs={"class": "form-control form-control-sm num", "inputmode": "numeric"}
                    ),
                )
                cells.append((gender, name))
            self.rows.append((measure, cells))

    def bound_rows(self):
        """``[(measure, {"women": bound field, "men": ..., "all": ...})]`` for the template."""
        return [
            (measure, {gender: self[name] for gender, name in cells})
            for measure, cells in self.rows
        ]

    def values(self) -> dict:
        """``{(measure_id, gender): count or None}`` from the cleaned data."""
        return {
            (measure.pk, gender): self.cleaned_data.get(name)
            for measure, cells in self.rows
            for gender, name in cells
        }


class TransitionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class FollowUpSettingsForm(AssociationFormMixin, forms.Form):
    focus = forms.ChoiceField(label=_("Focus (inriktning)"), choices=Focus.choices)
    precise_focus = forms.CharField(
        label=_("Precise focus (preciserad inriktning)"),
        required=False,
        max_length=200,
        help_text=_("As chosen when the insats is registered in Uppföljning Finsam."),
    )
    method = forms.ChoiceField(
        label=_("Follow-up method (uppföljningsmetod)"), choices=FollowUpMethod.choices
    )
    esf_funded = forms.BooleanField(label=_("Funded by the ESF"), required=False)
    measures = SafeModelMultipleChoiceField(
        queryset=Measure.objects.none(),
        required=False,
        label=_("Measures reported"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: the standard measures of the intervention's focus."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measures"].queryset = Measure.objects.filter(association=self.association)


class MeasureForm(AssociationFormMixin, forms.ModelForm):
    class Meta:
        model = Measure
        fields = ["name", "by_gender", "focus"]


class PointAssessmentForm(AssociationFormMixin, forms.ModelForm):
    measure = SafeModelChoiceField(
        queryset=Measure.objects.none(),
        required=False,
        label=_("Counted by the measure"),
        help_text=_("For a number of activities: the reported measure that counts them."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = PointAssessment
        fields = ["status", "comment", "assessed_on", "measure"]
        widgets = {
            "assessed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "comment": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].queryset = Measure.objects.filter(association=self.association)
        self.fields["version"].initial = self.instance.version if self.instance.pk else None


def plain_helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper
