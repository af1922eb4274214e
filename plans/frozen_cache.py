"""Rendered bodies of approved plans, kept in the shared cache.

An approved plan and every part registered with it cannot change (``plans.freezing``),
so what a page or document renders from them is the same on every request: it is
rendered once and then read from the cache (``settings.CACHES["default"]``, which every
process shares: the database's table, or Redis in the compose stack).

A body may also show rows that do not freeze with the plan: a party's or an
intervention's current name, a financial rule. Their values are read (one small query
per model, ``live``) and hashed into the key with the plan's row (its status, version,
last change and decision: a revision becoming current or a new decision changes it) and
the language, so no kept body outlives a change of anything it shows. A plan that is
not approved is never kept.
"""

import hashlib
import logging
import time
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.db import DatabaseError
from django.db.models import QuerySet
from django.utils import translation

from .models import Plan

log = logging.getLogger("finsam.cache")
# Seconds between two log lines of an unreachable cache (per process).
LOG_INTERVAL = 60
_last_logged_at = float("-inf")

# Seconds a body is kept; a changed key is a new entry at once, so this only bounds
# how long an unused one takes space.
KEEP_SECONDS = 7 * 24 * 60 * 60


def rows_of(queryset: QuerySet) -> list:
    """Every concrete field of every row, in a fixed order: the rows' part of a key."""
    fields = [f.attname for f in queryset.model._meta.concrete_fields]
    return list(queryset.order_by("pk").values_list(*fields))


def frozen_key(*, plan: Plan, kind: str, live: Iterable[QuerySet] = (), extra=()) -> str | None:
    """The cache key of ``plan``'s body ``kind``, or None when it is not approved."""
    if plan.status != Plan.Status.APPROVED:
        return None
    parts = [
        kind,
        plan.pk,
        plan.association_id,
        plan.status,
        plan.version,
        plan.updated_at.isoformat() if plan.updated_at else "",
        plan.superseded_by_id,
        plan.approved_on.isoformat() if plan.approved_on else "",
        plan.approval_paragraph,
        plan.approval_dnr,
        plan.approval_text,
        translation.get_language(),
        [rows_of(queryset) for queryset in live],
        list(extra),
    ]
    return f"frozen:{kind}:{hashlib.sha256(repr(parts).encode()).hexdigest()}"


def kept(key: str | None, render: Callable[[], tuple]) -> tuple:
    """``render()``'s tuple (rendered strings, or picklable values such as a history's
    entries), read from the cache under ``key`` when kept there, else rendered and kept
    (rendered each time when ``key`` is None)."""
    if key is None:
        return render()
    found = _tolerant(cache.get, key)
    if found is None:
        found = tuple(render())
        _tolerant(cache.set, key, found, timeout=KEEP_SECONDS)
    return found


def _tolerant(method, *args, **kwargs):
    """The cache's answer, or None when it cannot be reached (Redis restarting): a kept
    body only saves work, so the page is rendered instead of failing. A database that
    cannot be reached is the database's outage (the 503 page), not the cache's."""
    global _last_logged_at
    try:
        return method(*args, **kwargs)
    except DatabaseError:
        raise
    except Exception as error:  # noqa: BLE001 (any backend's connection error)
        now = time.monotonic()
        if now - _last_logged_at >= LOG_INTERVAL:
            _last_logged_at = now
            log.warning("The shared cache cannot be reached; rendering instead: %r", error)
        return None
