"""Settings for the Finsam planning application.

Everything that differs between machines comes from the environment (see
``.env.example``). With no environment at all the application runs for local
development on a SQLite file; production sets ``DEBUG=false``,
``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``DATABASE_URL``.
"""

import hashlib
import tempfile
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-local-development-key-only")
else:
    # No default outside development: a production start without a key fails loudly.
    SECRET_KEY = env.str("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tables2",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "finsam",
    "associations",
    "plans",
    "budgets",
    "followup",
    "documents",
    "reports",
    "notifications",
    "audit",
    "transfer",
]

MIDDLEWARE = [
    # First the probes (/healthz, /readyz: no host check, no session, no log line), then
    # the request id and the one log line per request, then the body-size cap.
    "finsam.middleware.HealthCheckMiddleware",
    "finsam.middleware.RequestLogMiddleware",
    "finsam.middleware.RequestSizeLimitMiddleware",
    # A read whose database connection failed is served once more (outside the session).
    "finsam.middleware.DatabaseRetryMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): a second factor was given in this session (django-otp);
    # then the step a password login still owes (associations.two_factor).
    "django_otp.middleware.OTPMiddleware",
    "associations.middleware.TwoFactorMiddleware",
    # Swedish unless the user chose English (on their account, or on this browser before
    # logging in); never from the browser's Accept-Language.
    "associations.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "associations.middleware.AssociationScopeMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # django-axes wants to be last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "finsam.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "associations.context_processors.association",
            ],
        },
    },
]

WSGI_APPLICATION = "finsam.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Writers queue for the lock (up to 20 s) instead of failing at once, and a
    # transaction takes the write lock when it begins, so two requests never
    # deadlock upgrading a read lock.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("timeout", 20)
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    # Tests use a file, not shared-cache memory: in shared-cache mode SQLite fails a
    # concurrent writer with "table is locked" at once instead of waiting. One file
    # per checkout (pytest-xdist adds a suffix per worker).
    checkout = hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:8]
    DATABASES["default"].setdefault("TEST", {}).setdefault(
        "NAME", str(Path(tempfile.gettempdir()) / f"finsam-test-{checkout}.sqlite3")
    )
# A kept connection is checked before a request uses it, so one that PostgreSQL dropped
# (a restart) is replaced instead of failing the request; a read whose connection drops
# during the request is served once more (finsam.middleware.DatabaseRetryMiddleware).
DATABASES["default"]["CONN_MAX_AGE"] = env.int(
    "CONN_MAX_AGE", default=60 if DATABASES["default"]["ENGINE"].endswith("postgresql") else 0
)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # An unreachable server fails a request in seconds (the 503 page), not after the
    # operating system's TCP timeout of minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# dumpdata/loaddata in JSON keep timestamps to the microsecond (Django's cuts them to the
# millisecond): a dump read back gives every row as it was (README, "Säkerhetskopiering").
SERIALIZATION_MODULES = {"json": "finsam.serializers_json"}
AUTH_USER_MODEL = "associations.User"

AUTHENTICATION_BACKENDS = [
    # Lockout check first, then the password check. Roles inside a förbund are
    # decided by the rules in each app's rules.py, not by Django permissions.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# A working day of inactivity ends the session; every request extends it.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = True

# Single sign-on through a förbund's own OpenID Connect provider (associations.sso): its
# issuer and endpoints must be https:// addresses on the public internet (the server
# fetches them on a kansli's word), unless this allows a development provider: plain
# HTTP, this machine or a private network (the tests' own provider on 127.0.0.1).
SSO_ALLOW_HTTP = env.bool("SSO_ALLOW_HTTP", default=DEBUG)

# Five failed logins for one username from one address lock that pair for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The number of reverse proxies in front, each appending to X-Forwarded-For. The login
# lockout and the password-reset limit per client read the client's address from it
# (finsam.ratelimit.client_address; django-ipware, which axes would use, is not installed).
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "finsam.ratelimit.client_address"

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", "Svenska"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True
# Off: Django would otherwise write every integer in a template with a separator, ids
# in anchors and query strings included ("section-1 050"). Money, populations and other
# quantities are formatted the Swedish way by the filters in finsam/templatetags.
USE_THOUSAND_SEPARATOR = False
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"

# Every e-mail is written to the outbox (associations/outbox.py) in the transaction of
# what caused it and delivered by the job runner after commit, retried when it fails.
# EMAIL_BACKEND in the environment names the backend that really delivers.
EMAIL_BACKEND = "associations.outbox.OutboxBackend"
OUTBOX_DELIVERY_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
# Where the file-based backend (EMAIL_BACKEND=django.core.mail.backends.filebased.
# EmailBackend) writes each mail as a file: a development or test setting.
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=None)
# Tries before a mail is given up and shown on the kansli's to-do list; sent mails are
# deleted after OUTBOX_KEEP_DAYS (they hold names and addresses).
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=5)
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=30)

# The job runner (django-tasks, the API of Django's own tasks framework). "immediate":
# a job runs in the process that queues it, once its transaction has committed (no
# worker needed: development and tests). "database": jobs wait in the database for
# `manage.py db_worker --queue-name default,documents` (one or more processes;
# docker-compose.yml's `worker`). Queues: "default" (mails), "documents" (PDF renders:
# a draft's on request, an approved document's archive after the decision).
TASKS_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS = {
    "default": {
        "BACKEND": TASKS_BACKENDS[env.str("TASKS_BACKEND", default="immediate")],
        "QUEUES": ["default", "documents"],
    }
}
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="finsam@localhost")
# Who runs the installation and where to write about its accessibility: both named in the
# accessibility statement (/tillganglighet/, linked from every page's footer).
SERVICE_OPERATOR = env.str("SERVICE_OPERATOR", default="Finsamplanering")
ACCESSIBILITY_EMAIL = env.str("ACCESSIBILITY_EMAIL", default=DEFAULT_FROM_EMAIL)
# The address links in notifications and reminders start with (they are made without a
# request: in the job runner, in the daily `send_reminders`).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Security: strict unless DEBUG is on; each can be relaxed from the environment
# (the loopback benchmark serves plain HTTP, for instance).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Only bench/home_page.py turns this on: it adds a bare template view to compare with.
BENCH_VIEWS = env.bool("BENCH_VIEWS", default=False)

# Request size. The largest upload the application accepts is a 2 MB budget workbook
# (budgets/importing.py; a logo is at most 500 kB), but for the SIE file below: a
# request body over MAX_REQUEST_BODY
# is refused with 413 before it is read (finsam.middleware.RequestSizeLimitMiddleware).
# Form fields without files are held in memory up to DATA_UPLOAD_MAX_MEMORY_SIZE; an
# uploaded file over FILE_UPLOAD_MAX_MEMORY_SIZE goes to a temporary file.
MAX_REQUEST_BODY = env.int("MAX_REQUEST_BODY", default=3 * 1024 * 1024)
# The outcome's SIE file may be 20 MB: its import path takes this much from a signed-in
# user (finsam.middleware.LARGE_UPLOAD_PATHS); a larger file is refused by the form.
MAX_LARGE_UPLOAD_BODY = env.int("MAX_LARGE_UPLOAD_BODY", default=21 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024 + 64 * 1024
# The budget amounts form is the largest: one field per line and year column.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
DATA_UPLOAD_MAX_NUMBER_FILES = 5

# Mail limits (finsam/ratelimit.py), counted in the cache below: password-reset mails
# per address and per client address an hour, invitations per förbund a day.
PASSWORD_RESET_MAILS_PER_ADDRESS = env.int("PASSWORD_RESET_MAILS_PER_ADDRESS", default=3)
PASSWORD_RESET_MAILS_PER_CLIENT = env.int("PASSWORD_RESET_MAILS_PER_CLIENT", default=10)
INVITATIONS_PER_ASSOCIATION_PER_DAY = env.int("INVITATIONS_PER_ASSOCIATION_PER_DAY", default=50)
# The cache every web and worker process shares: the database's table (made by
# migrate: finsam/migrations) by default, Redis in the compose stack (CACHE_URL=
# redis://redis:6379/0). It holds the mail limits' counters and approved plans' document
# bodies; CACHE_URL=locmemcache:// is for a single process only.
CACHES = {
    "default": env.cache("CACHE_URL", default="dbcache://finsam_cache"),
    # Drafts' PDFs (documents/rendering.py), one per plan and variant; a table of their
    # own, so that many PDFs never push the mail limits' counters out.
    "documents": env.cache("DOCUMENT_CACHE_URL", default="dbcache://finsam_document_cache"),
}
for _cache in CACHES.values():
    if _cache["BACKEND"].endswith("RedisCache"):
        # An unreachable Redis fails a request in two seconds, not the system's TCP timeout.
        _cache.setdefault("OPTIONS", {}).setdefault("socket_connect_timeout", 2)
        _cache["OPTIONS"].setdefault("socket_timeout", 2)
CACHES["documents"].setdefault("TIMEOUT", 24 * 60 * 60)

# PDF rendering (documents/rendering.py): a draft's PDF is rendered by a job (queue
# "documents": in the worker, or in the request with the immediate backend); at most
# PDF_RENDER_LIMIT drafts are rendered at once in the whole installation (each takes a
# core for about a second), and one download at a time per person. A render waits up to
# PDF_RENDER_WAIT seconds for a free slot (a worker's job is then queued again a moment
# later); until the file is made the download gets a page saying the PDF is being
# prepared, which asks again by itself. 0 by default: a
# waiting request holds a sync worker, and with two workers that blocks other förbund's
# pages (bench/abuse.py measured their p95 at 3.2x idle with 5 s, 2.7x with 2 s, 1.7x
# with 0). A slot left by a killed worker frees itself after PDF_RENDER_SLOT_TIMEOUT s.
PDF_RENDER_LIMIT = env.int("PDF_RENDER_LIMIT", default=1)
PDF_RENDER_WAIT = env.float("PDF_RENDER_WAIT", default=0.0)
PDF_RENDER_SLOT_TIMEOUT = env.int("PDF_RENDER_SLOT_TIMEOUT", default=60)
# A draft is rendered in a process forked from the worker at this nice value (lower
# priority: other requests get the cores first); 0 renders in the worker itself.
PDF_RENDER_NICE = env.int("PDF_RENDER_NICE", default=10)

# A database outage is logged once per this many seconds (per worker), not per request.
DATABASE_ERROR_LOG_INTERVAL = env.int("DATABASE_ERROR_LOG_INTERVAL", default=60)

# One key=value line per request (finsam.middleware.RequestLogMiddleware) and every other
# log line, all on stderr with the request id, for the container's log collector.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "finsam.middleware.RequestIdFilter"}},
    "formatters": {
        "keyvalue": {
            "format": "time=%(asctime)s level=%(levelname)s logger=%(name)s "
            "request_id=%(request_id)s %(message)s",
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "keyvalue",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {
        "finsam.request": {"level": env.str("REQUEST_LOG_LEVEL", default="INFO")},
        # The request line above says the same as Django's own 4xx/5xx warnings.
        "django.request": {"level": "ERROR"},
    },
}

# --- Hardening: downloads and Content-Security-Policy (issue 14, exports half) -----------
# Every download (a response with Content-Disposition) is sent with Cache-Control: no-store.
MIDDLEWARE.insert(
    MIDDLEWARE.index("axes.middleware.AxesMiddleware"), "finsam.downloads.DownloadNoStoreMiddleware"
)
# django-csp 4 (Django 5.2 has no CSP of its own). Nothing inline runs or styles a page:
# scripts and stylesheets come from our own static files; the only inline <style> elements
# (a chart's, the document's page numbers) carries the request's nonce.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# --- end of hardening block ---------------------------------------------------------------

# An imported förbund archive (``manage.py import_forbund``) is refused before it is
# parsed when it is larger, has more members or a member larger than these.
TRANSFER_MAX_ARCHIVE_BYTES = 500 * 1024 * 1024
TRANSFER_MAX_MEMBERS = 20_000
TRANSFER_MAX_MEMBER_BYTES = 200 * 1024 * 1024
