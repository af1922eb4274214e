from django.urls import path

from associations.urls import ordered_part_urls

from . import document_urls, review_urls, views

app_name = "reports"

REPORT = "<int:report_pk>/"

urlpatterns = [
    path("", views.ReportListView.as_view(), name="report_list"),
    path("new/", views.ReportCreateView.as_view(), name="report_create"),
    path(REPORT, views.ReportDetailView.as_view(), name="report_detail"),
    path(f"{REPORT}edit/", views.ReportUpdateView.as_view(), name="report_update"),
    path(f"{REPORT}fill/", views.ReportFillView.as_view(), name="report_fill"),
    *ordered_part_urls(
        f"{REPORT}sections/",
        "sections",
        views.SECTIONS,
        form_view=views.ReportPartFormView,
        delete_view=views.ReportPartDeleteView,
        move_view=views.ReportPartMoveView,
    ),
    *review_urls.urlpatterns,
    # The report as a document: HTML, PDF, PDF/A.
    *document_urls.urlpatterns,
]

# The result rows come from the plan: edited, never added, removed or moved here.
for prefix, kind in views.RESULT_KINDS.items():
    urlpatterns.append(
        path(
            f"{REPORT}{prefix}/<int:pk>/edit/",
            views.ReportPartFormView.as_view(kind=kind),
            name=f"{prefix.replace('-', '_')}_update",
        )
    )
