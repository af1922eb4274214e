"""The förbund's Händelselogg: who did what, when and from which address.

An ``AuditEvent`` is written once and never changed: ``save()`` refuses an existing row,
``delete()`` refuses, and the manager's queryset refuses ``update()``, ``delete()`` and
``bulk_update()``. The one way a row goes is the retention (``audit.retention``), which
removes what is older than the förbund keeps (``Association.audit_retention_months``).
Deleting a user or a förbund keeps its events (``SET_NULL``; ``actor_label`` keeps the
username as it was). ``tests/audit/test_append_only.py`` tries every write path.
"""

from django.conf import settings
from django.db import IntegrityError, models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_scopes import ScopedManager

from associations.models import Association


class AppendOnlyError(IntegrityError):
    """An attempt to change or delete an event of the Händelselogg. An ``IntegrityError``:
    refused as a database constraint refuses, and handled where those are."""

    def __init__(self, what: str = "changed or deleted"):
        super().__init__(f"An audit event is never {what}; only audit.retention removes it.")


class Kind(models.TextChoices):
    LOGIN = "login", pgettext_lazy("audit event", "login")
    LOGIN_FAILED = "login_failed", pgettext_lazy("audit event", "failed login")
    LOCKED_OUT = "locked_out", pgettext_lazy("audit event", "locked out")
    INVITATION = "invitation", pgettext_lazy("audit event", "invitation")
    ROLE_CHANGED = "role_changed", pgettext_lazy("audit event", "role change")
    REMOVED = "removed", pgettext_lazy("audit event", "removed from the förbund")
    EXPORT = "export", pgettext_lazy("audit event", "export")
    PDF_DOWNLOAD = "pdf_download", pgettext_lazy("audit event", "PDF download")
    DECISION = "decision", pgettext_lazy("audit event", "decision")
    AUDITORS_STATEMENT = "auditors_statement", pgettext_lazy("audit event", "auditors' statement")
    FORBUND_REMOVED = "forbund_removed", pgettext_lazy("audit event", "förbund removed")
    # The förbund made here from an archive of "Exportera all data" (manage.py import_forbund).
    IMPORTED = "imported", pgettext_lazy("audit event", "imported")
    # Two-factor login turned on or off, recovery codes, a förbund requiring it, and the
    # förbund's single sign-on turned on, off or changed.
    LOGIN_SETTINGS = "login_settings", pgettext_lazy("audit event", "login settings")


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses every bulk write but inserting (``create``, ``bulk_create``), the private
    steps under them included (``_update``, ``_raw_delete``)."""

    def update(self, **kwargs):
        raise AppendOnlyError("updated")

    def _update(self, values):
        raise AppendOnlyError("updated")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("updated")

    def delete(self):
        raise AppendOnlyError("deleted")

    def _raw_delete(self, using):
        raise AppendOnlyError("deleted")

    update.alters_data = _update.alters_data = bulk_update.alters_data = True
    delete.alters_data = _raw_delete.alters_data = True


class AppendOnlyManager(models.Manager.from_queryset(AppendOnlyQuerySet)):
    pass


class AuditEvent(models.Model):
    """One event of a förbund's Händelselogg (``association`` None: no förbund's, e.g. a
    failed login with an unknown username; only the platform administrator sees it)."""

    association = models.ForeignKey(
        Association,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("förbund"),
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    actor_label = models.CharField(_("username"), max_length=150, blank=True)
    address = models.CharField(_("address"), max_length=64, blank=True)
    summary = models.CharField(_("what"), max_length=300)
    target = models.CharField(_("object"), max_length=500, blank=True)

    objects = ScopedManager(_manager_class=AppendOnlyManager, association="association")

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("event log")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["association", "-created_at"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.kind}"

    def save(self, *, force_insert=False, force_update=False, using=None, update_fields=None):
        self._refuse_unless_new(force_update=force_update, update_fields=update_fields)
        super().save(force_insert=True, using=using)

    save.alters_data = True

    def save_base(self, *, raw=False, force_insert=False, force_update=False, using=None, **kw):
        self._refuse_unless_new(force_update=force_update, update_fields=kw.get("update_fields"))
        super().save_base(raw=raw, force_insert=True, using=using)

    save_base.alters_data = True

    def _refuse_unless_new(self, *, force_update, update_fields) -> None:
        # Always an INSERT: a new instance given an existing row's pk would otherwise be
        # written over that row (Django tries an UPDATE first when a pk is set).
        if not self._state.adding or force_update or update_fields is not None:
            raise AppendOnlyError("changed")

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("deleted")

    delete.alters_data = True
