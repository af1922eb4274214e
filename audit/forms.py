from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, Kind


class EventFilterForm(forms.Form):
    """The Händelselogg's filter (GET): kind, user and a date range, all optional. The
    users offered are those in the förbund's events (a deleted user's name included)."""

    kind = forms.ChoiceField(label=_("Kind"), required=False)
    user = forms.ChoiceField(label=_("User"), required=False)
    date_from = forms.DateField(
        label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, association, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *Kind.choices]
        labels = (
            AuditEvent.objects.filter(association=association)
            .exclude(actor_label="")
            .order_by("actor_label")
            .values_list("actor_label", flat=True)
            .distinct()
        )
        self.fields["user"].choices = [("", _("All users"))] + [(label, label) for label in labels]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The to date cannot be before the from date."))
        return data

    def filtered(self, queryset):
        """``queryset`` narrowed to what the form asks for; nothing while the form has an
        error (the page says which), so a download never holds more than was asked."""
        if not self.is_valid():
            return queryset.none()
        data = self.cleaned_data
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("user"):
            queryset = queryset.filter(actor_label=data["user"])
        if data.get("date_from"):
            queryset = queryset.filter(created_at__date__gte=data["date_from"])
        if data.get("date_to"):
            queryset = queryset.filter(created_at__date__lte=data["date_to"])
        return queryset
