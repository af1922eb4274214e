"""Django admin is the platform administrator's tool: create a förbund and its first
kansli user. It runs with the tenant scope disabled (see the middleware)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import (
    Association,
    BoardSeat,
    MemberParty,
    Membership,
    OfficeContact,
    OutgoingMail,
    User,
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["username", "email", "first_name", "last_name"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


class MemberPartyInline(admin.TabularInline):
    model = MemberParty
    extra = 0


@admin.register(Association)
class AssociationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "org_number", "city"]
    search_fields = ["name", "slug", "org_number"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline, MemberPartyInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "association", "role"]
    list_filter = ["role", "association"]
    autocomplete_fields = ["user"]


admin.site.register(BoardSeat)
admin.site.register(OfficeContact)


@admin.register(OutgoingMail)
class OutgoingMailAdmin(admin.ModelAdmin):
    """The outbox, for the platform administrator: what waits, what failed and why. Read
    only: a mail is tried again from the kansli's to-do list (or ``send_reminders``)."""

    list_display = ["created_at", "association", "kind", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "association"]
    readonly_fields = [field.name for field in OutgoingMail._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
