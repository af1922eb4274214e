"""How many PDFs are rendered at once, where, and which drafts need no rendering at all.

A PDF takes WeasyPrint about a second of one core. Many förbund share one
installation, so one person's downloads must not slow every other förbund's pages:

- **Jobs.** A draft's PDF is rendered by a job of the runner (django-tasks, queue
  "documents"; ``documents.pdf.draft_pdf`` queues it, ``documents.pdf.render_draft``
  is its body), not by the request that asks for it: with a worker
  (``TASKS_BACKEND=database``, ``manage.py db_worker``) the request answers the page
  "PDF:en förbereds" at once, which asks again by itself until the file is in the
  cache. The same render is queued once while it is pending: a short-lived marker in
  the ``documents`` cache under the document, variant and digest of what it shows
  (``mark_queued``); a render that failed is marked so for a while (``job_failed``),
  and the download is then an error instead of a waiting page that never ends. With
  the immediate backend (no worker) the job's body runs inside the request, on the
  HTML the request has just built, and the request serves the file, as before.
- **Slots.** At most ``PDF_RENDER_LIMIT`` renders run at once in the whole
  installation, wherever they run: each web process with the immediate backend, and
  each worker, takes a slot for its render. The limit is held in the database
  (``RenderSlot`` rows), so it holds across processes and machines, on SQLite and
  PostgreSQL alike: a slot is claimed by one conditional ``UPDATE`` (it matches only a
  free or expired row, so of two claims one wins) and freed in a ``finally``. A worker
  renders one job at a time, so with fewer workers than slots the worker count is the
  real limit; with more, the slots are: a job that finds none is queued again a moment
  later (``REQUEUE_DELAY``) instead of holding its worker, which also delivers the
  mails. A slot is held for at most ``PDF_RENDER_SLOT_TIMEOUT`` seconds: a process
  killed mid-render frees it by expiring. The person limit is the requests': one
  person builds one draft's document and queues its render at a time (the HTML is
  built to know whether the cached file is still right); a second download at once is
  refused at once. With the immediate backend the render waits for an installation
  slot up to ``PDF_RENDER_WAIT`` seconds. A refusal is ``RenderBusy``: the view
  answers with the page that offers the PDF again in a moment.
- **Priority.** The render runs in a child process forked from its process at a
  lower CPU priority (``PDF_RENDER_NICE``), so that on a machine of few cores the
  requests get the processor first and the render takes what is left; its memory
  also goes with the child instead of staying in the worker.
- **Cache.** A draft's PDF is kept in the ``documents`` cache (the database, shared by
  every process) under its document (plan or report) and variant, with the SHA-256 of
  what it shows (the document HTML, which names the logo's hash, and the variant): an
  unchanged draft is not rendered again, and only the latest file of a document and
  variant is kept.

Claims must not run inside a transaction that is still open while rendering
(``ATOMIC_REQUESTS`` is off): on PostgreSQL another process's claim would then wait
for the row lock instead of seeing the slot taken.
"""

import hashlib
import os
import pickle
import signal
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.cache import caches
from django.db.models import Q
from django.utils import timezone

from plans.models import RenderSlot

# Seconds between two attempts to claim an installation slot while waiting.
POLL_INTERVAL = 0.25
# What the waiting page asks the browser to wait before asking again, in seconds.
RETRY_AFTER = 5
# Seconds before a render job that found no free slot in a worker is run again.
REQUEUE_DELAY = 2
# Seconds a queued render is taken as pending: a request after that queues it again (its
# job may have been lost with a killed worker; a second job of the same render finds the
# file in the cache and does nothing). A failed render is not tried again this long.
JOB_TIMEOUT = 2 * 60
DOCUMENT_CACHE = "documents"


class RenderBusy(Exception):
    """The PDF is not ready now: its render is queued for a worker, the person already
    has one being built, or (in the request) the installation's slots stayed taken for
    ``PDF_RENDER_WAIT`` seconds."""


class RenderFailed(RuntimeError):
    """The render of exactly this draft failed lately (the job's error is in the log);
    it is tried again after ``JOB_TIMEOUT`` seconds."""


def _claim(name: str, token: str) -> bool:
    """Take the slot ``name`` for ``token`` if it is free or expired (one UPDATE)."""
    now = timezone.now()
    free = Q(holder="") | Q(until__isnull=True) | Q(until__lt=now)
    values = {"holder": token, "until": now + timedelta(seconds=settings.PDF_RENDER_SLOT_TIMEOUT)}
    if RenderSlot.objects.filter(free, name=name).update(**values):
        return True
    if RenderSlot.objects.filter(name=name).exists():
        return False
    RenderSlot.objects.bulk_create([RenderSlot(name=name)], ignore_conflicts=True)
    return bool(RenderSlot.objects.filter(free, name=name).update(**values))


def _release(name: str, token: str) -> None:
    """Free the slot, unless it expired and somebody else holds it now."""
    RenderSlot.objects.filter(name=name, holder=token).update(holder="", until=None)


def _claim_installation_slot(token: str, *, wait: float) -> str | None:
    deadline = time.monotonic() + wait
    while True:
        for index in range(max(settings.PDF_RENDER_LIMIT, 1)):
            name = f"site:{index}"
            if _claim(name, token):
                return name
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        time.sleep(min(POLL_INTERVAL, remaining))


@contextmanager
def person_slot(*, user_id: int | None) -> Iterator[None]:
    """Hold the person's own slot for the ``with`` block (nothing for a render without a
    person). Raises ``RenderBusy`` at once when it is taken: their other download is
    being made, and this one is answered before its document is even built."""
    if user_id is None:
        yield
        return
    name, token = f"user:{user_id}", uuid.uuid4().hex
    if not _claim(name, token):
        raise RenderBusy
    try:
        yield
    finally:
        _release(name, token)


@contextmanager
def installation_slot(*, wait: float | None = None) -> Iterator[None]:
    """Hold one of the installation's ``PDF_RENDER_LIMIT`` slots for the ``with`` block.
    Raises ``RenderBusy`` when none frees within ``wait`` seconds (``PDF_RENDER_WAIT``
    by default)."""
    token = uuid.uuid4().hex
    name = _claim_installation_slot(token, wait=settings.PDF_RENDER_WAIT if wait is None else wait)
    if name is None:
        raise RenderBusy
    try:
        yield
    finally:
        _release(name, token)


# A render at a lower priority ----------------------------------------------------------

# Signals gunicorn's worker handles itself; the child takes the default action instead.
_WORKER_SIGNALS = ("SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGWINCH")


def run_niced(function: Callable[..., bytes], **kwargs) -> bytes:
    """``function(**kwargs)`` in a forked child at ``PDF_RENDER_NICE`` (0: in this
    process). The child uses no database connection (the render has what it needs in
    its arguments) and leaves by ``os._exit``, so nothing of the worker is closed or
    flushed twice. An error in the child is raised here as ``RuntimeError``.

    Only a single-threaded process forks (gunicorn's sync worker): in a threaded one
    (a threaded server, the browser tests' live server) a lock another thread holds
    would stay held in the child for ever, so the render runs in the process itself."""
    if settings.PDF_RENDER_NICE <= 0 or not hasattr(os, "fork") or threading.active_count() > 1:
        return function(**kwargs)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        status = 1
        try:
            os.close(read_end)
            for name in _WORKER_SIGNALS:
                signal.signal(getattr(signal, name), signal.SIG_DFL)
            os.nice(settings.PDF_RENDER_NICE)
            try:
                payload = pickle.dumps((True, function(**kwargs)))
            except BaseException:
                payload = pickle.dumps((False, traceback.format_exc()))
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as source:
        payload = source.read()
    os.waitpid(pid, 0)
    if not payload:
        raise RuntimeError("The PDF rendering process ended without an answer.")
    succeeded, result = pickle.loads(payload)
    if not succeeded:
        raise RuntimeError(f"The PDF rendering process failed:\n{result}")
    return result


# The cache of drafts' PDFs ---------------------------------------------------------


def content_hash(*, html: str, variant: str) -> str:
    """What identifies a rendered file: the variant and the exact HTML it is made from."""
    return hashlib.sha256(f"{variant}\n{html}".encode()).hexdigest()


def _cache_key(*, owner: str, variant: str) -> str:
    return f"draft-pdf:{owner}:{variant}"


def cached_pdf(*, owner: str, variant: str, digest: str) -> bytes | None:
    """The stored file of this document ("plan:12", "report:3") and variant if it was
    rendered from the same input."""
    entry = caches[DOCUMENT_CACHE].get(_cache_key(owner=owner, variant=variant))
    if entry is not None and entry[0] == digest:
        return entry[1]
    return None


def cache_pdf(*, owner: str, variant: str, digest: str, content: bytes) -> None:
    """Keep ``content`` as the document's latest file of this variant (replacing the last)."""
    caches[DOCUMENT_CACHE].set(_cache_key(owner=owner, variant=variant), (digest, content))


# Queued renders ------------------------------------------------------------------------

QUEUED, FAILED = "queued", "failed"


def _job_key(*, owner: str, variant: str, digest: str) -> str:
    return f"draft-pdf-job:{owner}:{variant}:{digest}"


def mark_queued(*, owner: str, variant: str, digest: str) -> bool:
    """Note that the render of this input is queued. False when it already is (or failed
    lately): then it is not queued again."""
    key = _job_key(owner=owner, variant=variant, digest=digest)
    return caches[DOCUMENT_CACHE].add(key, QUEUED, timeout=JOB_TIMEOUT)


def job_failed(*, owner: str, variant: str, digest: str) -> bool:
    key = _job_key(owner=owner, variant=variant, digest=digest)
    return caches[DOCUMENT_CACHE].get(key) == FAILED


def job_finished(*, owner: str, variant: str, digest: str, failed: bool = False) -> None:
    """The render of this input is no longer pending: done (its file is in the cache, or
    it gave way and may be queued again) or ``failed``."""
    key = _job_key(owner=owner, variant=variant, digest=digest)
    if failed:
        caches[DOCUMENT_CACHE].set(key, FAILED, timeout=JOB_TIMEOUT)
    else:
        caches[DOCUMENT_CACHE].delete(key)
