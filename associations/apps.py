from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssociationsConfig(AppConfig):
    name = "associations"
    verbose_name = _("Samordningsförbund")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import two_factor

        user_logged_in.connect(two_factor.on_login, dispatch_uid="two_factor_on_login")
