"""The plan document's pages, at the plan's URLs: ``f/<slug>/plans/<plan_pk>/document/``
and its PDFs (``finsam/urls.py`` includes these under the same prefix as ``plans.urls``).
"""

from django.urls import path

from plans.models import PlanDocument

from . import views

app_name = "documents"

urlpatterns = [
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
