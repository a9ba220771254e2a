"""The migrations that make house and category names unique (aux majuscules près) pass on a
database that already holds twins: the later twin gets a number, nothing is lost."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("core", "0008_user_must_change_password"), ("timebank", "0005_entry_account_index")]
AFTER = [
    ("core", "0010_house_names_unique"),
    ("timebank", "0007_category_name_unique_ignoring_case"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_twins_already_stored_are_numbered_and_the_constraints_added():
    apps = migrate(BEFORE)
    try:
        Cooperation = apps.get_model("core", "Cooperation")
        Association = apps.get_model("core", "Association")
        House = apps.get_model("core", "House")
        Category = apps.get_model("timebank", "Category")
        coop = Cooperation.objects.create(name="Coop", slug="coop", card_prefix="CO")
        other = Cooperation.objects.create(name="Autre", slug="autre", card_prefix="AU")
        assoc = Association.objects.create(cooperation=coop, name="Asso")
        other_assoc = Association.objects.create(cooperation=other, name="Asso")
        place = {"address": "1 rue", "postcode": "26100", "city": "Romans"}
        first = House.objects.create(
            cooperation=coop, association=assoc, name="St Nicolas", short_name="SN", **place
        )
        twin = House.objects.create(
            cooperation=coop, association=assoc, name="st nicolas", short_name="sn", **place
        )
        elsewhere = House.objects.create(
            cooperation=other, association=other_assoc, name="St Nicolas", short_name="SN", **place
        )
        garden = Category.objects.create(cooperation=coop, name="Jardinage")
        small = Category.objects.create(cooperation=coop, name="jardinage")

        apps = migrate(AFTER)
        House = apps.get_model("core", "House")
        Category = apps.get_model("timebank", "Category")
        names = {h.pk: (h.name, h.short_name) for h in House.objects.all()}
        assert names[first.pk] == ("St Nicolas", "SN")
        assert names[twin.pk] == ("st nicolas (2)", "sn (2)")
        assert names[elsewhere.pk] == ("St Nicolas", "SN")
        assert Category.objects.get(pk=garden.pk).name == "Jardinage"
        assert Category.objects.get(pk=small.pk).name == "jardinage (2)"
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
