import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0009_house_twins_numbered"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="house",
            constraint=models.UniqueConstraint(
                models.F("cooperation"),
                django.db.models.functions.text.Lower("name"),
                name="house_name_unique",
                violation_error_code="unique",
                violation_error_message="Une maison de la coopération porte déjà ce nom, aux majuscules près : choisissez-en un autre ou modifiez celle qui existe.",
            ),
        ),
        migrations.AddConstraint(
            model_name="house",
            constraint=models.UniqueConstraint(
                models.F("cooperation"),
                django.db.models.functions.text.Lower("short_name"),
                name="house_short_name_unique",
                violation_error_code="unique",
                violation_error_message="Une maison de la coopération porte déjà ce nom court, aux majuscules près : choisissez-en un autre.",
            ),
        ),
    ]
