"""Family quotients, notes about a person and visit comments encrypted at rest (keys from
ENCRYPTION_KEY and SECRET_KEY, outside the database): the columns become text, then every
existing row is read (a plaintext value reads as itself) and written back encrypted. Backwards,
every value is written back in plaintext before the columns take their former types."""

from django.db import migrations

import coope.lib.encryption

SENSITIVE = (("FamilyQuotient", "value"), ("Person", "notes"), ("ReceptionVisit", "comment"))
BATCH = 2000


def encrypt_existing_rows(apps, schema_editor):
    for model_name, field in SENSITIVE:
        model = apps.get_model("people", model_name)
        rows = model._base_manager.using(schema_editor.connection.alias).exclude(**{field: ""})
        batch = []
        for row in rows.only("pk", field).iterator(chunk_size=BATCH):
            batch.append(row)  # read through the field: decrypted, or plaintext as it was
            if len(batch) == BATCH:
                model._base_manager.bulk_update(batch, [field])
                batch = []
        if batch:
            model._base_manager.bulk_update(batch, [field])


def decrypt_existing_rows(apps, schema_editor):
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    for model_name, field in SENSITIVE:
        model = apps.get_model("people", model_name)
        column = model._meta.get_field(field).column
        pairs = list(model._base_manager.exclude(**{field: ""}).values_list("pk", field))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {quote(model._meta.db_table)} SET {quote(column)} = %s WHERE id = %s",  # noqa: S608 (quoted names)
                [(str(value), pk) for pk, value in pairs],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_dated_household_links_and_home_house_spells"),
    ]

    operations = [
        migrations.AlterField(
            model_name="familyquotient",
            name="value",
            field=coope.lib.encryption.EncryptedPositiveIntegerField(
                max_value=999999, verbose_name="quotient familial (€)"
            ),
        ),
        migrations.AlterField(
            model_name="person",
            name="notes",
            field=coope.lib.encryption.EncryptedTextField(blank=True, verbose_name="notes"),
        ),
        migrations.AlterField(
            model_name="receptionvisit",
            name="comment",
            field=coope.lib.encryption.EncryptedCharField(
                blank=True, max_length=300, verbose_name="précision"
            ),
        ),
        migrations.RunPython(encrypt_existing_rows, decrypt_existing_rows, elidable=False),
    ]
