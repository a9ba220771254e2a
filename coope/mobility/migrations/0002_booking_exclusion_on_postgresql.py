"""On PostgreSQL, the database itself refuses two bookings of one unit whose ranges (start to
end plus the buffer) overlap, while both hold the unit (booked or out). SQLite has no exclusion
constraint: there the booking service checks under the write lock (services.book_unit)."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE mobility_booking ADD CONSTRAINT mobility_booking_no_overlap
    EXCLUDE USING gist (unit_id WITH =, tstzrange(starts_at, blocked_until, '[)') WITH &&)
    WHERE (status IN ('booked', 'out'));
"""
DROP = "ALTER TABLE mobility_booking DROP CONSTRAINT IF EXISTS mobility_booking_no_overlap;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("mobility", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
