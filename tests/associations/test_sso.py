"""Single sign-on through a förbund's own OpenID Connect provider, end to end against a
provider this module starts itself (``tests.oidc_provider``: discovery, PKCE, ID tokens
signed RS256 over real HTTP). Nothing in Authlib or the application is mocked."""

import time
import urllib.request
from urllib.parse import urlsplit

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django_scopes import scopes_disabled

from associations.models import IdentityProvider, User
from audit.models import AuditEvent, Kind
from tests.factories import MembershipFactory, UserFactory
from tests.oidc_provider import LocalIdentityProvider, new_key

SETTINGS_PAGE = "/f/forbund-a/inloggning/"


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture(scope="module")
def idp():
    provider = LocalIdentityProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def provider(idp, association, settings):
    """The förbund's provider, turned on, pointing at the test provider."""
    settings.SSO_ALLOW_HTTP = True
    idp.reset()
    with scopes_disabled():
        return IdentityProvider.objects.create(
            association=association,
            enabled=True,
            label="Testregionens inloggning",
            issuer=idp.issuer,
            client_id=idp.client_id,
            client_secret=idp.client_secret,
        )


@pytest.fixture
def member(association):
    with scopes_disabled():
        return MembershipFactory(
            association=association, role="kansli", user__email="Anna.Berg@Example.se"
        ).user


def sign_in(client: Client, idp: LocalIdentityProvider, *, email: str, start_query: str = ""):
    """Start at the application, let the provider log ``email`` in, and follow it back.
    Returns the application's answer to the callback."""
    idp.identity = {"sub": email, "email": email}
    start = client.get(f"/accounts/sso/forbund-a/{start_query}")
    assert start.status_code == 302, start
    assert start.url.startswith(f"{idp.issuer}/authorize?")
    back = provider_answer(start.url)
    return client.get(back)


def provider_answer(authorize_url: str) -> str:
    """What the provider sends the browser back to (as a path of the application)."""
    opener = urllib.request.build_opener(NoRedirects)
    try:
        opener.open(authorize_url, timeout=5)
    except urllib.error.HTTPError as redirect:
        location = redirect.headers["Location"]
    url = urlsplit(location)
    return f"{url.path}?{url.query}"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_member_logs_in_through_the_forbunds_provider(client, idp, provider, member):
    answer = sign_in(client, idp, email="anna.berg@example.se")  # case does not matter
    assert answer.status_code == 302
    assert answer.url == "/f/forbund-a/"
    assert client.session["_auth_user_id"] == str(member.pk)
    assert client.get("/f/forbund-a/").status_code == 200
    with scopes_disabled():
        event = AuditEvent.objects.get(kind=Kind.LOGIN)
    assert event.association == provider.association
    assert event.summary == "Loggade in via förbundets inloggningstjänst"


def test_the_page_asked_for_is_where_the_login_ends(client, idp, provider, member):
    answer = sign_in(client, idp, email=member.email, start_query="?next=/f/forbund-a/plans/")
    assert answer.url == "/f/forbund-a/plans/"


def test_another_sites_next_is_not_followed(client, idp, provider, member):
    answer = sign_in(client, idp, email=member.email, start_query="?next=https://evil.example/")
    assert answer.url == "/f/forbund-a/"


def test_a_stranger_is_refused_and_no_account_is_made(client, idp, provider, member):
    users_before = User.objects.count()
    answer = sign_in(client, idp, email="ny.person@example.se")
    assert answer.status_code == 302 and answer.url == "/accounts/login/"
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == users_before
    [message] = messages_of(answer)
    assert "Ingen användare i" in message and "ny.person@example.se" in message
    assert "inbjudan" in message
    with scopes_disabled():
        event = AuditEvent.objects.get(kind=Kind.LOGIN_FAILED)
    assert event.association == provider.association
    assert event.target == "ny.person@example.se"


def test_a_member_of_another_forbund_only_is_refused(client, idp, provider, other_association):
    with scopes_disabled():
        elsewhere = MembershipFactory(
            association=other_association, role="kansli", user__email="b@example.se"
        ).user
    answer = sign_in(client, idp, email=elsewhere.email)
    assert answer.url == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_an_inactive_account_is_refused(client, idp, provider, member):
    member.is_active = False
    member.save()
    answer = sign_in(client, idp, email=member.email)
    assert answer.url == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_an_unverified_address_is_refused(client, idp, provider, member):
    idp.claims = {"email_verified": False}
    answer = sign_in(client, idp, email=member.email)
    assert answer.url == "/accounts/login/"
    assert "inte bekräftat" in messages_of(answer)[0]


def test_another_claim_may_carry_the_address(client, idp, provider, member):
    provider.email_claim = "upn"
    provider.save()
    idp.claims = {"upn": member.email, "email": "something.else@example.se"}
    answer = sign_in(client, idp, email="ignored@example.se")
    assert answer.url == "/f/forbund-a/"
    assert client.session["_auth_user_id"] == str(member.pk)


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "another-application"},
        {"iss": "http://127.0.0.1:1"},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
        {"nonce": "not-the-one-sent"},
    ],
    ids=["audience", "issuer", "expired", "nonce"],
)
def test_a_token_that_fails_a_check_is_refused(client, idp, provider, member, claims):
    idp.claims = claims
    answer = sign_in(client, idp, email=member.email)
    assert answer.url == "/accounts/login/"
    assert "_auth_user_id" not in client.session
    assert "gick inte att lita på" in messages_of(answer)[0]


def test_a_token_signed_with_a_key_the_provider_does_not_publish_is_refused(
    client, idp, provider, member
):
    idp.signing_key = new_key(idp.key.kid)  # same key id, another key
    answer = sign_in(client, idp, email=member.email)
    assert answer.url == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_a_callback_the_application_did_not_start_is_refused(client, idp, provider, member):
    other_browser = Client()
    idp.identity = {"sub": "x", "email": member.email}
    start = other_browser.get("/accounts/sso/forbund-a/")
    back = provider_answer(start.url)  # someone else's code and state, pushed on this client
    answer = client.get(back)
    assert answer.url == "/accounts/login/"
    assert "_auth_user_id" not in client.session
    assert idp.token_requests == 0  # the code was never exchanged


def test_a_login_cancelled_at_the_provider_says_so(client, idp, provider, member):
    idp.deny = True
    answer = sign_in(client, idp, email=member.email)
    assert answer.url == "/accounts/login/"
    assert "avbröts" in messages_of(answer)[0]


def test_an_unreachable_provider_is_explained(client, provider):
    provider.issuer = "http://127.0.0.1:9"  # nothing listens there
    provider.save()
    answer = client.get("/accounts/sso/forbund-a/")
    assert answer.url == "/accounts/login/"
    assert "kunde inte läsas" in messages_of(answer)[0]


def test_a_provider_turned_off_is_not_found(client, provider):
    provider.enabled = False
    provider.save()
    assert client.get("/accounts/sso/forbund-a/").status_code == 404
    assert client.get("/accounts/sso/forbund-a/callback/?code=x&state=y").status_code == 404


def test_the_login_page_offers_the_forbund_whose_provider_is_on(client, provider):
    page = client.get("/accounts/login/?next=/f/forbund-a/plans/").content.decode()
    assert "Testregionens inloggning" in page
    assert 'href="/accounts/sso/forbund-a/?next=/f/forbund-a/plans/"' in page
    provider.enabled = False
    provider.save()
    assert "Testregionens inloggning" not in client.get("/accounts/login/").content.decode()


def test_a_forbund_requiring_two_factor_still_asks_for_it(client, idp, provider, member):
    association = provider.association
    association.require_two_factor = True
    association.save()
    answer = sign_in(client, idp, email=member.email)
    assert answer.url == "/f/forbund-a/"
    follow = client.get(answer.url)
    assert follow.status_code == 302 and follow.url.startswith("/accounts/tvastegs/")


# The kansli's settings page ---------------------------------------------------------


def settings_form(idp, **changes):
    form = {
        "enabled": "on",
        "label": "Regionens inloggning",
        "issuer": idp.issuer + "/",
        "client_id": idp.client_id,
        "client_secret": idp.client_secret,
        "email_claim": "email",
    }
    return {key: value for key, value in (form | changes).items() if value is not None}


def test_the_kansli_turns_it_on_and_the_secret_is_never_shown(
    kansli_client, idp, members, settings
):
    settings.SSO_ALLOW_HTTP = True
    page = kansli_client.get(SETTINGS_PAGE).content.decode()
    assert "http://testserver/accounts/sso/forbund-a/callback/" in page
    answer = kansli_client.post(SETTINGS_PAGE, settings_form(idp))
    assert answer.status_code == 302
    with scopes_disabled():
        saved = IdentityProvider.objects.get()
        event = AuditEvent.objects.get(kind=Kind.LOGIN_SETTINGS)
    assert saved.enabled and saved.issuer == idp.issuer  # the trailing slash dropped
    assert saved.client_secret == idp.client_secret
    assert event.summary == "Inloggning via förbundets inloggningstjänst påslagen"
    page = kansli_client.get(SETTINGS_PAGE).content.decode()
    assert idp.client_secret not in page
    # Left empty, the saved secret is kept.
    kansli_client.post(SETTINGS_PAGE, settings_form(idp, client_secret="", label="Ny text"))
    saved.refresh_from_db()
    assert saved.label == "Ny text" and saved.client_secret == idp.client_secret


def test_an_issuer_without_a_configuration_is_refused_and_nothing_saved(
    kansli_client, idp, settings
):
    settings.SSO_ALLOW_HTTP = True
    answer = kansli_client.post(SETTINGS_PAGE, settings_form(idp, issuer=idp.issuer + "/fel"))
    assert answer.status_code == 200
    assert "kunde inte läsas" in answer.content.decode()
    with scopes_disabled():
        assert not IdentityProvider.objects.exists()


def test_an_issuer_that_names_another_is_refused(kansli_client, idp, settings, monkeypatch):
    settings.SSO_ALLOW_HTTP = True
    monkeypatch.setattr(
        idp,
        "metadata",
        lambda: {**LocalIdentityProvider.metadata(idp), "issuer": "https://x.example"},
    )
    answer = kansli_client.post(SETTINGS_PAGE, settings_form(idp))
    assert answer.status_code == 200
    assert "kallar sig" in answer.content.decode()


def test_a_configuration_whose_issuer_is_not_a_text_is_refused(
    kansli_client, idp, settings, monkeypatch
):
    settings.SSO_ALLOW_HTTP = True
    monkeypatch.setattr(
        idp, "metadata", lambda: {**LocalIdentityProvider.metadata(idp), "issuer": 7}
    )
    answer = kansli_client.post(SETTINGS_PAGE, settings_form(idp))
    assert answer.status_code == 200
    assert "kallar sig 7" in answer.content.decode()


def test_plain_http_is_refused_in_production(kansli_client, idp, settings):
    settings.SSO_ALLOW_HTTP = False
    answer = kansli_client.post(SETTINGS_PAGE, settings_form(idp))
    assert answer.status_code == 200
    assert "https://" in answer.content.decode()
    with scopes_disabled():
        assert not IdentityProvider.objects.exists()


def test_a_new_provider_needs_a_secret(kansli_client, idp, settings):
    settings.SSO_ALLOW_HTTP = True
    answer = kansli_client.post(SETTINGS_PAGE, settings_form(idp, client_secret=""))
    assert answer.status_code == 200
    assert "Ange klienthemligheten" in answer.content.decode()


def test_only_the_kansli_reaches_the_settings(client, members, outsider):
    client.force_login(members["styrelse"])
    assert client.get(SETTINGS_PAGE).status_code == 403
    assert client.post(SETTINGS_PAGE, {"enabled": "on"}).status_code == 403
    client.force_login(outsider)
    assert client.get(SETTINGS_PAGE).status_code == 404


def test_turning_it_off_needs_no_answer_from_the_provider(kansli_client, provider):
    provider.issuer = "http://127.0.0.1:9"
    provider.save()
    data = {
        "label": "",
        "issuer": provider.issuer,
        "client_id": "x",
        "client_secret": "",
        "email_claim": "email",
    }
    assert kansli_client.post(SETTINGS_PAGE, data).status_code == 302
    provider.refresh_from_db()
    assert not provider.enabled
    with scopes_disabled():
        assert AuditEvent.objects.get(kind=Kind.LOGIN_SETTINGS).summary == (
            "Inloggning via förbundets inloggningstjänst avslagen"
        )


def test_users_of_another_forbund_are_unaffected(db, idp, provider, other_association):
    """The other förbund has no provider: its login URL is not found."""
    UserFactory()
    assert Client().get("/accounts/sso/forbund-b/").status_code == 404


@pytest.mark.parametrize(
    ("issuer", "why"),
    [
        ("https://127.0.0.1:8443", "inte på det publika internet"),
        ("https://10.1.2.3/realms/kommun", "inte på det publika internet"),
        ("https://169.254.169.254/latest", "inte på det publika internet"),
        ("https://[::1]/", "inte på det publika internet"),
        ("https://no-such-host.invalid/", "kan inte hittas"),
    ],
    ids=["loopback", "private", "link-local", "ipv6-loopback", "unresolvable"],
)
def test_in_production_the_server_fetches_only_public_addresses(
    kansli_client, idp, settings, issuer, why
):
    """The kansli's issuer is fetched by the server: not this machine, nor a private or
    link-local network (a cloud's metadata service), unless a development provider is
    allowed."""
    settings.SSO_ALLOW_HTTP = False
    answer = kansli_client.post(SETTINGS_PAGE, settings_form(idp, issuer=issuer))
    assert answer.status_code == 200
    assert why in answer.content.decode()
    with scopes_disabled():
        assert not IdentityProvider.objects.exists()


def test_in_production_a_saved_local_issuer_is_not_fetched_at_login(client, provider, settings):
    """Saved while development providers were allowed, refused once they are not."""
    settings.SSO_ALLOW_HTTP = False
    answer = client.get("/accounts/sso/forbund-a/")
    assert answer.url == "/accounts/login/"
    assert "inte på det publika internet" in messages_of(answer)[0]
