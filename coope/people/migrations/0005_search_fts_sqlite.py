"""On SQLite, an FTS5 trigram index over the accent-free name serves the front-desk search
(PostgreSQL has its trigram GIN index since 0002); triggers keep it in step."""

from django.db import migrations

from coope.people import search_index


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        search_index.install(cursor)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        search_index.uninstall(cursor)


class Migration(migrations.Migration):
    dependencies = [("people", "0004_sensitive_fields_encrypted_at_rest")]
    operations = [migrations.RunPython(create_index, drop_index)]
