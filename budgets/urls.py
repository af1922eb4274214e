from django.urls import path

from associations.urls import crud

from . import views

app_name = "budgets"

PLAN = "plans/<int:plan_pk>/"

urlpatterns = [
    path(PLAN, views.BudgetDetailView.as_view(), name="budget_detail"),
    path(f"{PLAN}excel/", views.BudgetExportView.as_view(), name="budget_export"),
    path(f"{PLAN}create/", views.BudgetCreateView.as_view(), name="budget_create"),
    path(f"{PLAN}settings/", views.BudgetSettingsView.as_view(), name="budget_settings"),
    path(f"{PLAN}amounts/", views.BudgetAmountsView.as_view(), name="budget_amounts"),
    path(f"{PLAN}import/", views.BudgetImportView.as_view(), name="budget_import"),
    path(f"{PLAN}structure/", views.BudgetStructureView.as_view(), name="budget_structure"),
    *crud(
        "rules",
        "rule",
        views.FinancialRuleListView,
        views.FinancialRuleFormView,
        views.FinancialRuleDeleteView,
    ),
]

for prefix, (form_view, delete_view, move_view) in views.PARTS.items():
    name = prefix[:-1]
    urlpatterns += [
        path(f"{PLAN}{prefix}/new/", form_view.as_view(), name=f"{name}_create"),
        path(f"{PLAN}{prefix}/<int:pk>/edit/", form_view.as_view(), name=f"{name}_update"),
        path(f"{PLAN}{prefix}/<int:pk>/delete/", delete_view.as_view(), name=f"{name}_delete"),
        path(f"{PLAN}{prefix}/<int:pk>/move/", move_view.as_view(), name=f"{name}_move"),
    ]
