# One-time form keys (coope/core/once.py).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_worker_heartbeat"),
    ]

    operations = [
        migrations.CreateModel(
            name="FormKey",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("owner", models.CharField(max_length=80)),
                ("key", models.CharField(max_length=64)),
                ("location", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(db_index=True)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("owner", "key"), name="formkey_unique_owner_key"
                    )
                ],
            },
        ),
    ]
