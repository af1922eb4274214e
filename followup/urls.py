from django.urls import path

from . import views

app_name = "followup"

QUARTER = "interventions/<int:pk>/<int:year>/q<int:quarter>/"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("mine/", views.MyInterventionsView.as_view(), name="my_interventions"),
    path(QUARTER, views.QuarterView.as_view(), name="quarter"),
    path(f"{QUARTER}status/", views.QuarterTransitionView.as_view(), name="quarter_transition"),
    path("interventions/<int:pk>/settings/", views.SettingsView.as_view(), name="settings"),
    path("measures/new/", views.MeasureCreateView.as_view(), name="measure_create"),
    path("points/<int:pk>/", views.PointAssessmentView.as_view(), name="point_assessment"),
    path("export.xlsx", views.ExportView.as_view(file_format="xlsx"), name="export_excel"),
    path("export.csv", views.ExportView.as_view(file_format="csv"), name="export_csv"),
]
