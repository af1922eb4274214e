from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
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

from . import forms, frozen_cache, services
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
from .selectors import (
    attach_comments,
    old_year_mentions,
    plan_document,
    plan_page_body_key,
    plans_of,
)
from .tables import PlanTable

VIEW = "plans.view_plan"
EDIT = "plans.edit_plan"


class DocumentMixin(AssociationPermissionMixin):
    """A page of one document the board decides (a plan, an annual report), fetched
    through the förbund by the URL's ``url_kwarg`` (another förbund's → 404, before any
    role check: see ``AssociationPermissionMixin``). The document is ``self.document``
    and, by its own name, ``self.<context_name>`` and in the template's context."""

    url_kwarg = ""
    detail_url_name = ""
    context_name = ""

    def fetch_objects(self) -> None:
        super().fetch_objects()
        self.document = self.own_object(self.documents(), self.kwargs[self.url_kwarg])
        setattr(self, self.context_name, self.document)

    def documents(self):
        """The queryset the document is fetched from (made in the förbund's scope)."""
        raise NotImplementedError

    def document_url(self, anchor: str = "") -> str:
        url = self.association_url(self.detail_url_name, **{self.url_kwarg: self.document.pk})
        return f"{url}#{anchor}" if anchor else url

    def get_context_data(self, **kwargs):
        kwargs.setdefault(self.context_name, self.document)
        return super().get_context_data(**kwargs)


class DocumentEditMixin(DocumentMixin):
    """Only while the document is a draft (or sent back): otherwise back to it, with the
    reason."""

    def ensure_editable(self) -> None:
        raise NotImplementedError

    def refusal(self):
        try:
            self.ensure_editable()
        except ValidationError as error:
            messages.error(self.request, error.messages[0])
            return redirect(self.document_url())
        return None


class PlanMixin(DocumentMixin):
    """A page of one plan of the förbund (``plan_pk`` in the URL)."""

    permission_required = VIEW
    url_kwarg = "plan_pk"
    detail_url_name = "plans:plan_detail"
    context_name = "plan"
    plan: Plan

    def documents(self):
        return Plan.objects.select_related("copied_from")

    def plan_url(self, anchor: str = "") -> str:
        return self.document_url(anchor)


class PlanEditMixin(PlanMixin, DocumentEditMixin):
    """Kansli only, and only while the plan is a draft (or sent back)."""

    permission_required = EDIT

    def ensure_editable(self) -> None:
        services.ensure_editable(self.plan)


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
    template_name = "plans/plan_form.html"
    page_title = _("New plan")
    success_message = _("The plan has been created.")

    def get_context_data(self, **kwargs):
        """With the plan that already has the year typed, to open it from the error."""
        context = super().get_context_data(**kwargs)
        form = context["form"]
        year = form.data.get(form.add_prefix("year"), "") if form.is_bound else ""
        if "year" in form.errors and year.strip().isdigit():
            context["existing_plan"] = (
                plans_of(association=self.association).filter(year=int(year)).first()
            )
        return context

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
        from .comments import comment_threads, thread_heads

        # An approved plan's body is kept: its key needs only where each thread is, and
        # the threads themselves are read only to render it (once).
        approved = self.plan.status == Plan.Status.APPROVED
        threads = thread_heads(plan=self.plan) if approved else comment_threads(plan=self.plan)
        context = super().get_context_data(
            show_comments=True,
            comment_count=len(threads),
            can_comment=self.plan.status == Plan.Status.REVIEW
            and can(self.request.user, "plans.add_comment", self.plan),
            **kwargs,
        )
        key = plan_page_body_key(plan=self.plan, threads=threads)
        if key is None:
            document = self._document(threads)
            context.update(document)
            if can(self.request.user, "plans.edit_plan", self.association):
                context["old_year_mentions"] = old_year_mentions(plan=self.plan, document=document)
            return context
        # An approved plan: its contents and body are the same for everybody (nobody may
        # edit or comment), rendered once and kept (``plans.frozen_cache``).
        toc, body = frozen_cache.kept(
            key, lambda: self._render_body(context, comment_threads(plan=self.plan))
        )
        context.update(kept_toc=mark_safe(toc), kept_body=mark_safe(body))  # noqa: S308
        return context

    def _document(self, threads) -> dict:
        document = plan_document(plan=self.plan)
        attach_comments(document, threads)
        return document

    def _render_body(self, context, threads) -> tuple[str, str]:
        context = {**context, **self._document(threads), "editable": False}
        return tuple(
            render_to_string(template, context, request=self.request)
            for template in ("plans/includes/_plan_toc.html", "plans/plan_body.html")
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


class DocumentPartMixin(PartMixin):
    """A part of a document (``associations.part_views``), shown on the document's page."""

    def container(self):
        return self.document

    def container_url(self, part=None) -> str:
        return self.document_url(self.part_anchor(part))


class PlanPartMixin(DocumentPartMixin, PlanEditMixin):
    """A part of the plan, shown on the plan's page."""


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
