from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from followup import signals as followup_signals
        from plans import signals as plan_signals

        from . import events

        plan_signals.sent_for_review.connect(events.on_sent_for_review)
        plan_signals.decision_recorded.connect(events.on_decision_recorded)
        plan_signals.comment_answered.connect(events.on_comment_answered)
        followup_signals.quarter_report_transitioned.connect(events.on_quarter_transitioned)
