"""A house's storage place is linked to the house by its key: rows made before, or by hand in the
admin, named as a house of their cooperation and not linked yet, are linked to it."""

import django.db.models.deletion
from django.db import migrations, models


def link_places_to_houses(apps, schema_editor):
    Location = apps.get_model("cannery", "Location")
    House = apps.get_model("core", "House")
    linked = set(Location.objects.exclude(house_id=None).values_list("house_id", flat=True))
    for location in Location.objects.filter(kind="house", house_id=None).order_by("pk"):
        house = (
            House.objects.filter(cooperation_id=location.cooperation_id, name=location.name)
            .exclude(pk__in=linked)
            .first()
        )
        if house is not None:
            location.house_id = house.pk
            location.save(update_fields=["house"])
            linked.add(house.pk)


class Migration(migrations.Migration):
    dependencies = [
        ("cannery", "0004_recipe_net_weights_and_plural_names"),
    ]

    operations = [
        migrations.AlterField(
            model_name="location",
            name="house",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="core.house",
                verbose_name="maison",
            ),
        ),
        migrations.RunPython(link_places_to_houses, migrations.RunPython.noop),
    ]
