"""Request-wide middleware: a request id and one log line per request, a cap on the body
size, and one retry of a safe request whose database connection dropped.

``RequestLogMiddleware`` comes first in ``MIDDLEWARE`` so that its log line has the
status the client got (a 413, a 503 page included), and ``RequestSizeLimitMiddleware``
second, so an oversized body is refused before any other middleware reads it.
"""

import contextlib
import logging
import re
import time
import uuid
from contextvars import ContextVar
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.utils.translation import gettext as _

from finsam.ratelimit import client_address

request_log = logging.getLogger("finsam.request")
error_log = logging.getLogger("finsam.errors")

# The id of the request being served, for the log filter below (every log line written
# while serving a request carries it, Django's own error reports included).
current_request_id: ContextVar[str] = ContextVar("current_request_id", default="-")
# The client's address (``finsam.ratelimit.client_address``) while serving a request, for
# what is recorded about the request deep below the view (the förbund's Händelselogg);
# "" outside a request (a job, a command).
current_client_address: ContextVar[str] = ContextVar("current_client_address", default="")

# An incoming X-Request-ID (from a proxy in front) is kept only if it is a short plain token.
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class HealthCheckMiddleware:
    """Answers ``/healthz`` and ``/readyz`` before any other middleware: no host check
    (the orchestrator probes by address, not by the public host name), no HTTPS redirect,
    no session, no log line every few seconds. The views are in ``finsam.health``; their
    URL patterns exist too, for ``reverse()`` and the access matrix."""

    def __init__(self, get_response):
        from finsam import health

        self.get_response = get_response
        self.probes = {"/healthz": health.healthz, "/readyz": health.readyz}

    def __call__(self, request):
        probe = self.probes.get(request.path_info)
        if probe is not None:
            return probe(request)
        return self.get_response(request)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every log record (``-`` outside a request)."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id.get()
        return True


def _request_id(request) -> str:
    incoming = request.headers.get("X-Request-ID", "")
    return incoming if SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex


def _user_id(request) -> str:
    # Only a user the request has already loaded: looking one up here would query the
    # database after the response (and fail again if the database is what failed).
    user = getattr(request, "_cached_user", None)
    return str(user.pk) if user is not None and user.is_authenticated else "-"


def _association_slug(request) -> str:
    association = getattr(request, "association", None)
    return association.slug if association is not None else "-"


class RequestLogMiddleware:
    """Gives each request an id (``request.id``, the ``X-Request-ID`` response header) and
    writes one ``key=value`` line per request: method, path without the query string,
    status, duration, förbund slug, user id and request id. No e-mail addresses, names or
    query strings: nothing that identifies a person beyond the account's number."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = _request_id(request)
        token = current_request_id.set(request.id)
        address_token = current_client_address.set(client_address(request))
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.id
            request_log.info(
                "method=%s path=%s status=%s duration_ms=%d association=%s user=%s",
                request.method,
                _loggable_path(request.path),
                response.status_code,
                (time.monotonic() - started) * 1000,
                _association_slug(request),
                _user_id(request),
            )
            return response
        finally:
            current_request_id.reset(token)
            current_client_address.reset(address_token)


def _loggable_path(path: str) -> str:
    # Quoted if it holds a space or a quote, so that a line always splits into key=value.
    if re.search(r'[\s"]', path):
        return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return path


# Paths that accept a larger body from a signed-in user: the outcome's SIE file, up to
# 20 MB (budgets/sie.py MAX_SIE_BYTES), is refused by its form with a message above that.
LARGE_UPLOAD_PATHS = (r"^/f/[^/]+/budgets/plans/\d+/outcome/import/$",)


class RequestSizeLimitMiddleware:
    """Refuses with 413 a request whose declared body exceeds ``MAX_REQUEST_BODY`` bytes,
    before anything reads it. gunicorn does not cap the body itself, and Django's
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` does not count uploaded files, so without this an
    anonymous client could make a worker read any amount (the file upload handlers would
    spool it to disk). A body without a Content-Length (chunked) is still bounded by
    Django's limits on what it keeps in memory."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = self.limit_for(request, length)
        if length > limit:
            response = HttpResponse(
                _("The request is too large: at most %(mb)s MB can be sent at a time.")
                % {"mb": limit // (1024 * 1024)},
                status=413,
                content_type="text/plain; charset=utf-8",
            )
            # The unread body stays in the socket: the connection cannot be reused.
            response["Connection"] = "close"
            return response
        return self.get_response(request)

    @staticmethod
    def limit_for(request, length: int) -> int:
        """``MAX_REQUEST_BODY``; on a path of ``LARGE_UPLOAD_PATHS`` (an SIE file of up to
        20 MB) ``MAX_LARGE_UPLOAD_BODY``, but only for a signed-in user's session: the
        session is looked up here, before the session middleware, and only for a body
        that is over the ordinary limit."""
        if length <= settings.MAX_REQUEST_BODY:
            return settings.MAX_REQUEST_BODY
        if not any(re.match(pattern, request.path_info) for pattern in LARGE_UPLOAD_PATHS):
            return settings.MAX_REQUEST_BODY
        key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if not key:
            return settings.MAX_REQUEST_BODY
        session = import_module(settings.SESSION_ENGINE).SessionStore(key)
        if session.get(SESSION_KEY) is None:
            return settings.MAX_REQUEST_BODY
        return settings.MAX_LARGE_UPLOAD_BODY


class DatabaseRetryMiddleware:
    """Serves a safe request (GET, HEAD, OPTIONS) a second time when the first attempt
    ended on the 503 page because the database connection failed (e.g. PostgreSQL
    restarted, or dropped the connection): wherever the failure came, in the view, in
    loading the user or in saving the session. The dead connection is closed first, so
    the retry opens a new one. A write is never repeated, nor anything inside a
    transaction. If the retry fails too, its 503 page is the answer.

    It sits outside the session and authentication middleware, so the retry loads them
    afresh; the 503 page marks itself (``finsam.errors.service_unavailable``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            getattr(response, "database_unavailable", False)
            and request.method in SAFE_METHODS
            and not connection.in_atomic_block
        ):
            with contextlib.suppress(OperationalError, InterfaceError):
                connection.close()  # already dead or not, the retry connects afresh
            response = self.get_response(request)
        return response
