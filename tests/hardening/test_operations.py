"""/healthz, /readyz, the request log line and the request id on the 500 page."""

import logging
from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client
from django.urls import path

from finsam import health


@pytest.mark.django_db
def test_healthz_answers_without_the_database(django_assert_num_queries):
    client = Client()
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "Set-Cookie" not in response


@pytest.mark.django_db
def test_readyz_says_whether_the_database_answers(monkeypatch):
    monkeypatch.setattr(health, "_migrations_applied", False)
    client = Client()
    response = client.get("/readyz")
    assert (response.status_code, response.content) == (200, b"ok\n")
    with mock.patch.object(CursorWrapper, "execute", side_effect=OperationalError("down")):
        response = client.get("/readyz")
    assert (response.status_code, response.content) == (503, b"not ready\n")


@pytest.mark.django_db
def test_readyz_is_not_ready_with_unapplied_migrations(monkeypatch):
    monkeypatch.setattr(health, "_migrations_applied", False)
    with mock.patch(
        "django.db.migrations.executor.MigrationExecutor.migration_plan",
        return_value=[("a migration", False)],
    ):
        response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.content == b"not ready\n"


@pytest.mark.django_db
def test_one_log_line_per_request_without_personal_data(kansli_client, association, caplog):
    with caplog.at_level(logging.INFO, logger="finsam.request"):
        response = kansli_client.get(f"/f/{association.slug}/users/?q=anna@example.se")
    lines = [r.getMessage() for r in caplog.records if r.name == "finsam.request"]
    assert len(lines) == 1
    fields = dict(part.split("=", 1) for part in lines[0].split())
    user = kansli_client.session["_auth_user_id"]
    assert fields == {
        "method": "GET",
        "path": f"/f/{association.slug}/users/",
        "status": "200",
        "duration_ms": fields["duration_ms"],
        "association": association.slug,
        "user": user,
    }
    assert fields["duration_ms"].isdigit()
    request_lines = [r for r in caplog.records if r.name == "finsam.request"]
    assert request_lines[0].request_id == response["X-Request-ID"]
    assert "@" not in lines[0]


def test_request_id_is_taken_from_a_proxy_only_if_it_is_a_short_token(db):
    client = Client()
    page = "/accounts/login/"
    assert client.get(page, HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    for unsafe in ["a b", "x" * 65, "<script>", "a\tb"]:
        own = client.get(page, HTTP_X_REQUEST_ID=unsafe)["X-Request-ID"]
        assert own != unsafe
        assert len(own) == 32


def broken_view(request):
    raise RuntimeError("a bug")


urlpatterns = [path("broken/", broken_view)]
handler500 = "finsam.errors.server_error"


@pytest.mark.urls("tests.hardening.test_operations")
def test_the_500_page_shows_the_request_id_which_the_error_log_carries(db, caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.INFO):
        response = client.get("/broken/")
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    assert f"Felkod: <code>{request_id}</code>" in response.content.decode()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert errors[0].request_id == request_id
    assert errors[0].exc_info[0] is RuntimeError


@pytest.mark.django_db
def test_probes_answer_whatever_the_host_and_without_https(settings):
    settings.ALLOWED_HOSTS = ["finsam.example.se"]
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    for probe in ["/healthz", "/readyz"]:
        response = client.get(probe, HTTP_HOST="10.0.0.5:8000")
        assert response.status_code == 200, probe
    assert client.get("/accounts/login/", HTTP_HOST="10.0.0.5:8000").status_code == 400
