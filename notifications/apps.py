from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def todo_panel(*, request, association, membership) -> dict | None:
    """The home page's "Att göra" for the member's role (``notifications.todo``)."""
    from django.utils import timezone

    from .todo import todo_for

    if membership is None:
        return None
    return {
        "todo_groups": todo_for(
            association=association,
            user=request.user,
            role=membership.role,
            today=timezone.localdate(),
        )
    }


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

        from associations.home import register_home_panel

        register_home_panel(
            name="todo", template_name="notifications/todo.html", context=todo_panel
        )
