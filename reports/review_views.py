"""The board's review of a report and the auditors' statement: the plan's workflow
pages (``plans.review_views``) on a report."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView

from associations.mixins import ServiceFormMixin
from plans.review_views import (
    DecisionBase,
    PlanServiceFormView,
    ReviewSendBase,
    ReviewWithdrawBase,
)

from . import history, review_forms, workflow
from .views import ReportMixin


class ReportReviewSendView(ReviewSendBase, ReportMixin, PlanServiceFormView):
    page_title = _("Send the report to the board for review")
    intro = _(
        "The board members see the report and can read it until the deadline. The report "
        "cannot be changed while the board reviews it; take it back to change it."
    )
    success_message = _("The report has been sent to the board for review.")


class ReportReviewWithdrawView(ReviewWithdrawBase, ReportMixin, View):
    success_message = _("The report has been taken back and is a draft again.")


class ReportDecisionView(DecisionBase, ReportMixin, PlanServiceFormView):
    intro = _(
        "Approved: give the date of the meeting, the minute paragraph and the file number "
        "where the förbund uses one. The report is then frozen and its PDF archived. Sent "
        "back: say why; the kansli can then change the report and send it again."
    )

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["reason_label"] = _("Why the board sent the report back")
        return kwargs


class AuditorsStatementView(ReportMixin, ServiceFormMixin, FormView):
    """An auditor records the auditors' statement on the approved report."""

    permission_required = workflow.RECORD_STATEMENT
    form_class = review_forms.AuditorsStatementForm
    template_name = "plans/review_form.html"
    success_message = _("The auditors' statement has been recorded.")

    def refusal(self):
        message = workflow.statement_refusal(report=self.report, user=self.request.user)
        if message:
            messages.error(self.request, message)
            return redirect(self.document_url())
        return None

    def get_initial(self):
        report = self.report
        return {
            "statement_on": report.auditors_statement_on,
            "recommends_discharge": {True: "yes", False: "no"}.get(
                report.auditors_recommend_discharge, ""
            ),
            "text": report.auditors_statement,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=_("The auditors' statement"),
            intro=_(
                "The auditors' opinion on the report the board approved: the date, whether "
                "they recommend discharge from liability for the board, and their statement. "
                "It is shown in the report."
            ),
            cancel_url=self.document_url(),
            document=self.report,
            **kwargs,
        )

    def perform(self, form):
        data = form.cleaned_data
        workflow.record_auditors_statement(
            report=self.report,
            acting_user=self.request.user,
            statement_on=data["statement_on"],
            recommends_discharge={"yes": True, "no": False}.get(data["recommends_discharge"]),
            text=data["text"],
        )

    def get_success_url(self):
        return self.document_url()


class ReportHistoryView(ReportMixin, TemplateView):
    """Who changed what in the report, and when."""

    template_name = "plans/history.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            entries=history.report_history(report=self.report),
            page_title=_("History of the report"),
            document=self.report,
            document_url=self.document_url(),
            **kwargs,
        )
