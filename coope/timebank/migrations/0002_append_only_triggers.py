"""On PostgreSQL, the database itself refuses to update or delete a ledger row (transfer, entry).

SQLite has no such triggers here: the code refuses it on both databases (models.AppendOnlyModel).
TRUNCATE (used by test teardown to empty tables) fires no row trigger.
"""

from django.db import migrations

TABLES = ("timebank_transfer", "timebank_entry")

FUNCTION = """
CREATE OR REPLACE FUNCTION timebank_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'TIC-TAC: % on % refused, the ledger is append-only (reverse the transfer instead)',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)  # no placeholders: keep RAISE's % as is
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION timebank_append_only()"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS timebank_append_only()")


class Migration(migrations.Migration):
    dependencies = [("timebank", "0001_initial")]
    operations = [migrations.RunPython(create_triggers, drop_triggers)]
