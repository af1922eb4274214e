from django.urls import path

from associations.urls import crud

from . import views

app_name = "budgets"

urlpatterns = [
    path("plans/<int:plan_pk>/", views.BudgetDetailView.as_view(), name="budget_detail"),
    path("plans/<int:plan_pk>/excel/", views.BudgetExportView.as_view(), name="budget_export"),
    *crud(
        "rules",
        "rule",
        views.FinancialRuleListView,
        views.FinancialRuleFormView,
        views.FinancialRuleDeleteView,
    ),
]
