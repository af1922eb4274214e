from django.views.generic import TemplateView

from plans.views import PlanMixin

from .models import Budget
from .selectors import budget_table


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
