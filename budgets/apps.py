from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetsConfig(AppConfig):
    name = "budgets"
    verbose_name = _("Budgets")

    def ready(self):
        """A budget belongs to its plan: it freezes with it, is copied with it, and its
        changes and history are shown with the plan's (``plans.extensions``)."""
        from plans import extensions

        from . import diff, freezing, history

        freezing.register()
        extensions.on_plan_copied(copy_plan_budget)
        extensions.add_changes("budget", diff.budget_changes)
        extensions.add_history("budget", history.budget_history)


def copy_plan_budget(*, source, target, acting_user, years_on):
    """A revision or next year's plan gets the budget of the plan it was copied from."""
    from .copying import copy_budget  # models are not loaded when this module is imported

    copy_budget(source_plan=source, target_plan=target, acting_user=acting_user, years_on=years_on)
