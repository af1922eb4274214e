"""The report as a document: the HTML page and its PDF and PDF/A (``reports.document``),
for every member of the förbund (the report is public; its counts are suppressed)."""

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views import View

from documents.views import DocumentPdfMixin

from . import document
from .views import ReportMixin


class ReportDocumentView(ReportMixin, View):
    """The whole report as one HTML document, laid out as the PDF (which it links to)."""

    def get(self, request, *args, **kwargs):
        context = document.document_context(report=self.report, association=self.association)
        return HttpResponse(
            document.render_document_html(context=context, request=request, for_screen=True)
        )


class ReportDocumentPdfView(ReportMixin, DocumentPdfMixin, View):
    """The report as a PDF (``variant`` "pdf") or as PDF/A for the archive ("pdfa")."""

    back_label = _("Back to the report")

    def make_pdf(self, *, user_id) -> bytes:
        return document.report_pdf(
            report=self.report, association=self.association, variant=self.variant, user_id=user_id
        )

    def filename(self, *, today) -> str:
        return document.document_filename(
            report=self.report, association=self.association, variant=self.variant, today=today
        )
