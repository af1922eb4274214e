"""Rows a loader adds to the test database, kept once and put back in a moment.

Loading the demo data takes seconds (every förbund's plan, budget, follow-up and
review, through the services that validate and record history). A test session
loads it once per worker (``take`` runs the loader in a transaction that is rolled
back) and keeps the rows it added; a test that needs them gets them back with
``restore``: one ``INSERT`` per table, inside the test's own transaction, rolled
back at its end like anything else it writes.

The rows are kept as the database returns them (SQLite) or as JSON (PostgreSQL's
``row_to_json``, put back with ``json_populate_recordset``), so every value comes
back exactly as the loader wrote it. Foreign keys are checked at commit (Django
creates them deferrable), so the order of the tables does not matter.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction


@dataclass(frozen=True)
class Snapshot:
    """The rows the loaders added, by table (its columns, its rows); ``high_water`` is,
    by table, its auto-incremented primary key and the largest value of it among them."""

    rows: dict[str, tuple[list[str], list]]
    high_water: dict[str, tuple[str, int]]


def _tables() -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True))


def _columns(table: str, known: dict) -> list[str]:
    """The table's columns, read once per ``take`` (``known``): SQLite's introspection
    parses each table's schema, which took seconds over every table and stage."""
    if table in known:
        return known[table]
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, table)
    known[table] = [column.name for column in description]
    return known[table]


def _rows(table: str) -> list:
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT row_to_json(t)::text FROM {quoted} AS t")
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT * FROM {quoted}")
        return cursor.fetchall()


def take(*stages: Callable[[], object]) -> list[Snapshot]:
    """Run the loaders one after the other in a transaction that is rolled back, and
    keep, after each, the rows added since the start: one snapshot per stage.

    Refuses a loader that changes or deletes a row that was there before the first
    one ran: putting back only the added rows would not give what the loaders leave."""
    taken, known = [], {}
    with transaction.atomic():
        tables = _tables()
        before = {table: set(_rows(table)) for table in tables}
        for loader in stages:
            loader()
            taken.append(_added(tables, before, known))
        transaction.set_rollback(True)
    for snapshot in taken:
        _keep_ids_free(snapshot)
    return taken


def _added(tables: list[str], before: dict[str, set], known: dict) -> Snapshot:
    rows, high_water = {}, {}
    for table in tables:
        after = _rows(table)
        missing = before[table].difference(after)
        if missing:
            raise RuntimeError(
                f"A loader changed or deleted {len(missing)} row(s) of {table} that were "
                "there before: a snapshot cannot give them back."
            )
        added = [row for row in after if row not in before[table]]
        if added:
            columns = _columns(table, known)
            with connection.cursor() as cursor:
                key = connection.introspection.get_primary_key_column(cursor, table)
            if key is not None:
                # Put back in the order they were created, as a fresh load leaves them:
                # a query without ORDER BY then returns them as it did (PostgreSQL
                # returns rows in the order of the table's pages).
                added.sort(key=lambda row: _value(key, columns, row))
                high_water[table] = (key, _value(key, columns, added[-1]))
            rows[table] = (columns, added)
    return Snapshot(rows=rows, high_water=high_water)


def _value(column: str, columns: list[str], row):
    if connection.vendor == "postgresql":
        return json.loads(row)[column]
    return row[columns.index(column)]


def _keep_ids_free(snapshot: Snapshot) -> None:
    """Move each table's id sequence past the snapshot's ids, so a row a test creates
    before restoring the snapshot cannot take an id the snapshot needs. (Rolling back
    the load gave SQLite's counters back; PostgreSQL's sequences never go back.)"""
    with connection.cursor() as cursor:
        for table, (key, largest) in snapshot.high_water.items():
            if not isinstance(largest, int):
                continue  # not a counter (a session key, a cache key)
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT setval(s::regclass, %s) FROM pg_get_serial_sequence(%s, %s) AS s "
                    "WHERE s IS NOT NULL AND coalesce(pg_sequence_last_value(s::regclass), 0) < %s",
                    [largest, connection.ops.quote_name(table), key, largest],
                )
            else:
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                found = cursor.fetchone()
                if found is None:
                    cursor.execute(
                        "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, largest]
                    )
                elif found[0] < largest:
                    cursor.execute(
                        "UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [largest, table]
                    )


def restore(snapshot: Snapshot) -> None:
    """Insert the snapshot's rows (in the current transaction, if there is one)."""
    with transaction.atomic(), connection.cursor() as cursor:
        for table, (columns, rows) in snapshot.rows.items():
            quoted = connection.ops.quote_name(table)
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"INSERT INTO {quoted} SELECT * FROM json_populate_recordset("
                    f"NULL::{quoted}, %s::json)",
                    ["[" + ",".join(rows) + "]"],
                )
            else:
                names = ", ".join(connection.ops.quote_name(c) for c in columns)
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {quoted} ({names}) VALUES ({marks})", rows)
    _keep_ids_free(snapshot)
