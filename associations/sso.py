"""Single sign-on through a förbund's own OpenID Connect identity provider
(``IdentityProvider``): the authorization code flow with PKCE, through Authlib's Django
client, which keeps the state and nonce in the session and checks the ID token's
signature (the provider's published keys), issuer, audience, expiry and nonce.

A login through it reaches an existing account only, and only one that is a member of
the förbund whose provider vouched for it: the e-mail address in the token's e-mail
claim must be that of an active user with a membership there. Nobody is
created; a stranger is told to ask the kansli for an invitation. Everything else about
the session is as after a password login (``user_logged_in``: the Händelselogg, the
second factor a förbund requires, the lockout counters reset).

Refusals are signalled (``signals.sso_login_refused``) for the Händelselogg.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled
from joserfc.errors import JoseError

from . import signals
from .models import Association, IdentityProvider, User

SCOPES = "openid email profile"
TIMEOUT_SECONDS = 10
METADATA_CACHE_SECONDS = 600
DISCOVERY_PATH = "/.well-known/openid-configuration"
REQUIRED_METADATA = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


class ProviderUnavailable(Exception):
    """The provider's configuration could not be read; the message says why, in words
    for the person logging in or the kansli setting it up."""


@dataclass(frozen=True)
class Outcome:
    """A finished login through the provider: the user, or why there is none."""

    user: User | None = None
    refusal: str = ""


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + DISCOVERY_PATH


def check_issuer_address(issuer: str) -> None:
    """HTTPS only, at a public address, except where the installation allows a
    development provider (``SSO_ALLOW_HTTP``: plain HTTP and this machine or the local
    network, as the tests' own provider on 127.0.0.1)."""
    if settings.SSO_ALLOW_HTTP:
        return
    if not issuer.startswith("https://"):
        raise ValidationError({"issuer": _("The issuer address must start with https://.")})
    refusal = _not_public(issuer)
    if refusal:
        raise ValidationError({"issuer": refusal})


def _not_public(url: str) -> str:
    """Why the server should not fetch ``url`` on a kansli's word: its host is this
    machine or a private, link-local or reserved network (the addresses it resolves to
    now), or cannot be resolved. "" when it is public."""
    host = urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return _("The address %(host)s cannot be found.") % {"host": host}
    for address in addresses:
        if not ipaddress.ip_address(address.split("%")[0]).is_global:
            return _("The address %(host)s is not on the public internet.") % {"host": host}
    return ""


def fetch_metadata(issuer: str) -> dict:
    """The provider's discovery document, checked: it names the same issuer and the
    endpoints the flow needs. Kept for ten minutes per issuer."""
    key = f"sso-metadata:{issuer}"
    metadata = cache.get(key)
    if metadata is not None:
        return metadata
    refusal = "" if settings.SSO_ALLOW_HTTP else _not_public(issuer)
    if refusal:
        raise ProviderUnavailable(refusal)
    try:
        response = requests.get(discovery_url(issuer), timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
        metadata = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(
            _("The identity provider's configuration could not be read at %(url)s (%(error)s).")
            % {"url": discovery_url(issuer), "error": type(error).__name__}
        ) from error
    if not isinstance(metadata, dict):
        raise ProviderUnavailable(_("The identity provider's configuration is not an object."))
    missing = [name for name in REQUIRED_METADATA if not metadata.get(name)]
    if missing:
        raise ProviderUnavailable(
            _("The identity provider's configuration lacks %(names)s.")
            % {"names": ", ".join(missing)}
        )
    if not settings.SSO_ALLOW_HTTP:
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            endpoint = str(metadata[name])
            refusal = "" if endpoint.startswith("https://") else _("not https")
            refusal = refusal or _not_public(endpoint)
            if refusal:
                raise ProviderUnavailable(
                    _("The identity provider's %(name)s cannot be used: %(why)s")
                    % {"name": name, "why": refusal}
                )
    if str(metadata["issuer"]).rstrip("/") != issuer.rstrip("/"):
        raise ProviderUnavailable(
            _("The identity provider calls itself %(found)s, not %(issuer)s.")
            % {"found": metadata["issuer"], "issuer": issuer}
        )
    cache.set(key, metadata, METADATA_CACHE_SECONDS)
    return metadata


def client_for(provider: IdentityProvider):
    """An Authlib client for this provider (one registry per call: providers are rows,
    not settings)."""
    metadata = fetch_metadata(provider.issuer)
    registry = OAuth()
    return registry.register(
        name=f"forbund-{provider.association_id}",
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        client_kwargs={
            "scope": SCOPES,
            "code_challenge_method": "S256",
            "default_timeout": TIMEOUT_SECONDS,
        },
        **{key: value for key, value in metadata.items() if isinstance(key, str)},
    )


def enabled_provider(slug: str) -> IdentityProvider | None:
    """The förbund's provider, if it has one turned on."""
    with scopes_disabled():
        return (
            IdentityProvider.objects.select_related("association")
            .filter(association__slug=slug, enabled=True)
            .first()
        )


def login_choices() -> list[IdentityProvider]:
    """The förbund whose own login the login page offers, by name."""
    with scopes_disabled():
        return list(
            IdentityProvider.objects.select_related("association")
            .filter(enabled=True)
            .order_by("association__name")
        )


def start(request, provider: IdentityProvider, *, redirect_uri: str):
    """The redirect to the provider's login (raises ``ProviderUnavailable``)."""
    return client_for(provider).authorize_redirect(request, redirect_uri)


def finish(request, provider: IdentityProvider) -> Outcome:
    """Read the provider's answer on the callback and log the person in, or say why not
    (raises ``ProviderUnavailable`` when the provider cannot be reached)."""
    try:
        token = client_for(provider).authorize_access_token(request)
    except OAuthError as error:
        return _refused(request, provider, _login_error(error))
    except requests.RequestException as error:
        raise ProviderUnavailable(
            _("The identity provider did not answer (%(error)s).") % {"error": type(error).__name__}
        ) from error
    except (JoseError, ValueError) as error:  # a bad signature, key, claim or token
        return _refused(
            request,
            provider,
            _("The identity provider's answer could not be trusted (%(error)s).")
            % {"error": type(error).__name__},
        )
    claims = token.get("userinfo")
    if not claims:
        return _refused(request, provider, _("The identity provider sent no ID token."))
    return _log_in(request, provider, claims)


def _login_error(error: OAuthError) -> str:
    if error.error == "access_denied":
        return _("The login was cancelled at the identity provider.")
    if error.error == "mismatching_state":
        return _("The login took too long or was started in another window. Try again.")
    return _("The identity provider refused the login (%(error)s).") % {"error": error.error}


def _log_in(request, provider: IdentityProvider, claims) -> Outcome:
    email = claims.get(provider.email_claim)
    if not isinstance(email, str) or "@" not in email:
        return _refused(
            request,
            provider,
            _("The identity provider sent no e-mail address in the claim %(claim)s.")
            % {"claim": provider.email_claim},
        )
    if claims.get("email_verified") is False:
        return _refused(
            request,
            provider,
            _("The identity provider has not verified the address %(email)s.") % {"email": email},
        )
    # Addresses are unique, case-insensitively (``user_email_unique_ci``).
    with scope(association=provider.association):
        user = User.objects.filter(
            email__iexact=email.strip(),
            is_active=True,
            memberships__association=provider.association,
        ).first()
    if user is None:
        why = _(
            "No user of %(forbund)s has the e-mail address %(email)s. Ask the förbund's "
            "kansli for an invitation."
        ) % {"forbund": provider.association.display_name, "email": email}
        return _refused(request, provider, why, email=email)
    request.login_method = "sso"  # the Händelselogg's login event says how
    auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return Outcome(user=user)


def _refused(request, provider: IdentityProvider, why: str, *, email: str = "") -> Outcome:
    signals.sso_login_refused.send(
        IdentityProvider,
        association=provider.association,
        email=email,
        reason=why,
        request=request,
    )
    return Outcome(refusal=why)


@transaction.atomic
def provider_save(*, association: Association, provider: IdentityProvider, acting_user):
    """Save the förbund's provider settings. Turning it on needs a provider that answers
    with a valid configuration, so a mistyped issuer is found now, not at a login."""
    check_issuer_address(provider.issuer)
    before = (
        IdentityProvider.objects.filter(pk=provider.pk).values("enabled").first()
        if provider.pk
        else None
    )
    if provider.enabled:
        cache.delete(f"sso-metadata:{provider.issuer}")
        try:
            fetch_metadata(provider.issuer)
        except ProviderUnavailable as error:
            raise ValidationError({"issuer": str(error)}) from error
    provider.association = association
    provider.full_clean()
    provider.save()
    was_enabled = bool(before and before["enabled"])
    if provider.enabled != was_enabled:
        change = "sso_enabled" if provider.enabled else "sso_disabled"
    else:
        change = "sso_changed"
    signals.identity_provider_changed.send(
        IdentityProvider, association=association, acting_user=acting_user, change=change
    )
    return provider
