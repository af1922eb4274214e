from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Delivery, Kind


class PreferencesForm(forms.Form):
    """One choice per kind of notification that concerns the person's roles."""

    def __init__(self, *args, kinds: list[str], initial_deliveries: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in kinds:
            self.fields[kind] = forms.ChoiceField(
                label=Kind(kind).label,
                choices=Delivery.choices,
                initial=initial_deliveries.get(kind, Delivery.IMMEDIATE),
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose how you want this mail.")},
            )
