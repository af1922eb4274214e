from django.urls import path

from associations.urls import crud, ordered_part_urls

from . import outcome_views, views

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
    path(f"{PLAN}outcome/", outcome_views.OutcomeView.as_view(), name="outcome"),
    path(f"{PLAN}outcome/edit/", outcome_views.OutcomeEditView.as_view(), name="outcome_edit"),
    path(
        f"{PLAN}outcome/import/", outcome_views.OutcomeImportView.as_view(), name="outcome_import"
    ),
    path(
        f"{PLAN}outcome/import/<int:import_pk>/",
        outcome_views.OutcomeMappingView.as_view(),
        name="outcome_mapping",
    ),
    path(
        f"{PLAN}outcome/accounts/",
        outcome_views.AccountMappingView.as_view(),
        name="account_mapping",
    ),
    path(
        f"{PLAN}outcome/accounts/<int:pk>/delete/",
        outcome_views.AccountMappingDeleteView.as_view(),
        name="account_mapping_delete",
    ),
    *crud(
        "rules",
        "rule",
        views.FinancialRuleListView,
        views.FinancialRuleFormView,
        views.FinancialRuleDeleteView,
    ),
]

for prefix, kind in views.PART_KINDS.items():
    urlpatterns += ordered_part_urls(
        f"{PLAN}{prefix}/",
        prefix[:-1],
        kind,
        form_view=views.BudgetPartFormView,
        delete_view=views.BudgetPartDeleteView,
        move_view=views.BudgetPartMoveView,
    )
