"""An unreachable or read-only database gives the Swedish 503 page, logged once per
incident; a read whose connection dropped is retried once."""

import logging
from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client

from finsam import errors


@pytest.fixture
def fresh_incident(monkeypatch):
    monkeypatch.setattr(errors, "_last_logged_at", float("-inf"))


def broken_database(message="server closed the connection unexpectedly"):
    """Every query fails as it does when PostgreSQL is down."""
    return mock.patch.object(CursorWrapper, "execute", side_effect=OperationalError(message))


def assert_503_page(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "Tjänsten är tillfälligt otillgänglig" in body
    assert "Försök igen om 30 sekunder" in body
    assert response["X-Request-ID"] in body


@pytest.mark.django_db
def test_every_page_answers_503_and_the_outage_is_logged_once(
    kansli_client, association, fresh_incident, caplog
):
    kansli_client.raise_request_exception = False
    urls = ["/", f"/f/{association.slug}/", f"/f/{association.slug}/users/", "/accounts/login/"]
    with caplog.at_level(logging.INFO), broken_database():
        for url in urls:
            assert_503_page(kansli_client.get(url))
    outage_lines = [r for r in caplog.records if r.name in ("finsam.errors", "django.request")]
    assert len(outage_lines) == 1
    assert outage_lines[0].levelno == logging.ERROR
    request_lines = [r for r in caplog.records if r.name == "finsam.request"]
    assert [r.getMessage().split()[2] for r in request_lines] == ["status=503"] * len(urls)


@pytest.mark.django_db
def test_login_with_a_broken_database_answers_503(members, fresh_incident):
    client = Client(raise_request_exception=False)
    with broken_database():
        response = client.post(
            "/accounts/login/", {"username": members["kansli"].username, "password": "x"}
        )
    assert_503_page(response)


@pytest.mark.django_db
def test_read_only_database_while_saving_the_session_answers_503(kansli_client, fresh_incident):
    """The session is saved on every request: a read-only database failed that save, which
    Django reports as a 400 'session interrupted'."""
    kansli_client.raise_request_exception = False
    kansli_client.get("/accounts/password_change/")  # the session exists
    write = OperationalError("attempt to write a readonly database")
    original_execute = CursorWrapper.execute

    def read_only(self, sql, params=None):
        if sql.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")):
            raise write
        return original_execute(self, sql, params)

    with mock.patch.object(CursorWrapper, "execute", read_only):
        response = kansli_client.get("/accounts/password_change/")
    assert_503_page(response)


@pytest.mark.django_db(transaction=True)  # a retry happens only outside a transaction
def test_a_dropped_connection_on_a_read_is_retried_once(kansli_client, association):
    kansli_client.raise_request_exception = False  # the first attempt's error is not the answer
    original_execute = CursorWrapper.execute
    failures = iter([OperationalError("server closed the connection unexpectedly")])

    def drop_once(self, sql, params=None):
        if "associations_memberparty" in sql:
            failure = next(failures, None)
            if failure is not None:
                raise failure
        return original_execute(self, sql, params)

    with mock.patch.object(CursorWrapper, "execute", drop_once):
        response = kansli_client.get(f"/f/{association.slug}/parties/")
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_write_is_not_retried(kansli_client, association, fresh_incident):
    kansli_client.raise_request_exception = False
    calls = []
    original_execute = CursorWrapper.execute

    def failing_insert(self, sql, params=None):
        if sql.lstrip().upper().startswith("INSERT") and "memberparty" in sql:
            calls.append(sql)
            raise OperationalError("server closed the connection unexpectedly")
        return original_execute(self, sql, params)

    with mock.patch.object(CursorWrapper, "execute", failing_insert):
        response = kansli_client.post(
            f"/f/{association.slug}/parties/new/",
            {"kind": "kommun", "name": "Ny kommun", "population": "1000", "order": "1"},
        )
    assert_503_page(response)
    assert len(calls) == 1


def test_a_bug_is_not_an_outage():
    from django.db import IntegrityError

    assert errors.database_unavailable(IntegrityError("duplicate key")) is None
    assert errors.database_unavailable(ValueError("x")) is None


@pytest.mark.django_db(transaction=True)
def test_a_dropped_connection_while_loading_the_user_is_retried(kansli_client, association):
    """The tenant middleware reads the user before any view runs."""
    kansli_client.raise_request_exception = False
    original_execute = CursorWrapper.execute
    failures = iter([OperationalError("terminating connection due to administrator command")])

    def drop_once(self, sql, params=None):
        if "django_session" in sql:
            failure = next(failures, None)
            if failure is not None:
                raise failure
        return original_execute(self, sql, params)

    with mock.patch.object(CursorWrapper, "execute", drop_once):
        response = kansli_client.get(f"/f/{association.slug}/")
    assert response.status_code == 200
