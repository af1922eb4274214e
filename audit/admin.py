"""The platform administrator's view of every förbund's Händelselogg (and of the events of
no förbund). Read only: nothing is added, changed or deleted here."""

from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "association", "kind", "actor_label", "address", "summary"]
    list_filter = ["kind", "association"]
    search_fields = ["actor_label", "summary", "target", "address"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
