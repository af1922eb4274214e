"""Django admin is the platform administrator's tool: create a förbund and its first
kansli user. It runs with the tenant scope disabled (see the middleware)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import services
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


class AssociationRemoveForm(forms.Form):
    confirmation = forms.CharField(
        label=gettext_lazy("The förbund's short address"),
        help_text=gettext_lazy("Type it as shown above to confirm."),
        max_length=100,
    )


@admin.register(Association)
class AssociationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "org_number", "city", "exported_at"]
    search_fields = ["name", "slug", "org_number"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["exported_at"]
    inlines = [MembershipInline, MemberPartyInline]
    actions = ["remove_association"]

    # A förbund goes only through "Remove the förbund" (``remove_view``): exported first,
    # confirmed by name, its users deactivated. Django's own delete would skip all that.
    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        remove = self.admin_site.admin_view(self.remove_view)
        return [
            path("<path:object_id>/remove/", remove, name="associations_association_remove"),
            *super().get_urls(),
        ]

    @admin.action(description=gettext_lazy("Remove the förbund"))
    def remove_association(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one förbund to remove."), messages.WARNING)
            return None
        return redirect("admin:associations_association_remove", queryset.get().pk)

    def remove_view(self, request, object_id):
        """The confirmation page: names the förbund, says when it was last exported, and
        removes it once its short address is typed. Platform administrators only."""
        if not request.user.is_superuser:
            raise PermissionDenied
        association = self.get_object(request, object_id)
        if association is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        change_url = reverse("admin:associations_association_change", args=[association.pk])
        refusal = services.association_removal_refusal(association=association)
        if refusal:
            self.message_user(request, refusal, messages.ERROR)
            return redirect(change_url)
        form = AssociationRemoveForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    self.log_deletions(request, [association])
                    removal = services.association_remove(
                        association=association,
                        acting_user=request.user,
                        confirmation=form.cleaned_data["confirmation"],
                    )
            except ValidationError as error:
                form.add_error("confirmation", error)
            else:
                message = _(
                    "%(name)s was removed: %(rows)s rows deleted, %(users)s users deactivated."
                ) % {
                    "name": removal.name,
                    "rows": sum(removal.deleted.values()),
                    "users": len(removal.deactivated),
                }
                self.message_user(request, message, messages.SUCCESS)
                return redirect("admin:associations_association_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Remove %(name)s") % {"name": association.name},
            "association": association,
            "exported_since": services.association_exported_since(association=association),
            "leaving": services.association_removal_leaves_without_membership(
                association=association
            ),
            "form": form,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/associations/association_remove.html", context)


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
