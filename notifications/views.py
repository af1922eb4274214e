from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView

from . import preferences
from .forms import PreferencesForm


class PreferencesView(LoginRequiredMixin, FormView):
    """A person's choice, per kind of mail, of at once, a daily summary, or never. Linked
    from every mail. Outside any förbund: the choices hold in all of the person's förbund.
    Invitations and password resets are always sent."""

    template_name = "notifications/preferences.html"
    form_class = PreferencesForm

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "kinds": preferences.kinds_for(user=self.request.user),
            "initial_deliveries": preferences.current(user=self.request.user),
        }

    def form_valid(self, form):
        preferences.preferences_save(user=self.request.user, choices=form.cleaned_data)
        messages.success(self.request, _("Your choices are saved."))
        return redirect("notifications:preferences")

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title=_("E-mail notifications"), **kwargs)
