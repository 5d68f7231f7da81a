"""Make the audit table append-only in the database itself.

UPDATE is refused on SQLite and PostgreSQL; DELETE is refused on PostgreSQL (on SQLite the
test runner empties tables with DELETE, so there the model and `cityops audit verify` guard
against deletion). Whoever drops these triggers by hand is still caught by the hash chain.
"""

from django.db import migrations

SQLITE_UP = [
    """CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON core_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS core_auditentry_no_update"]

POSTGRES_UP = [
    """CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit entries are append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER core_auditentry_append_only BEFORE UPDATE OR DELETE ON core_auditentry
       FOR EACH ROW EXECUTE FUNCTION core_auditentry_append_only()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry",
    "DROP FUNCTION IF EXISTS core_auditentry_append_only()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
