"""Make the audit log append-only in the database itself.

UPDATE is always refused. DELETE (and TRUNCATE on PostgreSQL) is refused unless the
unmanaged table renkou_audit_maintenance holds a row: the retention job sets it inside
its own transaction, and so does the test harness before it flushes a database.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

MESSAGE = "audit log is append-only"

SQLITE_UP = [
    "CREATE TABLE renkou_audit_maintenance (reason TEXT NOT NULL)",
    f"""CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER core_auditevent_no_delete BEFORE DELETE ON core_auditevent
        WHEN NOT EXISTS (SELECT 1 FROM renkou_audit_maintenance)
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER core_auditevent_no_delete",
    "DROP TRIGGER core_auditevent_no_update",
    "DROP TABLE renkou_audit_maintenance",
]
PG_UP = [
    "CREATE TABLE renkou_audit_maintenance (reason TEXT NOT NULL)",
    f"""CREATE FUNCTION renkou_audit_guard() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'UPDATE' OR NOT EXISTS (SELECT 1 FROM renkou_audit_maintenance) THEN
            RAISE EXCEPTION '{MESSAGE}';
          END IF;
          IF TG_LEVEL = 'ROW' THEN RETURN OLD; END IF;
          RETURN NULL;
        END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER core_auditevent_guard_rows BEFORE UPDATE OR DELETE ON core_auditevent
        FOR EACH ROW EXECUTE FUNCTION renkou_audit_guard()""",
    """CREATE TRIGGER core_auditevent_guard_truncate BEFORE TRUNCATE ON core_auditevent
        FOR EACH STATEMENT EXECUTE FUNCTION renkou_audit_guard()""",
]
PG_DOWN = [
    "DROP TRIGGER core_auditevent_guard_truncate ON core_auditevent",
    "DROP TRIGGER core_auditevent_guard_rows ON core_auditevent",
    "DROP FUNCTION renkou_audit_guard()",
    "DROP TABLE renkou_audit_maintenance",
]


def _run(schema_editor: BaseDatabaseSchemaEditor, sqlite: list[str], pg: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": sqlite, "postgresql": pg}.get(vendor)
    if statements is None:
        raise RuntimeError(f"no audit triggers for database vendor {vendor}")
    for statement in statements:
        schema_editor.execute(statement)


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, SQLITE_UP, PG_UP)


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, SQLITE_DOWN, PG_DOWN)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
