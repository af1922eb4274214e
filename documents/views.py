"""The plan as a document: the HTML page and its PDF and PDF/A (``plan_document``)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic.base import ContextMixin

from finsam.downloads import PDF, announce_download, content_disposition, mark_not_cached
from plans.models import PlanDocument
from plans.views import PlanMixin

from . import plan_document, rendering


class PlanDocumentView(PlanMixin, View):
    """The whole plan as one HTML document, laid out as the PDF (which it links to)."""

    def get(self, request, *args, **kwargs):
        context = plan_document.document_context(plan=self.plan, association=self.association)
        return HttpResponse(
            plan_document.render_document_html(context=context, request=request, for_screen=True)
        )


class PendingPdfMixin(ContextMixin):
    """The answer of a PDF view while its file is not ready (``rendering.RenderBusy``: its
    render is queued, or no slot is free)."""

    def pending(self, request, *, document_title: str, back_url: str, back_label: str):
        """No slot to render now: a page that says so and asks again by itself
        (a meta refresh: no script), answered 503 with Retry-After, never cached."""
        response = render(
            request,
            "documents/document_pending.html",
            self.get_context_data(
                retry_after=rendering.RETRY_AFTER,
                document_title=document_title,
                back_url=back_url,
                back_label=back_label,
            ),
            status=503,
        )
        response["Retry-After"] = str(rendering.RETRY_AFTER)
        return mark_not_cached(response)


class DocumentPdfMixin(PendingPdfMixin):
    """A PDF view of a document the board decides (``self.document``, ``document_url()``):
    the file, or the pending page while it is being made. ``variant``: "pdf" or "pdfa"."""

    variant = PlanDocument.Variant.PDF
    back_label = ""

    def make_pdf(self, *, user_id) -> bytes:
        raise NotImplementedError

    def filename(self, *, today) -> str:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        try:
            content = self.make_pdf(user_id=request.user.pk)
        except rendering.RenderBusy:
            return self.pending(
                request,
                document_title=self.document.title,
                back_url=self.document_url(),
                back_label=self.back_label,
            )
        response = HttpResponse(content, content_type="application/pdf")
        name = self.filename(today=timezone.localdate())
        response["Content-Disposition"] = content_disposition(name, as_attachment=False)
        return announce_download(request, response, association=self.association, kind=PDF)


class PlanDocumentPdfView(PlanMixin, DocumentPdfMixin, View):
    """The plan as a PDF (``variant`` "pdf") or as PDF/A for the archive ("pdfa")."""

    back_label = _("Back to the plan")

    def make_pdf(self, *, user_id) -> bytes:
        return plan_document.plan_pdf(
            plan=self.plan, association=self.association, variant=self.variant, user_id=user_id
        )

    def filename(self, *, today) -> str:
        return plan_document.document_filename(
            plan=self.plan, association=self.association, variant=self.variant, today=today
        )
