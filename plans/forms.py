"""Plan forms: each takes the förbund and the plan, narrows every choice to
them, and carries the loaded ``version`` for optimistic locking."""

import json

from django import forms
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy
from django_scopes.forms import SafeModelChoiceField, SafeModelMultipleChoiceField

from associations.forms import AssociationFormMixin, VersionedPartFormMixin
from associations.models import MemberParty, Role, User
from associations.selectors import parties_for_year

from .models import (
    CommunicationItem,
    ControlPoint,
    Goal,
    GoalArea,
    Intervention,
    MeasurementPoint,
    Plan,
    PlanIntervention,
    Section,
    StaffingLine,
)


class PlanForm(AssociationFormMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Plan
        fields = ["title", "year", "end_year"]

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version


class PlanPartForm(VersionedPartFormMixin, AssociationFormMixin, forms.ModelForm):
    """A form for one part of ``plan``; the hidden version is the one loaded."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, plan: Plan, **kwargs):
        self.plan = plan
        super().__init__(*args, **kwargs)
        self.set_version()


class SectionForm(PlanPartForm):
    class Meta:
        model = Section
        fields = ["heading", "level", "kind", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 14})}


class GoalAreaForm(PlanPartForm):
    class Meta:
        model = GoalArea
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


def _choice_label(row) -> str:
    """A part as one line of a choice: a goal's whole text on one line, shortened by words."""
    text = getattr(row, "text", None) or str(row)
    return Truncator(" ".join(text.split())).chars(100)


class OneParentForm(PlanPartForm):
    """A part that belongs either to ``parent_field`` or to one of the plan's
    interventions, never both (goals, measurement points): one choice, *Hör till*, lists
    the plan's ``parent_model`` rows and its interventions in two groups, so both cannot
    be chosen. The query string's ``?goal=3`` or ``?plan_intervention=5`` (the links under
    a goal or an intervention) chooses it beforehand."""

    parent_field: str
    parent_model: type
    parents_label: str  # the group of ``parent_model`` rows in the choice
    parent = forms.ChoiceField(label=_("Belongs to"))

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, plan=plan, **kwargs)
        entries = PlanIntervention.objects.filter(plan=plan).select_related("intervention")
        self.parents = {
            f"{self.parent_field}-{row.pk}": (self.parent_field, row)
            for row in self.parent_model.objects.filter(plan=plan)
        } | {f"plan_intervention-{entry.pk}": ("plan_intervention", entry) for entry in entries}
        groups = [
            (self.parents_label, self.parent_field),
            (_("Interventions"), "plan_intervention"),
        ]
        self.fields["parent"].choices = [("", "---------")] + [
            (
                label,
                [
                    (key, _choice_label(row))
                    for key, (name, row) in self.parents.items()
                    if name == field
                ],
            )
            for label, field in groups
            if any(name == field for name, _row in self.parents.values())
        ]
        for name in (self.parent_field, "plan_intervention"):
            chosen = getattr(self.instance, f"{name}_id", None) or self.initial.get(name)
            if chosen:
                self.initial["parent"] = f"{name}-{chosen}"
                break
        self.order_fields(["parent"])

    def clean(self):
        data = super().clean()
        chosen = self.parents.get(data.get("parent"))
        if chosen is not None:
            name, row = chosen
            setattr(self.instance, self.parent_field, row if name == self.parent_field else None)
            self.instance.plan_intervention = row if name == "plan_intervention" else None
        return data


class GoalForm(OneParentForm):
    parent_field, parent_model, parents_label = "goal_area", GoalArea, _("Goal areas")

    class Meta:
        model = Goal
        fields = ["level", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class MeasurementPointForm(OneParentForm):
    parent_field, parent_model, parents_label = "goal", Goal, _("Goals")
    counted_interventions = SafeModelMultipleChoiceField(
        queryset=Intervention.objects.none(),
        required=False,
        label=_("Interventions counted"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For a number of participants: the interventions whose figures are summed."),
    )

    class Meta:
        model = MeasurementPoint
        fields = [
            "text",
            "kind",
            "target_count",
            "target_percent",
            "survey_threshold",
            "indicators",
            "outcome_work",
            "outcome_studies",
            "outcome_step",
            "deadline",
            "base_year",
            "direction",
            "activity",
            "gender_split",
            "measure",
            "counted_interventions",
        ]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3}),
            "deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, plan=plan, **kwargs)
        self.fields["counted_interventions"].queryset = Intervention.objects.filter(
            plan_entries__plan=plan
        )
        # static/js/fields-by-kind.js shows only the chosen kind's fields.
        self.fields["kind"].widget.attrs["data-fields-by-kind"] = json.dumps(
            {str(kind): fields for kind, fields in MeasurementPoint.FIELDS_BY_KIND.items()}
        )


class PlanInterventionForm(PlanPartForm):
    """What the plan says about an intervention, with the intervention's own fields."""

    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Intervention.Kind.choices)
    start_year = forms.IntegerField(
        label=_("Start year"), required=False, min_value=2000, max_value=2100
    )
    owner_party = SafeModelChoiceField(
        queryset=MemberParty.objects.none(), required=False, label=_("Project owner")
    )
    project_leaders = SafeModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        label=_("Project leaders"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Users with the project leader role in the förbund."),
    )
    municipalities = SafeModelMultipleChoiceField(
        queryset=MemberParty.objects.none(),
        required=False,
        label=_("Municipalities served"),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = PlanIntervention
        fields = [
            "status",
            "purpose",
            "target_group",
            "short_term_goals",
            "long_term_goals",
            "actions",
            "steering_group",
            "places",
            "places_note",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 4})
            for name in [
                "purpose",
                "target_group",
                "short_term_goals",
                "long_term_goals",
                "actions",
                "steering_group",
            ]
        }

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, plan=plan, **kwargs)
        named = []
        if self.instance.pk:
            named = [self.instance.owner_party_id, *self.instance.municipalities.all()]
        parties = parties_for_year(association=self.association, year=plan.year, keep=named)
        self.fields["owner_party"].queryset = parties
        self.fields["municipalities"].queryset = parties.filter(kind="kommun")
        self.fields["project_leaders"].queryset = User.objects.filter(
            memberships__association=self.association,
            memberships__role=Role.PROJECT_LEADER,
        ).order_by("last_name", "first_name")
        self.order_fields(
            ["name", "kind", "status", "start_year", "owner_party", "project_leaders"]
        )
        if self.instance.pk:
            entry = self.instance
            self.initial.update(
                name=entry.name,
                kind=entry.kind,
                start_year=entry.start_year,
                owner_party=entry.owner_party_id,
                project_leaders=list(entry.intervention.project_leaders.all()),
                municipalities=list(self.instance.municipalities.all()),
            )
        else:
            self.initial.setdefault("kind", Intervention.Kind.INDIVIDUAL)


class StaffingLineForm(PlanPartForm):
    plan_intervention = SafeModelChoiceField(
        queryset=PlanIntervention.objects.none(), label=_("Intervention")
    )
    party = SafeModelChoiceField(
        queryset=MemberParty.objects.none(), required=False, label=_("Member party")
    )

    class Meta:
        model = StaffingLine
        fields = ["plan_intervention", "role", "party", "percent"]

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, plan=plan, **kwargs)
        self.fields["plan_intervention"].queryset = PlanIntervention.objects.filter(
            plan=plan
        ).select_related("intervention")
        self.fields["party"].queryset = parties_for_year(
            association=self.association, year=plan.year, keep=[self.instance.party_id]
        )


class ControlPointForm(PlanPartForm):
    class Meta:
        model = ControlPoint
        fields = [
            "routine",
            "control",
            "responsible",
            "frequency",
            "method",
            "reporting_to",
            "risk",
        ]
        widgets = {"control": forms.Textarea(attrs={"rows": 2})}


class CommunicationItemForm(PlanPartForm):
    class Meta:
        model = CommunicationItem
        fields = ["audience", "channel", "frequency", "responsible"]
        widgets = {
            "audience": forms.Textarea(attrs={"rows": 2}),
            "channel": forms.Textarea(attrs={"rows": 2}),
            "responsible": forms.Textarea(attrs={"rows": 2}),
        }


# The board's review -------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ReviewSendForm(AssociationFormMixin, forms.Form):
    submit_label = _("Send to the board")

    deadline = forms.DateField(
        label=_("Comments due by"),
        widget=DateInput,
        error_messages={"required": _("Give the date the board's comments are due.")},
    )
    message = forms.CharField(
        label=_("Message to the board"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class DecisionForm(AssociationFormMixin, forms.Form):
    submit_label = _("Record the decision")

    APPROVED = "approved"
    SENT_BACK = "sent_back"

    outcome = forms.ChoiceField(
        label=_("The board's decision"),
        choices=[(APPROVED, _("Approved")), (SENT_BACK, _("Sent back"))],
        widget=forms.RadioSelect,
        initial=APPROVED,
    )
    meeting_date = forms.DateField(
        label=_("Date of the board meeting"), widget=DateInput, required=False
    )
    paragraph = forms.CharField(
        label=_("Minute paragraph (§)"), max_length=20, required=False, help_text=_("E.g. §39.")
    )
    dnr = forms.CharField(
        label=_("File number (dnr)"),
        max_length=40,
        required=False,
        help_text=_("Where the förbund uses one."),
    )
    text = forms.CharField(
        label=_("Approval line"),
        max_length=200,
        required=False,
        help_text=_(
            'As the förbund writes it, e.g. "Antagen av styrelsen 2021-11-23". Leave blank '
            'for "Fastställd av styrelsen" with the date, § and dnr.'
        ),
    )
    reason = forms.CharField(
        label=_("Why the board sent the plan back"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm_unhandled = forms.BooleanField(required=False)

    def __init__(self, *args, unhandled: int = 0, reason_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if reason_label:
            self.fields["reason"].label = reason_label
        if unhandled:
            self.fields["confirm_unhandled"].label = ngettext(
                "Approve the plan although %(count)s comment of the board is not handled",
                "Approve the plan although %(count)s comments of the board are not handled",
                unhandled,
            ) % {"count": unhandled}
        else:
            del self.fields["confirm_unhandled"]


class CommentForm(AssociationFormMixin, forms.Form):
    submit_label = pgettext_lazy("verb", "Comment")

    target = forms.ChoiceField(label=_("About"), required=False)
    body = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write the comment.")},
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = choices


class CommentBodyForm(AssociationFormMixin, forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write the comment.")},
    )


class ReplyForm(CommentBodyForm):
    submit_label = _("Answer")

    body = forms.CharField(
        label=_("Your answer"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the comment.")},
    )
