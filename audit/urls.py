from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.EventListView.as_view(), name="event_list"),
    path("events.csv", views.EventCsvView.as_view(), name="event_csv"),
]
