"""A holder's memberships by end date: the person and household records, the renewals list."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("membership", "0003_membership_rules"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="membership",
            index=models.Index(
                fields=["cooperation", "person", "valid_until"], name="membership_person_until"
            ),
        ),
        migrations.AddIndex(
            model_name="membership",
            index=models.Index(
                fields=["cooperation", "household", "valid_until"],
                name="membership_household_until",
            ),
        ),
    ]
