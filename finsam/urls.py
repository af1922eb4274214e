from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import TemplateView

from associations.forms import RateLimitedPasswordResetForm
from associations.two_factor import PlatformAdminSite
from associations.views import (
    AccessibilityStatementView,
    ChooseAssociationView,
    InvitationAcceptView,
    LoginView,
    SsoCallbackView,
    SsoLoginView,
    TwoFactorVerifyView,
    TwoFactorView,
    set_language,
)
from finsam import health

# Django admin is the platform administrator's: a session without a verified second
# factor never reaches it (associations.two_factor.PlatformAdminSite).
admin.site.__class__ = PlatformAdminSite

handler400 = "finsam.errors.bad_request"
handler500 = "finsam.errors.server_error"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("", ChooseAssociationView.as_view(), name="home"),
    path("accounts/login/", LoginView.as_view(), name="login"),
    # A förbund's own identity provider (associations.sso): the start and the way back.
    # The kwarg is not ``association_slug``: these pages are before any membership.
    path("accounts/sso/<slug:slug>/", SsoLoginView.as_view(), name="sso_login"),
    path(
        "accounts/sso/<slug:slug>/callback/",
        SsoCallbackView.as_view(),
        name="sso_callback",
    ),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=RateLimitedPasswordResetForm),
        name="password_reset",
    ),
    path("accounts/notifications/", include("notifications.urls")),
    path("accounts/tvastegs/", TwoFactorView.as_view(), name="two_factor"),
    path("accounts/tvastegs/kod/", TwoFactorVerifyView.as_view(), name="two_factor_verify"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("inbjudan/<str:token>/", InvitationAcceptView.as_view(), name="invitation_accept"),
    path("tillganglighet/", AccessibilityStatementView.as_view(), name="accessibility_statement"),
    path("admin/", admin.site.urls),
    path("f/<slug:association_slug>/", include("associations.urls")),
    path("f/<slug:association_slug>/plans/", include("plans.urls")),
    # The plan document at the plan's URLs (``<plan_pk>/document/``, ``document.pdf``).
    path("f/<slug:association_slug>/plans/", include("documents.urls")),
    path("f/<slug:association_slug>/budgets/", include("budgets.urls")),
    path("f/<slug:association_slug>/followup/", include("followup.urls")),
    path("f/<slug:association_slug>/reports/", include("reports.urls")),
    path("f/<slug:association_slug>/handelselogg/", include("audit.urls")),
    path("f/<slug:association_slug>/exportera/", include("transfer.urls")),
]

if settings.BENCH_VIEWS:
    # A bare template view on the same stack, for bench/home_page.py to compare against.
    urlpatterns.append(
        path(
            "bench/bare/", TemplateView.as_view(template_name="bench_bare.html"), name="bench_bare"
        )
    )
