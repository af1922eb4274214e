"""Password-reset mails per address and per client, invitations per förbund."""

from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from finsam.ratelimit import HOUR, RateLimit

RESET_DONE = "/accounts/password_reset/done/"


@pytest.fixture(autouse=True)
def _empty_cache(db):
    cache.clear()
    yield
    cache.clear()


def reset(client, email):
    return client.post("/accounts/password_reset/", {"email": email})


def test_at_most_three_reset_mails_an_hour_to_one_address(
    members, django_capture_on_commit_callbacks
):
    client = Client()
    email = members["kansli"].email
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(8):
            response = reset(client, email.upper())
            # The same answer every time: nobody learns that mails stopped.
            assert response.status_code == 302
            assert response["Location"] == RESET_DONE
    assert len(mail.outbox) == 3


def test_at_most_ten_reset_mails_an_hour_from_one_client(db, django_capture_on_commit_callbacks):
    from tests.factories import UserFactory

    users = [UserFactory(email=f"person{n}@example.se") for n in range(12)]
    client = Client(REMOTE_ADDR="192.0.2.7")
    with django_capture_on_commit_callbacks(execute=True):
        for user in users:
            assert reset(client, user.email)["Location"] == RESET_DONE
    assert len(mail.outbox) == 10
    # Another client still gets a mail through.
    with django_capture_on_commit_callbacks(execute=True):
        reset(Client(REMOTE_ADDR="192.0.2.8"), users[-1].email)
    assert len(mail.outbox) == 11


def test_invitations_per_forbund_a_day(kansli_client, association, settings):
    settings.INVITATIONS_PER_ASSOCIATION_PER_DAY = 2
    limit = RateLimit("invitations", "INVITATIONS_PER_ASSOCIATION_PER_DAY", HOUR)
    for _ in range(2):
        limit.hit(association.pk)
    response = kansli_client.post(
        f"/f/{association.slug}/users/invite/",
        {"email": "tredje@example.se", "first_name": "T", "last_name": "P", "role": "revisor"},
    )
    assert response.status_code == 200
    assert "Förbundet har skickat 2 inbjudningar det senaste dygnet" in response.content.decode()
    assert not mail.outbox


def test_a_window_ends(monkeypatch):
    limit = RateLimit("test", "PASSWORD_RESET_MAILS_PER_ADDRESS", 60)
    now = [1_000_000.0]
    # The limiter's own clock only: the cache keeps its entries by the real one.
    monkeypatch.setattr("finsam.ratelimit.time", SimpleNamespace(time=lambda: now[0]))
    assert [limit.hit("a") for _ in range(4)] == [True, True, True, False]
    assert limit.hit("b")
    now[0] += 61
    assert limit.hit("a")
    assert limit.used("a") == 1


def test_behind_a_proxy_the_client_is_read_from_x_forwarded_for(
    members, settings, django_capture_on_commit_callbacks
):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    email = members["kansli"].email
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(12):
            # Each its own client behind the proxy; what a client adds itself is ignored.
            client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"1.2.3.4, 192.0.2.{n}")
            settings.PASSWORD_RESET_MAILS_PER_ADDRESS = 100
            reset(client, email)
    assert len(mail.outbox) == 12


def test_client_address():
    from django.test import RequestFactory, override_settings

    from finsam.ratelimit import client_address

    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 7.7.7.7"
    )
    assert client_address(request) == "10.0.0.2"
    with override_settings(AXES_IPWARE_PROXY_COUNT=1):
        assert client_address(request) == "7.7.7.7"
    with override_settings(AXES_IPWARE_PROXY_COUNT=3):
        assert client_address(request) == "10.0.0.2"
