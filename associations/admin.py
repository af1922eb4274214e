"""Django admin is the platform administrator's tool: create a förbund and its first
kansli user. It runs with the tenant scope disabled (see the middleware)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import Association, BoardSeat, MemberParty, Membership, OfficeContact, User


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
