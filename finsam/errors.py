"""Error pages: the 500 page with the request id, and the 503 page when the database is
unreachable or read-only.

Django calls ``handler500`` (and ``handler400``) inside the ``except`` block of the
failed request, wherever in the stack the error was raised: in a view, in a template,
or in the session middleware saving the session after the view (which Django reports as
a 400 "session interrupted" when the save fails). So this is the one place that tells a
database outage from a bug, whatever part of the request met it first.
"""

import logging
import sys
import threading
import time

from django.conf import settings
from django.db import DatabaseError, InterfaceError, InternalError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views import defaults

log = logging.getLogger("finsam.errors")

# PostgreSQL's SQLSTATE for a write in a read-only transaction (a standby, or
# default_transaction_read_only): psycopg raises it as an InternalError.
READ_ONLY_SQLSTATE = "25006"
RETRY_AFTER_SECONDS = 30

_last_logged_at = float("-inf")
_log_lock = threading.Lock()


def database_unavailable(exc: BaseException | None) -> DatabaseError | None:
    """The database error behind ``exc`` (following what it was raised from or while
    handling) if it means the database cannot be reached or written, else None. Bugs
    such as a constraint violation or bad SQL are not an outage and give None."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (OperationalError, InterfaceError)):
            return exc
        if isinstance(exc, InternalError) and _sqlstate(exc) == READ_ONLY_SQLSTATE:
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def _sqlstate(exc: BaseException) -> str | None:
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)


def log_outage_once(error: DatabaseError) -> bool:
    """Log the outage unless one was logged in the last ``DATABASE_ERROR_LOG_INTERVAL``
    seconds (per worker process): an outage fails every request, and one line per
    request would bury everything else. Returns whether it logged."""
    global _last_logged_at
    now = time.monotonic()
    with _log_lock:
        if now - _last_logged_at < settings.DATABASE_ERROR_LOG_INTERVAL:
            return False
        _last_logged_at = now
    log.error("database unavailable: %s: %s", type(error).__name__, error)
    return True


def service_unavailable(request, error: DatabaseError) -> HttpResponse:
    """The Swedish 503 page. It renders without the request's context processors, which
    would read the user and the förbund from the database that just failed."""
    log_outage_once(error)
    body = loader.render_to_string(
        "503.html", {"request_id": getattr(request, "id", ""), "retry_after": RETRY_AFTER_SECONDS}
    )
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # Logged above (once per incident); Django's per-request error log would repeat it.
    response._has_been_logged = True
    # For finsam.middleware.DatabaseRetryMiddleware, which may serve a read again.
    response.database_unavailable = True
    return response


def server_error(request):
    """``handler500``: the 503 page for a database outage, else the 500 page with the
    request id the user can quote ("Felkod")."""
    error = database_unavailable(sys.exc_info()[1])
    if error is not None:
        return service_unavailable(request, error)
    body = loader.render_to_string("500.html", {"request_id": getattr(request, "id", "")})
    return HttpResponse(body, status=500)


def bad_request(request, exception):
    """``handler400``: the session middleware turns a failed session save into a 400;
    when the database caused it, the answer is the 503 page."""
    error = database_unavailable(exception)
    if error is not None:
        return service_unavailable(request, error)
    return defaults.bad_request(request, exception)
