from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import DeleteView, TemplateView, UpdateView
from django_tables2 import SingleTableView

from associations.mixins import (
    AssociationFormView,
    AssociationPermissionMixin,
    EditConflictMixin,
    ServiceFormMixin,
    apply_validation_error,
    show_validation_error,
)
from associations.part_views import (
    PartDeleteMixin,
    PartFormMixin,
    PartKind,
    PartMixin,
    PartMoveMixin,
)
from associations.resubmission import OnceOnlyCreateMixin
from associations.rules import can

from . import forms, services
from .models import (
    CommunicationItem,
    ControlPoint,
    Goal,
    GoalArea,
    MeasurementPoint,
    Plan,
    PlanIntervention,
    Section,
    StaffingLine,
)
from .selectors import attach_comments, plan_document, plans_of
from .tables import PlanTable

VIEW = "plans.view_plan"
EDIT = "plans.edit_plan"


class PlanMixin(AssociationPermissionMixin):
    """A page of one plan of the förbund (``plan_pk`` in the URL; another förbund's → 404,
    before any role check: see ``AssociationPermissionMixin``)."""

    permission_required = VIEW
    plan: Plan

    def fetch_objects(self) -> None:
        super().fetch_objects()
        self.plan = self.own_object(Plan.objects, self.kwargs["plan_pk"])

    def plan_url(self, anchor: str = "") -> str:
        url = self.association_url("plans:plan_detail", plan_pk=self.plan.pk)
        return f"{url}#{anchor}" if anchor else url

    # The board's workflow reads any decided document through these two names.
    @property
    def document(self) -> Plan:
        return self.plan

    def document_url(self) -> str:
        return self.plan_url()

    def get_context_data(self, **kwargs):
        kwargs.setdefault("plan", self.plan)
        return super().get_context_data(**kwargs)


class PlanEditMixin(PlanMixin):
    """Kansli only, and only while the plan is a draft (or sent back)."""

    permission_required = EDIT

    def refusal(self):
        try:
            services.ensure_editable(self.plan)
        except ValidationError as error:
            messages.error(self.request, error.messages[0])
            return redirect(self.plan_url())
        return None


# Plans ------------------------------------------------------------------------


class PlanListView(AssociationPermissionMixin, SingleTableView):
    permission_required = VIEW
    table_class = PlanTable
    template_name = "plans/plan_list.html"

    def get_queryset(self):
        return plans_of(association=self.association)


class PlanCreateView(OnceOnlyCreateMixin, AssociationFormView):
    permission_required = EDIT
    form_class = forms.PlanForm
    page_title = _("New plan")
    success_message = _("The plan has been created.")

    def perform(self, form):
        data = form.cleaned_data
        self.created = services.plan_create(
            association=self.association,
            acting_user=self.request.user,
            year=data["year"],
            end_year=data["end_year"],
            title=data["title"],
        )

    def get_success_url(self):
        if getattr(self, "created", None):
            return self.association_url("plans:plan_detail", plan_pk=self.created.pk)
        return self.association_url("plans:plan_list")


class PlanDetailView(PlanMixin, TemplateView):
    template_name = "plans/plan_detail.html"

    def get_context_data(self, **kwargs):
        from .comments import comment_threads

        document = plan_document(plan=self.plan)
        threads = comment_threads(plan=self.plan)
        attach_comments(document, threads)
        return super().get_context_data(
            **document,
            show_comments=True,
            comment_count=len(threads),
            can_comment=self.plan.status == Plan.Status.REVIEW
            and can(self.request.user, "plans.add_comment", self.plan),
            **kwargs,
        )


class PlanCopyView(PlanMixin, TemplateView):
    """Start next year's plan from this one (any status: an approved plan is the usual source)."""

    permission_required = EDIT
    template_name = "plans/plan_copy_confirm.html"

    def post(self, request, *args, **kwargs):
        try:
            new_plan = services.plan_copy_to_next_year(plan=self.plan, acting_user=request.user)
        except ValidationError as error:
            # Pressed twice (or again later): the plan the first press made is the answer.
            made = self.plan.copies.filter(year=self.plan.year + 1).first()
            if made is not None:
                messages.info(
                    request,
                    _("%(title)s has already been started from this plan.") % {"title": made.title},
                )
                return redirect(self.association_url("plans:plan_detail", plan_pk=made.pk))
            show_validation_error(request, error)
            return redirect(self.plan_url())
        messages.success(
            request,
            _("%(title)s has been created as a draft from %(source)s.")
            % {"title": new_plan.title, "source": self.plan.title},
        )
        return redirect(self.association_url("plans:plan_detail", plan_pk=new_plan.pk))


# Parts of a plan --------------------------------------------------------------


class VersionedFormMixin(EditConflictMixin):
    """Save through ``perform``; an edit conflict keeps the user's input and shows the saved one."""

    def form_valid(self, form):
        try:
            self.perform(form)
        except services.EditConflict as conflict:
            return self.render_edit_conflict(form, conflict, conflict_current=conflict.current)
        except ValidationError as error:
            self.show_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return HttpResponseRedirect(self.get_success_url())

    def show_error(self, form, error):
        apply_validation_error(form, error)


class PlanUpdateView(VersionedFormMixin, PlanEditMixin, ServiceFormMixin, UpdateView):
    form_class = forms.PlanForm
    template_name = "plans/part_form.html"

    def get_object(self, queryset=None):
        return self.plan

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=_("Edit the plan's title and years"), cancel_url=self.plan_url(), **kwargs
        )

    def perform(self, form):
        services.plan_update(
            plan=form.instance,
            acting_user=self.request.user,
            expected_version=form.cleaned_data.get("version") or form.instance.version,
        )

    def get_success_url(self):
        return self.plan_url()


class PlanPartMixin(PartMixin, PlanEditMixin):
    """A part of the plan (``associations.part_views``), shown on the plan's page."""

    def container(self):
        return self.plan

    def container_url(self, part=None) -> str:
        return self.plan_url(self.part_anchor(part))


class PlanPartFormView(
    OnceOnlyCreateMixin,
    VersionedFormMixin,
    PartFormMixin,
    PlanPartMixin,
    ServiceFormMixin,
    UpdateView,
):
    """Create (no ``pk``) or edit one part of the plan."""

    template_name = "plans/part_form.html"

    def new_part(self):
        part = super().new_part()
        if self.kind.container_lookup == "plan":
            part.plan = self.plan
        return part

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "plan": self.plan}

    def perform(self, form):
        self.saved = services.plan_part_save(
            instance=form.instance,
            acting_user=self.request.user,
            expected_version=form.cleaned_data.get("version"),
            m2m={name: form.cleaned_data[name] for name in self.kind.m2m_fields},
        )


class PlanInterventionFormView(PlanPartFormView):
    """An intervention of the plan: saved with its project leaders and kommuner."""

    SAVED_FIELDS = (
        "name",
        "kind",
        "start_year",
        "owner_party",
        "project_leaders",
        "municipalities",
    )

    def perform(self, form):
        data = form.cleaned_data
        self.saved = services.plan_intervention_save(
            entry=form.instance,
            acting_user=self.request.user,
            expected_version=data.get("version"),
            **{name: data[name] for name in self.SAVED_FIELDS},
        )


class PlanPartDeleteView(PartDeleteMixin, PlanPartMixin, DeleteView):
    template_name = "associations/object_confirm_delete.html"

    def delete_part(self, part) -> None:
        services.plan_part_delete(instance=part, acting_user=self.request.user)


class PlanPartMoveView(PartMoveMixin, PlanPartMixin, View):
    def move_part(self, part, offset: int) -> None:
        services.plan_part_move(instance=part, acting_user=self.request.user, offset=offset)


# The kinds of part, by their URL prefix (``plans/urls.py``).
PART_KINDS = {
    "sections": PartKind(
        Section, forms.SectionForm, _("Add a section"), _("Edit section"), "plan", "section"
    ),
    "goal-areas": PartKind(
        GoalArea,
        forms.GoalAreaForm,
        _("Add a goal area"),
        _("Edit goal area"),
        "plan",
        "goal-area",
    ),
    "goals": PartKind(
        Goal,
        forms.GoalForm,
        _("Add a goal"),
        _("Edit goal"),
        "plan",
        "goal",
        initial_parents=("goal_area", "plan_intervention"),
    ),
    "points": PartKind(
        MeasurementPoint,
        forms.MeasurementPointForm,
        _("Add a measurement point"),
        _("Edit measurement point"),
        "plan",
        "point",
        initial_parents=("goal", "plan_intervention"),
        m2m_fields=("counted_interventions",),
    ),
    "interventions": PartKind(
        PlanIntervention,
        forms.PlanInterventionForm,
        _("Add an intervention"),
        _("Edit intervention"),
        "plan",
        "intervention",
    ),
    "staffing": PartKind(
        StaffingLine,
        forms.StaffingLineForm,
        _("Add a staffing line"),
        _("Edit staffing line"),
        "plan_intervention__plan",
        "staffing",
        initial_parents=("plan_intervention",),
    ),
    "controls": PartKind(
        ControlPoint,
        forms.ControlPointForm,
        _("Add a row to the internal control plan"),
        _("Edit internal control row"),
        "plan",
        "control",
    ),
    "communication": PartKind(
        CommunicationItem,
        forms.CommunicationItemForm,
        _("Add a row to the communication plan"),
        _("Edit communication row"),
        "plan",
        "communication",
    ),
}
