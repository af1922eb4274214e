from django.urls import path

from . import views

app_name = "transfer"

urlpatterns = [
    path("", views.ExportView.as_view(), name="export"),
]
