"""The report as a document: the HTML page and its PDF and PDF/A (``reports.document``),
for every member of the förbund (the report is public; its counts are suppressed)."""

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from documents import rendering
from documents.views import PendingPdfMixin
from finsam.downloads import content_disposition

from . import document
from .models import ReportDocument
from .views import ReportMixin


class ReportDocumentView(ReportMixin, View):
    """The whole report as one HTML document, laid out as the PDF (which it links to)."""

    def get(self, request, *args, **kwargs):
        context = document.document_context(report=self.report, association=self.association)
        return HttpResponse(
            document.render_document_html(context=context, request=request, for_screen=True)
        )


class ReportDocumentPdfView(ReportMixin, PendingPdfMixin, View):
    """The report as a PDF (``variant`` "pdf") or as PDF/A for the archive ("pdfa")."""

    variant = ReportDocument.Variant.PDF

    def get(self, request, *args, **kwargs):
        try:
            content = document.report_pdf(
                report=self.report,
                association=self.association,
                variant=self.variant,
                user_id=request.user.pk,
            )
        except rendering.RenderBusy:
            return self.pending(
                request,
                document_title=self.report.title,
                back_url=self.report_url(),
                back_label=_("Back to the report"),
            )
        response = HttpResponse(content, content_type="application/pdf")
        name = document.document_filename(
            report=self.report,
            association=self.association,
            variant=self.variant,
            today=timezone.localdate(),
        )
        response["Content-Disposition"] = content_disposition(name, as_attachment=False)
        return response
