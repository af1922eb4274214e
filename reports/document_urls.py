"""The report document's pages at the report's URLs: ``<report_pk>/document/`` and its
PDFs. No ``app_name``: ``reports.urls`` includes these under its own namespace
(``reports:report_document``...), so that one namespace names every report page."""

from django.urls import path

from .document_views import ReportDocumentPdfView, ReportDocumentView
from .models import ReportDocument

urlpatterns = [
    path("<int:report_pk>/document/", ReportDocumentView.as_view(), name="report_document"),
    path(
        "<int:report_pk>/document.pdf",
        ReportDocumentPdfView.as_view(),
        name="report_document_pdf",
    ),
    path(
        "<int:report_pk>/document-arkiv.pdf",
        ReportDocumentPdfView.as_view(variant=ReportDocument.Variant.PDFA),
        name="report_document_pdfa",
    ),
]
