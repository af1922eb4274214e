from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "audit"
    verbose_name = _("Event log")

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth import signals as auth_signals

        from associations import signals as association_signals
        from finsam import signals as finsam_signals
        from notifications.reminders import register_daily_job
        from plans import signals as plan_signals
        from reports import signals as report_signals

        from . import receivers, retention

        auth_signals.user_logged_in.connect(receivers.on_user_logged_in)
        auth_signals.user_login_failed.connect(receivers.on_user_login_failed)
        user_locked_out.connect(receivers.on_user_locked_out)
        association_signals.membership_changed.connect(receivers.on_membership_changed)
        association_signals.invitation_changed.connect(receivers.on_invitation_changed)
        association_signals.two_factor_changed.connect(receivers.on_two_factor_changed)
        association_signals.association_removed.connect(receivers.on_association_removed)
        association_signals.identity_provider_changed.connect(
            receivers.on_identity_provider_changed
        )
        association_signals.sso_login_refused.connect(receivers.on_sso_login_refused)
        plan_signals.decision_recorded.connect(receivers.on_decision_recorded)
        report_signals.auditors_statement_recorded.connect(receivers.on_auditors_statement_recorded)
        finsam_signals.file_downloaded.connect(receivers.on_file_downloaded)
        register_daily_job("audit_events_purged", retention.purge_expired)
