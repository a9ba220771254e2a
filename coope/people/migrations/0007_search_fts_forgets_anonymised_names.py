"""On SQLite, anonymising a person also merges the FTS5 index, so that the erased name's entries
are dropped at once instead of waiting for a merge (see coope/people/search_index.py)."""

from django.db import migrations

from coope.people import search_index

# The trigger as migration 0005 first wrote it (for the way back).
BEFORE = """CREATE TRIGGER IF NOT EXISTS people_person_fts_update
    AFTER UPDATE OF id, search_name ON people_person
    WHEN old.search_name IS NOT new.search_name OR old.id IS NOT new.id
    BEGIN
        INSERT INTO people_person_fts(people_person_fts, rowid, search_name)
            VALUES ('delete', old.id, old.search_name);
        INSERT INTO people_person_fts(rowid, search_name) VALUES (new.id, new.search_name);
    END"""


def replace_trigger(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS people_person_fts_update")
            cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("people", "0006_person_desk_order")]
    operations = [
        migrations.RunPython(
            replace_trigger(search_index.UPDATE_TRIGGER), replace_trigger(BEFORE)
        )
    ]
