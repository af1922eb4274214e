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
        from associations.home import register_home_panel

        register_home_panel(
            name="todo", template_name="notifications/todo.html", context=todo_panel
        )
