"""The kansli drafts the annual report in place, as a plan is drafted; every role reads it.

The board's review and decision, the auditors' statement and the document (HTML/PDF)
are elsewhere; the report page leaves them a place (``reports/includes/_actions.html``).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import DeleteView, TemplateView, UpdateView
from django_tables2 import SingleTableView

from associations.mixins import (
    AssociationFormView,
    AssociationPermissionMixin,
    ServiceFormMixin,
    show_validation_error,
)
from associations.part_views import (
    PartDeleteMixin,
    PartFormMixin,
    PartKind,
    PartMoveMixin,
)
from associations.resubmission import OnceOnlyCreateMixin
from associations.rules import can
from budgets.outcome import outcome_summary
from plans.views import DocumentEditMixin, DocumentMixin, DocumentPartMixin, VersionedFormMixin

from . import forms, services
from .models import AnnualReport, ControlResult, GoalResult, InterventionResult, ReportSection
from .selectors import report_outcome, report_page
from .tables import ReportTable

VIEW = "reports.view_report"
EDIT = "reports.edit_report"


class ReportMixin(DocumentMixin):
    """A page of one report of the förbund (``report_pk`` in the URL)."""

    permission_required = VIEW
    url_kwarg = "report_pk"
    detail_url_name = "reports:report_detail"
    context_name = "report"
    report: AnnualReport

    def documents(self):
        return AnnualReport.objects.select_related("plan")

    def report_url(self, anchor: str = "") -> str:
        return self.document_url(anchor)


class ReportEditMixin(ReportMixin, DocumentEditMixin):
    """Kansli only, and only while the report is a draft (or sent back)."""

    permission_required = EDIT

    def ensure_editable(self) -> None:
        services.ensure_report_editable(self.report)


# Reports ----------------------------------------------------------------------


class ReportListView(AssociationPermissionMixin, SingleTableView):
    permission_required = VIEW
    table_class = ReportTable
    template_name = "reports/report_list.html"

    def get_queryset(self):
        return AnnualReport.objects.filter(association=self.association).order_by(
            "-year", "kind", "-pk"
        )


class ReportCreateView(OnceOnlyCreateMixin, AssociationFormView):
    permission_required = EDIT
    form_class = forms.ReportCreateForm
    page_title = _("New annual report")
    success_message = _(
        "The report has been created from the plan, with the figures of the budget's outcome "
        "and the follow-up."
    )

    def perform(self, form):
        data = form.cleaned_data
        self.created = services.report_create(
            association=self.association,
            acting_user=self.request.user,
            year=data["year"],
            kind=data["kind"],
            title=data["title"],
        )

    def get_success_url(self):
        if getattr(self, "created", None):
            return self.association_url("reports:report_detail", report_pk=self.created.pk)
        return self.association_url("reports:report_list")


class ReportDetailView(ReportMixin, TemplateView):
    template_name = "reports/report_detail.html"

    def get_context_data(self, **kwargs):
        suppress = not can(self.request.user, "followup.see_real_figures", self.association)
        may_edit = can(self.request.user, EDIT, self.association)
        outcome = report_outcome(self.report)
        return super().get_context_data(
            page=report_page(report=self.report, suppress=suppress),
            outcome=outcome,
            summary=outcome_summary(budget=outcome.budget, table=outcome) if outcome else None,
            suppressed=suppress,
            may_edit=may_edit,
            can_edit=may_edit and self.report.is_editable,
            **kwargs,
        )


class ReportFillView(ReportEditMixin, View):
    """POST: take the figures again from the budget's outcome and the follow-up."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            services.report_fill(report=self.report, acting_user=request.user)
        except ValidationError as error:
            show_validation_error(request, error)
        else:
            messages.success(
                request,
                _(
                    "The figures have been taken again from the budget's outcome and the "
                    "follow-up. What you wrote (texts, outcomes, statuses set) is kept."
                ),
            )
        return redirect(self.report_url())


class ReportUpdateView(VersionedFormMixin, ReportEditMixin, ServiceFormMixin, UpdateView):
    """The report's settings: its title."""

    form_class = forms.ReportSettingsForm
    template_name = "reports/part_form.html"

    def get_object(self, queryset=None):
        return self.report

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=_("Edit the report's title"), cancel_url=self.report_url(), **kwargs
        )

    def perform(self, form):
        services.report_update(
            report=form.instance,
            acting_user=self.request.user,
            expected_version=form.cleaned_data.get("version"),
        )

    def get_success_url(self):
        return self.report_url()


# Parts of a report ------------------------------------------------------------


class ReportPartMixin(DocumentPartMixin, ReportEditMixin):
    """A part of the report, shown on the report's page."""


class ReportPartFormView(
    OnceOnlyCreateMixin,
    VersionedFormMixin,
    PartFormMixin,
    ReportPartMixin,
    ServiceFormMixin,
    UpdateView,
):
    """Create (no ``pk``: sections only) or edit one part of the report."""

    template_name = "reports/part_form.html"

    def new_part(self):
        part = super().new_part()
        part.report = self.report
        return part

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "report": self.report}

    def perform(self, form):
        self.saved = services.report_part_save(
            instance=form.instance,
            acting_user=self.request.user,
            expected_version=form.cleaned_data.get("version"),
        )


class ReportPartDeleteView(PartDeleteMixin, ReportPartMixin, DeleteView):
    template_name = "associations/object_confirm_delete.html"

    def delete_part(self, part) -> None:
        services.report_part_delete(instance=part, acting_user=self.request.user)


class ReportPartMoveView(PartMoveMixin, ReportPartMixin, View):
    def move_part(self, part, offset: int) -> None:
        services.report_part_move(instance=part, acting_user=self.request.user, offset=offset)


# The kinds of part, by their URL prefix (``reports/urls.py``). Sections are the
# kansli's own (added, removed, moved); the result rows come from the plan and are
# only edited.
SECTIONS = PartKind(
    ReportSection, forms.SectionForm, _("Add a section"), _("Edit section"), "report", "section"
)
RESULT_KINDS = {
    "goal-results": PartKind(
        GoalResult,
        forms.GoalResultForm,
        _("Goal result"),
        _("Edit goal result"),
        "report",
        "goal-result",
    ),
    "intervention-results": PartKind(
        InterventionResult,
        forms.InterventionResultForm,
        _("Intervention result"),
        _("Edit the intervention's year"),
        "report",
        "intervention-result",
    ),
    "control-results": PartKind(
        ControlResult,
        forms.ControlResultForm,
        _("Control result"),
        _("Edit control result"),
        "report",
        "control-result",
    ),
}
