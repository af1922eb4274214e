from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    """The top layer: what composes the apps below it into one document (the plan
    document and its PDFs; the annual report next). Nothing imports it but the
    composition root (``finsam/urls.py``, ``finsam/settings.py``)."""

    name = "documents"
    verbose_name = _("Documents")

    def ready(self):
        from plans import extensions

        from .plan_document import store_approved_documents

        # The board's approval archives the PDF and PDF/A as they are at the decision.
        extensions.on_plan_approved(store_approved_documents)
