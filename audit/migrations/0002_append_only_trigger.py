"""A database-level guard under the model's: an UPDATE of an event is refused unless it
only empties ``actor_id`` or ``association_id`` (``on_delete=SET_NULL`` when a user or a
förbund is deleted). DELETE stays possible: the retention removes expired events."""

from django.db import migrations

# Every column but the two foreign keys must keep its value; the keys may only go NULL.
CHANGED = [
    "id",
    "created_at",
    "kind",
    "actor_label",
    "address",
    "summary",
    "target",
]
KEYS = ["actor_id", "association_id"]
MESSAGE = "An audit event is never changed (audit_auditevent is append-only)."


def condition(distinct: str) -> str:
    columns = [f"NEW.{c} {distinct} OLD.{c}" for c in CHANGED]
    keys = [f"(NEW.{k} IS NOT NULL AND NEW.{k} {distinct} OLD.{k})" for k in KEYS]
    return " OR ".join(columns + keys)


SQLITE = f"""
CREATE TRIGGER audit_auditevent_append_only BEFORE UPDATE ON audit_auditevent
WHEN {condition("IS NOT")}
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
"""
POSTGRESQL = [
    f"""
CREATE FUNCTION audit_auditevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF {condition("IS DISTINCT FROM")} THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
""",
    """
CREATE TRIGGER audit_auditevent_append_only BEFORE UPDATE ON audit_auditevent
FOR EACH ROW EXECUTE FUNCTION audit_auditevent_append_only();
""",
]
DROP = {
    "sqlite": ["DROP TRIGGER IF EXISTS audit_auditevent_append_only;"],
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;",
        "DROP FUNCTION IF EXISTS audit_auditevent_append_only();",
    ],
}


def create_guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": [SQLITE], "postgresql": POSTGRESQL}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def drop_guard(apps, schema_editor):
    for statement in DROP.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(create_guard, drop_guard)]
