"""The plan as a document: the HTML page and its PDF and PDF/A (``plan_document``)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import View
from django.views.generic.base import ContextMixin

from finsam.downloads import content_disposition, mark_not_cached
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


class PlanDocumentPdfView(PlanMixin, ContextMixin, View):
    """The plan as a PDF (``variant`` "pdf") or as PDF/A for the archive ("pdfa")."""

    variant = PlanDocument.Variant.PDF

    def get(self, request, *args, **kwargs):
        try:
            content = plan_document.plan_pdf(
                plan=self.plan,
                association=self.association,
                variant=self.variant,
                user_id=request.user.pk,
            )
        except rendering.RenderBusy:
            return self.pending(request)
        response = HttpResponse(content, content_type="application/pdf")
        name = plan_document.document_filename(
            plan=self.plan,
            association=self.association,
            variant=self.variant,
            today=timezone.localdate(),
        )
        response["Content-Disposition"] = content_disposition(name, as_attachment=False)
        return response

    def pending(self, request):
        """No slot to render now: a page that says so and asks again by itself
        (a meta refresh: no script), answered 503 with Retry-After, never cached."""
        response = render(
            request,
            "documents/document_pending.html",
            self.get_context_data(retry_after=rendering.RETRY_AFTER),
            status=503,
        )
        response["Retry-After"] = str(rendering.RETRY_AFTER)
        return mark_not_cached(response)
