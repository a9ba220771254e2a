"""Memberships by end date, ties by id: the renewals list's first page is read in index order."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("membership", "0004_holder_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="membership",
            index=models.Index(
                fields=["cooperation", "valid_until", "id"], name="membership_until_id"
            ),
        ),
        # Its first two columns: the new index serves every query the old one did.
        migrations.RemoveIndex(model_name="membership", name="membership__coopera_4d0c42_idx"),
    ]
