"""Resolve the förbund from the URL once per request and run the view inside its scope.

For every URL with an ``association_slug`` argument this middleware

* sends an anonymous visitor to the login page,
* answers 404 to a logged-in user who is not a member (the förbund's existence
  does not leak),
* sets ``request.association`` and ``request.membership``, and
* calls the rest of the stack, view *and* template rendering, inside
  ``scope(association=...)``, so every scoped query is narrowed to it.

Django admin is the platform administrator's cross-tenant tool; it runs with
the scope disabled, here and only here.
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import DatabaseError
from django.http import Http404
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from .selectors import memberships_across_associations

ADMIN_PREFIX = "/admin/"


class AssociationScopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.association = None
        request.membership = None

        if request.path_info.startswith(ADMIN_PREFIX):
            with scopes_disabled():
                return self.get_response(request)

        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)

        slug = match.kwargs.get("association_slug")
        if slug is None:
            return self.get_response(request)

        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)

        memberships = memberships_across_associations(user=request.user)
        membership = next((m for m in memberships if m.association.slug == slug), None)
        if membership is None:
            raise Http404(_("No förbund found at this address."))

        request.association = membership.association
        request.membership = membership
        with scope(association=membership.association):
            return self.get_response(request)


class LanguageMiddleware:
    """The interface language: the one the user chose (kept on their account, so it
    follows them to any device), else the one chosen on this browser before logging in
    (the language cookie), else Swedish. What the browser asks for (Accept-Language) is
    not used: the users are Swedish public servants, many with English systems.

    In place of Django's ``LocaleMiddleware``, after the authentication middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


def chosen_language(request) -> str:
    supported = {code for code, _name in settings.LANGUAGES}
    try:
        user = request.user
        if user.is_authenticated and user.language in supported:
            return user.language
    except DatabaseError:
        pass  # the database's outage is answered by the 503 page, in the cookie's language
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return cookie if cookie in supported else settings.LANGUAGE_CODE


class TwoFactorMiddleware:
    """After a password login that owes a second factor (``two_factor.on_login``), every
    page but the two-factor ones, logging out and the language choice sends the user to
    the step owed: the code, or setting up the app (a förbund of theirs requires it).
    No query: the session says what is owed."""

    OPEN = ("/accounts/logout/", "/i18n/", "/static/", "/tillganglighet/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from . import two_factor  # imports django_otp models: not at settings time

        owed = request.session.get(two_factor.SESSION_KEY) if hasattr(request, "session") else None
        if owed and request.user.is_authenticated and not request.user.is_verified():
            step = reverse("two_factor_verify" if owed == two_factor.VERIFY else "two_factor")
            if request.path_info != step and not request.path_info.startswith(self.OPEN):
                if owed == two_factor.ENROL and request.path_info == reverse("two_factor"):
                    return self.get_response(request)
                return redirect_to_login(request.get_full_path(), step, "next")
        return self.get_response(request)
