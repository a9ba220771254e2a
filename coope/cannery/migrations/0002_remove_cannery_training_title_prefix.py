from django.db import migrations


def mark_programme(apps, schema_editor):
    """The cannery's activity and its trainings (matched, one last time, on the title prefix the
    figures used to read) carry the programme code "cannery" from now on."""
    Cannery = apps.get_model("cannery", "Cannery")
    Activity = apps.get_model("activities", "Activity")
    Training = apps.get_model("volunteering", "Training")
    for cannery in Cannery.objects.all():
        Activity.objects.filter(pk=cannery.activity_id).update(programme="cannery")
        Training.objects.filter(
            cooperation_id=cannery.cooperation_id,
            title__istartswith=cannery.training_title_prefix,
        ).update(programme="cannery")


class Migration(migrations.Migration):
    dependencies = [
        ("cannery", "0001_initial"),
        ("activities", "0002_activity_programme"),
        ("volunteering", "0002_training_programme_volunteerhours_programme"),
    ]

    operations = [
        migrations.RunPython(mark_programme, migrations.RunPython.noop),
        migrations.RemoveField(model_name="cannery", name="training_title_prefix"),
    ]
