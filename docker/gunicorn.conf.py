"""gunicorn settings for the container (docker/entrypoint.sh) and bench/abuse.py.

Each value can be changed from the environment. gunicorn does not cap a request body:
that is MAX_REQUEST_BODY in finsam/settings.py (413 before the body is read), and the
compose stack's proxy caps it too (docker/Caddyfile: 3 MB; 21 MB on the outcome's SIE
import path, .../outcome/import/).
"""

import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers: one request at a time each. Two cores serve three well.
workers = _int("GUNICORN_WORKERS", 3)
worker_class = "sync"
# A request that takes longer is killed and the worker replaced (a PDF renders in ~1 s).
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# The request line (method, path and query string) and the headers, in bytes and count.
limit_request_line = _int("GUNICORN_LIMIT_REQUEST_LINE", 4094)
limit_request_fields = _int("GUNICORN_LIMIT_REQUEST_FIELDS", 50)
limit_request_field_size = _int("GUNICORN_LIMIT_REQUEST_FIELD_SIZE", 8190)
# A worker is replaced after this many requests, so a slow leak cannot grow for ever;
# the jitter spreads the replacements so that the workers are not all new at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# The application is loaded once, in the master, before the workers are forked:
# finsam/wsgi.py imports every view and WeasyPrint and freezes those objects out of
# the garbage collector (gc.freeze()), so the workers share their memory pages instead
# of each loading (and the collector touching) a copy, and a replaced worker starts at
# once. Nothing opens a database connection at import. A code change then needs a
# restart (not HUP), which a container's deploy does anyway.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() in ("1", "true", "yes")
# The heartbeat file on tmpfs: a container's overlay filesystem can stall it.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", "/dev/shm")
# The application writes one line per request itself (finsam.middleware), with the
# request id and without the query string; gunicorn's access log would repeat it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
