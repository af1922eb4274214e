"""Probes for the container orchestrator and the load balancer.

Both answer plain text without a login, touch no session and no förbund, and say nothing
about the installation (no versions, names or error details): ``/healthz`` only that the
process serves requests, ``/readyz`` whether the database answers and has every
migration applied.
"""

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

# Whether the migrations were all applied once: they do not get unapplied while the
# process runs, so later probes need only the cheap query.
_migrations_applied = False


def _plain(text: str, status: int = 200) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


@never_cache
@require_safe
def healthz(request):
    return _plain("ok\n")


@never_cache
@require_safe
def readyz(request):
    global _migrations_applied
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not _migrations_applied:
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
            if plan:
                return _plain("not ready\n", status=503)
            _migrations_applied = True
    except DatabaseError:
        return _plain("not ready\n", status=503)
    return _plain("ok\n")
