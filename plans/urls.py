from django.urls import path

from . import views
from .models import PlanDocument

app_name = "plans"

urlpatterns = [
    path("", views.PlanListView.as_view(), name="plan_list"),
    path("new/", views.PlanCreateView.as_view(), name="plan_create"),
    path("<int:plan_pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path("<int:plan_pk>/edit/", views.PlanUpdateView.as_view(), name="plan_update"),
    path("<int:plan_pk>/copy/", views.PlanCopyView.as_view(), name="plan_copy"),
    path("<int:plan_pk>/document/", views.PlanDocumentView.as_view(), name="plan_document"),
    path(
        "<int:plan_pk>/document.pdf",
        views.PlanDocumentPdfView.as_view(),
        name="plan_document_pdf",
    ),
    path(
        "<int:plan_pk>/document-arkiv.pdf",
        views.PlanDocumentPdfView.as_view(variant=PlanDocument.Variant.PDFA),
        name="plan_document_pdfa",
    ),
]

for prefix, (form_view, delete_view, move_view) in views.PARTS.items():
    name = prefix.replace("-", "_")
    urlpatterns += [
        path(f"<int:plan_pk>/{prefix}/new/", form_view.as_view(), name=f"{name}_create"),
        path(f"<int:plan_pk>/{prefix}/<int:pk>/edit/", form_view.as_view(), name=f"{name}_update"),
        path(
            f"<int:plan_pk>/{prefix}/<int:pk>/delete/",
            delete_view.as_view(),
            name=f"{name}_delete",
        ),
        path(f"<int:plan_pk>/{prefix}/<int:pk>/move/", move_view.as_view(), name=f"{name}_move"),
    ]
