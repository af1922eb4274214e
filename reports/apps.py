from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The annual report (verksamhetsberättelse) and the interim report: the year
    followed up goal by goal from the plan, the budget's outcome and the follow-up,
    approved by the board through the plan's workflow, with the auditors' statement.
    The top layer: it composes every app below it, the plan document's PDF machinery
    included."""

    name = "reports"
    verbose_name = _("Annual reports")

    def ready(self):
        from plans import extensions

        from . import freezing, rules  # noqa: F401 (rules: registered on import)
        from .document import store_approved_documents

        freezing.register()
        # The board's approval archives the PDF and PDF/A as they are at the decision.
        extensions.on_document_approved("reports.AnnualReport", store_approved_documents)
