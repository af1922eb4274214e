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
        from . import freezing, rules  # noqa: F401 (rules: registered on import)

        freezing.register()
