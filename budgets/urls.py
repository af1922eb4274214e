from django.urls import path

from . import views

app_name = "budgets"

urlpatterns = [
    path("", views.BudgetDetailView.as_view(), name="budget_detail"),
]
