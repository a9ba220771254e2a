from django.db import migrations

RENAMED = {
    "cannery.collected_kg": "cannery.collected_weight",
    "cannery.transformed_kg": "cannery.transformed_weight",
    "cannery.soup_litres": "cannery.soup_volume",
    "cannery.hours_earned": "cannery.time_sales",
}


def rename(apps, schema_editor, table=RENAMED):
    SectionFigure = apps.get_model("reports", "SectionFigure")
    for old, new in table.items():
        SectionFigure.objects.filter(indicator_key=old).update(indicator_key=new)


def unrename(apps, schema_editor):
    rename(apps, schema_editor, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    """Figures keep their keys; the cannery's quantities are now exact in grams, centilitres and
    minutes, so their keys no longer name a display unit."""

    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(rename, unrename)]
