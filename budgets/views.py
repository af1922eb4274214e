from django.http import Http404, HttpResponse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from associations.mixins import (
    AssociationListView,
    AssociationObjectDeleteView,
    AssociationObjectFormView,
)
from plans.views import PlanMixin

from .excel import budget_workbook
from .forms import FinancialRuleForm
from .models import Budget, FinancialRule
from .selectors import budget_table
from .tables import FinancialRuleTable

EDIT = "budgets.edit_budget"


class BudgetDetailView(PlanMixin, TemplateView):
    """The plan's budget with every total computed; every role reads it."""

    permission_required = "budgets.view_budget"
    template_name = "budgets/budget_detail.html"

    def get_context_data(self, **kwargs):
        budget = Budget.objects.filter(plan=self.plan).first()
        unit = self.request.GET.get("unit")
        if unit not in Budget.Unit.values:
            unit = budget.unit if budget else Budget.Unit.KR
        return super().get_context_data(
            budget=budget,
            table=budget_table(budget=budget) if budget else None,
            unit=unit,
            **kwargs,
        )


class BudgetExportView(PlanMixin, View):
    """The budget as an Excel workbook, with formulas for every total."""

    permission_required = "budgets.view_budget"

    def get(self, request, *args, **kwargs):
        budget = Budget.objects.filter(plan=self.plan).first()
        if budget is None:
            raise Http404(_("This plan has no budget yet."))
        content = budget_workbook(budget_table(budget=budget), title=self.plan.title)
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        filename = f"budget-{slugify(self.association.display_name)}-{self.plan.period_label}"
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response


class FinancialRuleListView(AssociationListView):
    permission_required = EDIT
    model = FinancialRule
    table_class = FinancialRuleTable
    page_title = _("Financial rules")
    intro = _(
        "The förbund's own rules for equity and for how the costs are spread. Every "
        "budget shows each rule as met or not met for every year."
    )
    create_url_name = "budgets:rule_create"
    edit_url_name = "budgets:rule_update"
    delete_url_name = "budgets:rule_delete"


class FinancialRuleFormView(AssociationObjectFormView):
    permission_required = EDIT
    model = FinancialRule
    form_class = FinancialRuleForm
    create_title = _("Add a financial rule")
    update_title = _("Edit financial rule")
    success_url_name = "budgets:rule_list"


class FinancialRuleDeleteView(AssociationObjectDeleteView):
    permission_required = EDIT
    model = FinancialRule
    success_url_name = "budgets:rule_list"
    page_title = _("Remove financial rule")
