from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import DeleteView, TemplateView, UpdateView
from django_tables2 import SingleTableView

from associations.mixins import (
    AssociationFormView,
    AssociationPermissionMixin,
    ServiceFormMixin,
    apply_validation_error,
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
    """A page of one plan of the förbund (``plan_pk`` in the URL; another förbund's → 404)."""

    permission_required = VIEW

    @cached_property
    def plan(self) -> Plan:
        return get_object_or_404(
            Plan.objects.filter(association=self.association), pk=self.kwargs["plan_pk"]
        )

    def refusal(self):
        self.plan  # noqa: B018 - another förbund's plan id is a 404 for every method
        return None

    def plan_url(self, anchor: str = "") -> str:
        url = self.association_url("plans:plan_detail", plan_pk=self.plan.pk)
        return f"{url}#{anchor}" if anchor else url

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
            for message in error.messages:
                messages.error(request, message)
            return redirect(self.plan_url())
        messages.success(
            request,
            _("%(title)s has been created as a draft from %(source)s.")
            % {"title": new_plan.title, "source": self.plan.title},
        )
        return redirect(self.association_url("plans:plan_detail", plan_pk=new_plan.pk))


# Parts of a plan --------------------------------------------------------------


class VersionedFormMixin:
    """Save through ``perform``; an edit conflict keeps the user's input and shows the saved one."""

    def form_valid(self, form):
        try:
            self.perform(form)
        except services.EditConflict as conflict:
            apply_validation_error(form, conflict)
            form.data = form.data.copy()
            form.data["version"] = conflict.current.version
            return self.render_to_response(
                self.get_context_data(form=form, conflict_current=conflict.current)
            )
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


class PlanPartFormView(
    OnceOnlyCreateMixin, VersionedFormMixin, PlanEditMixin, ServiceFormMixin, UpdateView
):
    """Create (no ``pk``) or edit one part of the plan."""

    model = None
    plan_lookup = "plan"
    template_name = "plans/part_form.html"
    anchor_prefix = ""
    create_title = ""
    update_title = ""
    m2m_fields: tuple[str, ...] = ()
    initial_parents: tuple[str, ...] = ()

    def get_queryset(self):
        return self.model.objects.filter(**{self.plan_lookup: self.plan})

    def get_object(self, queryset=None):
        if "pk" not in self.kwargs:
            instance = self.model(association=self.association)
            if self.plan_lookup == "plan":
                instance.plan = self.plan
            return instance
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_initial(self):
        initial = super().get_initial()
        for name in self.initial_parents:
            if self.request.GET.get(name, "").isdigit():
                initial[name] = int(self.request.GET[name])
        return initial

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "plan": self.plan}

    def get_context_data(self, **kwargs):
        creating = self.object.pk is None
        return super().get_context_data(
            page_title=self.create_title if creating else self.update_title,
            cancel_url=self.plan_url(),
            **kwargs,
        )

    def perform(self, form):
        self.saved = services.plan_part_save(
            instance=form.instance,
            acting_user=self.request.user,
            expected_version=form.cleaned_data.get("version"),
            m2m={name: form.cleaned_data[name] for name in self.m2m_fields},
        )

    def get_success_url(self):
        saved = getattr(self, "saved", None)
        return self.plan_url(f"{self.anchor_prefix}-{saved.pk}" if saved else "")


class PlanPartDeleteView(PlanEditMixin, DeleteView):
    model = None
    plan_lookup = "plan"
    template_name = "associations/object_confirm_delete.html"

    def get_queryset(self):
        return self.model.objects.filter(**{self.plan_lookup: self.plan})

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=_("Remove"), cancel_url=self.plan_url(), **kwargs
        )

    def form_valid(self, form):
        try:
            services.plan_part_delete(instance=self.object, acting_user=self.request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(self.request, message)
        else:
            messages.success(self.request, _("Removed."))
        return HttpResponseRedirect(self.plan_url())


class PlanPartMoveView(PlanEditMixin, View):
    """POST ``direction=up|down``: move a part one place among its siblings."""

    model = None
    plan_lookup = "plan"
    anchor_prefix = ""
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        instance = get_object_or_404(
            self.model.objects.filter(**{self.plan_lookup: self.plan}), pk=kwargs["pk"]
        )
        offset = -1 if request.POST.get("direction") == "up" else 1
        services.plan_part_move(instance=instance, acting_user=request.user, offset=offset)
        return redirect(self.plan_url(f"{self.anchor_prefix}-{instance.pk}"))


class PlanInterventionFormView(PlanPartFormView):
    def perform(self, form):
        data = form.cleaned_data
        self.saved = services.plan_intervention_save(
            entry=form.instance,
            acting_user=self.request.user,
            expected_version=data.get("version"),
            name=data["name"],
            kind=data["kind"],
            start_year=data["start_year"],
            owner_party=data["owner_party"],
            project_leaders=data["project_leaders"],
            municipalities=data["municipalities"],
        )


def part_views(
    model,
    form_class,
    anchor,
    create_title,
    update_title,
    *,
    form_view=PlanPartFormView,
    plan_lookup="plan",
    **form_options,
):
    """The form, delete and move views of one kind of plan part."""
    common = {"model": model, "plan_lookup": plan_lookup}
    form_attrs = {
        **common,
        "form_class": form_class,
        "anchor_prefix": anchor,
        "create_title": create_title,
        "update_title": update_title,
        **form_options,
    }
    return (
        type(f"{model.__name__}FormView", (form_view,), form_attrs),
        type(f"{model.__name__}DeleteView", (PlanPartDeleteView,), common),
        type(f"{model.__name__}MoveView", (PlanPartMoveView,), {**common, "anchor_prefix": anchor}),
    )


PARTS = {
    "sections": part_views(
        Section, forms.SectionForm, "section", _("Add a section"), _("Edit section")
    ),
    "goal-areas": part_views(
        GoalArea, forms.GoalAreaForm, "goal-area", _("Add a goal area"), _("Edit goal area")
    ),
    "goals": part_views(
        Goal,
        forms.GoalForm,
        "goal",
        _("Add a goal"),
        _("Edit goal"),
        initial_parents=("goal_area", "plan_intervention"),
    ),
    "points": part_views(
        MeasurementPoint,
        forms.MeasurementPointForm,
        "point",
        _("Add a measurement point"),
        _("Edit measurement point"),
        m2m_fields=("counted_interventions",),
        initial_parents=("goal", "plan_intervention"),
    ),
    "interventions": part_views(
        PlanIntervention,
        forms.PlanInterventionForm,
        "intervention",
        _("Add an intervention"),
        _("Edit intervention"),
        form_view=PlanInterventionFormView,
    ),
    "staffing": part_views(
        StaffingLine,
        forms.StaffingLineForm,
        "staffing",
        _("Add a staffing line"),
        _("Edit staffing line"),
        plan_lookup="plan_intervention__plan",
        initial_parents=("plan_intervention",),
    ),
    "controls": part_views(
        ControlPoint,
        forms.ControlPointForm,
        "control",
        _("Add a row to the internal control plan"),
        _("Edit internal control row"),
    ),
    "communication": part_views(
        CommunicationItem,
        forms.CommunicationItemForm,
        "communication",
        _("Add a row to the communication plan"),
        _("Edit communication row"),
    ),
}
