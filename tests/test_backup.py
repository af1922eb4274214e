"""The compose stack's backup (docker/backup.sh): a whole dump, old dumps pruned, a health
check that knows a missed night, and a restore that brings every row back.

Runs only when the test database is PostgreSQL (pg_dump reads it from outside)."""

import os
import shutil
import subprocess
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings
from django_scopes import scopes_disabled

from plans.models import Plan
from tests.factories import PlanFactory

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "docker" / "backup.sh"
DAY = 24 * 60 * 60

pytestmark = [
    pytest.mark.skipif(
        not django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="needs PostgreSQL: pg_dump reads the database from another process",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def libpq_env(tmp_path):
    db = django_settings.DATABASES["default"]
    return {
        **os.environ,
        "PGHOST": db.get("HOST") or "127.0.0.1",
        "PGPORT": str(db.get("PORT") or 5432),
        "PGUSER": db.get("USER") or "postgres",
        "PGPASSWORD": db.get("PASSWORD") or "",
        "PGDATABASE": db["NAME"],
        "BACKUP_DIR": str(tmp_path / "backups"),
        "BACKUP_KEEP_DAYS": "14",
        "BACKUP_INTERVAL_HOURS": "24",
    }


def backup(env, *arguments) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", str(SCRIPT), *arguments], env=env, capture_output=True, text=True, timeout=120
    )


def dumps(env) -> list[Path]:
    return sorted(Path(env["BACKUP_DIR"]).glob("finsam-*.dump"))


def test_a_dump_is_whole_old_ones_go_and_the_check_knows_a_missed_night(libpq_env, association):
    folder = Path(libpq_env["BACKUP_DIR"])
    folder.mkdir()
    old = folder / "finsam-20000101-000000.dump"
    old.write_bytes(b"old")
    os.utime(old, (time.time() - 20 * DAY, time.time() - 20 * DAY))
    assert backup(libpq_env, "--check").returncode == 1

    done = backup(libpq_env, "--once")
    assert done.returncode == 0, done.stderr
    assert not old.exists()
    [dump] = dumps(libpq_env)
    assert not list(folder.glob("*.partial"))
    listing = subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True, text=True)
    assert "plans_plan" in listing.stdout
    assert backup(libpq_env, "--check").returncode == 0

    os.utime(dump, (time.time() - 2 * DAY, time.time() - 2 * DAY))
    assert backup(libpq_env, "--check").returncode == 1


def test_a_restore_brings_every_row_back(libpq_env, association):
    if shutil.which("pg_restore") is None:
        pytest.fail("pg_restore is missing (Debian: postgresql-client)")
    with scopes_disabled():
        PlanFactory.create_batch(3, association=association)
        plans = sorted(Plan.objects.values_list("pk", "title"))
    assert backup(libpq_env, "--once").returncode == 0
    [dump] = dumps(libpq_env)

    target = f"{libpq_env['PGDATABASE']}_restore"
    admin = {k: libpq_env[k] for k in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD")}
    conninfo = " ".join(f"{k[2:].lower()}={v}" for k, v in admin.items() if v) + " dbname=postgres"
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{target}"')
        connection.execute(f'CREATE DATABASE "{target}"')
    try:
        restored = subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", target, str(dump)],
            env={**libpq_env, "PGDATABASE": target},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert restored.returncode == 0, restored.stderr
        with psycopg.connect(conninfo.replace("dbname=postgres", f"dbname={target}")) as copy:
            rows = copy.execute("SELECT id, title FROM plans_plan ORDER BY id").fetchall()
        assert rows == plans
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{target}"')
