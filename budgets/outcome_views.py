"""The year's outcome against the budget: every role reads it; the kansli enters it by
hand or imports it from the finance system's SIE file (``budgets/outcome.py``)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import FormView, TemplateView

from associations.mixins import apply_validation_error, show_validation_error
from associations.rules import can
from plans.views import PlanMixin

from . import forms, outcome
from .models import AccountMapping, Budget, OutcomeImport

ENTER = "budgets.enter_outcome"


class OutcomeMixin(PlanMixin):
    """A page of a plan's budget outcome (404 for a plan without a budget)."""

    permission_required = "budgets.view_budget"
    budget: Budget

    def fetch_objects(self) -> None:
        super().fetch_objects()
        self.budget = get_object_or_404(
            Budget.objects.select_related("plan", "plan__association"), plan=self.plan
        )

    def outcome_url(self) -> str:
        return self.association_url("budgets:outcome", plan_pk=self.plan.pk)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("budget", self.budget)
        return super().get_context_data(**kwargs)


class OutcomeEditMixin(OutcomeMixin):
    """Kansli, on an approved plan still in force."""

    permission_required = ENTER

    def refusal(self):
        refusal = outcome.outcome_refusal(self.plan)
        if refusal:
            messages.error(self.request, refusal)
            return redirect(self.outcome_url())
        return None


class OutcomeView(OutcomeMixin, TemplateView):
    """Budget against outcome per line, group and intervention."""

    template_name = "budgets/outcome.html"

    def get_context_data(self, **kwargs):
        may_enter = can(self.request.user, ENTER, self.association)
        imports = OutcomeImport.objects.filter(budget=self.budget).select_related("uploaded_by")
        return super().get_context_data(
            table=outcome.outcome_table(budget=self.budget),
            may_enter=may_enter,
            refusal=outcome.outcome_refusal(self.plan) if may_enter else None,
            waiting=imports.filter(status=OutcomeImport.Status.WAITING).first(),
            applied=imports.filter(status=OutcomeImport.Status.APPLIED).first(),
            **kwargs,
        )


class OutcomeEditView(OutcomeEditMixin, FormView):
    """The outcome of every income and cost line in one grid."""

    form_class = forms.OutcomeForm
    template_name = "budgets/outcome_form.html"

    @cached_property
    def table(self):
        return outcome.outcome_table(budget=self.budget)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "table": self.table}

    def form_valid(self, form):
        try:
            count = outcome.outcome_save(
                budget=self.budget, acting_user=self.request.user, changes=form.changes()
            )
        except outcome.OutcomeConflict as conflict:
            form.show_conflict(conflict)
            form.add_error(None, conflict)
            return self.form_invalid(form)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            ngettext("%(count)s outcome changed.", "%(count)s outcomes changed.", count)
            % {"count": count},
        )
        return HttpResponseRedirect(self.outcome_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(table=self.table, **kwargs)
        form = context["form"]
        context["blocks"] = [
            (block, [(row, form[f"o-{row.line.pk}"]) for row in block.rows])
            for block in self.table.income + self.table.costs
        ]
        return context


class OutcomeImportView(OutcomeEditMixin, FormView):
    """Upload the year's SIE file: all or nothing, every problem with its line."""

    form_class = forms.OutcomeImportForm
    template_name = "budgets/outcome_import.html"

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            outcome_import = outcome.outcome_import_read(
                budget=self.budget,
                content=upload.read(),
                file_name=upload.name,
                acting_user=self.request.user,
            )
        except outcome.OutcomeRejected as rejected:
            return self.render_to_response(
                self.get_context_data(form=form, problems=rejected.messages)
            )
        except ValidationError as error:
            show_validation_error(self.request, error)
            return self.form_invalid(form)
        if outcome_import.status == OutcomeImport.Status.APPLIED:
            messages.success(
                self.request,
                _("The outcome has been read from %(file)s.") % {"file": outcome_import.file_name},
            )
            return HttpResponseRedirect(self.outcome_url())
        return HttpResponseRedirect(
            self.association_url(
                "budgets:outcome_mapping", plan_pk=self.plan.pk, import_pk=outcome_import.pk
            )
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            mapping_count=AccountMapping.objects.filter(association=self.association).count(),
            **kwargs,
        )


class OutcomeMappingView(OutcomeEditMixin, FormView):
    """The accounts of a kept file that have no budget line yet: the kansli chooses one
    for each (kept for next year), and the file's outcome is written."""

    form_class = forms.UnmappedAccountsForm
    template_name = "budgets/outcome_mapping.html"

    def fetch_objects(self) -> None:
        super().fetch_objects()
        self.outcome_import = self.own_object(
            OutcomeImport.objects.filter(budget=self.budget), self.kwargs["import_pk"]
        )

    def refusal(self):
        refused = super().refusal()
        if refused is not None:
            return refused
        if self.outcome_import.status != OutcomeImport.Status.WAITING:
            messages.info(
                self.request, _("This file has already been applied or replaced by a later one.")
            )
            return redirect(self.outcome_url())
        return None

    @cached_property
    def pending(self):
        try:
            return outcome.pending_result(self.outcome_import)
        except outcome.OutcomeRejected:
            raise Http404 from None

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "unmapped": self.pending.unmapped,
            "lines": outcome.outcome_lines(self.budget),
        }

    def form_valid(self, form):
        try:
            outcome.outcome_import_apply(
                outcome_import=self.outcome_import,
                acting_user=self.request.user,
                new_lines=form.new_lines(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("The accounts are mapped and the outcome has been read from %(file)s.")
            % {"file": self.outcome_import.file_name},
        )
        return HttpResponseRedirect(self.outcome_url())

    def get_context_data(self, **kwargs):
        return super().get_context_data(outcome_import=self.outcome_import, **kwargs)


class AccountMappingView(OutcomeMixin, FormView):
    """The förbund's mapping from accounts to budget lines (kansli): add and remove."""

    permission_required = ENTER
    form_class = forms.AccountMappingForm
    template_name = "budgets/account_mapping.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "lines": outcome.outcome_lines(self.budget)}

    def form_valid(self, form):
        try:
            outcome.mapping_save(
                association=self.association,
                acting_user=self.request.user,
                accounts=form.cleaned_data["accounts"],
                line_name=form.cleaned_data["line_name"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The mapping has been added."))
        return HttpResponseRedirect(self.request.path)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            mappings=AccountMapping.objects.filter(association=self.association),
            **kwargs,
        )


class AccountMappingDeleteView(OutcomeMixin, View):
    permission_required = ENTER
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        mapping = self.own_object(AccountMapping.objects, kwargs["pk"])
        mapping._history_user = request.user
        mapping.delete()
        messages.success(
            request, _("The mapping %(mapping)s has been removed.") % {"mapping": mapping}
        )
        return redirect(self.association_url("budgets:account_mapping", plan_pk=self.plan.pk))
