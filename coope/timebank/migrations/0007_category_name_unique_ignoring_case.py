import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("timebank", "0006_category_twins_numbered"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="category",
            constraint=models.UniqueConstraint(
                models.F("cooperation"),
                django.db.models.functions.text.Lower("name"),
                name="timebank_category_name_unique",
                violation_error_code="unique",
                violation_error_message="Cette catégorie existe déjà dans la coopération, aux majuscules près : choisissez-la dans la liste ou donnez un autre nom.",
            ),
        ),
    ]
