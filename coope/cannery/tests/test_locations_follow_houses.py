"""A house's storage place is linked to the house by its key: renaming a house (in the setup
screen, or with the rename saved by a bulk update the signals do not see) keeps its place, its
stock and the cannery's production; existing places are linked by the migration."""

import importlib

import pytest
from django.apps import apps
from django_scopes import scopes_disabled

from coope.cannery import services
from coope.cannery.models import Location, LocationKind, StockLevel
from coope.cannery.tests.conftest import DAY
from coope.core import services as core_services
from coope.core.models import House

pytestmark = pytest.mark.django_db

link_places_to_houses = importlib.import_module(
    "coope.cannery.migrations.0005_location_linked_to_house"
).link_places_to_houses


def stock(lot) -> dict[int, int]:
    return dict(StockLevel.objects.filter(lot=lot).values_list("location_id", "jars"))


def test_a_renamed_house_keeps_its_place_and_production_goes_on(kit, client_as):
    w = kit.w
    places = Location.objects.count()
    house_place = kit.house_a
    # Renamed in the setup screen, as a director does.
    response = client_as(w.director).post(
        f"/configuration/maisons/{w.house_a.pk}/",
        {
            "association": w.assoc_a.pk,
            "name": "Maison des Sables",
            "short_name": "MS",
            "address": "1 place A",
            "postcode": "26100",
            "city": "Romans-sur-Isère",
            "colour": "#E4572E",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    w.house_a.refresh_from_db()
    assert w.house_a.name == "Maison des Sables"
    house_place.refresh_from_db()
    assert house_place.name == "Maison des Sables" and house_place.house_id == w.house_a.pk

    # A batch and a sale after the rename: no error, no new place, the stock is right.
    producer = kit.producer()
    collection = kit.collection(producer, grams=10_000)
    batch = kit.batch(kit.session(), [(collection, 8_000)], jars={370: 20})
    lot = batch.lots.get()
    services.move_jars(
        actor=w.coordinator, lot=lot, jars=5, from_location=kit.van, to_location=house_place
    )
    services.sell_jars_for_euros(
        actor=w.coordinator, lot=lot, jars=2, location=house_place, price_cents=900, date=DAY
    )
    assert Location.objects.count() == places
    assert stock(lot) == {kit.van.pk: 15, house_place.pk: 3}
    assert Location.objects.filter(house=w.house_a).get().pk == house_place.pk


def test_a_rename_the_signals_did_not_see_is_followed_by_the_next_batch(kit):
    w = kit.w
    places = Location.objects.count()
    House.objects.filter(pk=w.house_b.pk).update(name="Maison du Chapitre")
    locations = services.ensure_locations(cooperation=w.coop)
    assert len(locations) == places
    place = Location.objects.get(house=w.house_b)
    assert place.name == "Maison du Chapitre"


def test_a_house_named_as_another_place_gets_a_place_of_its_own(kit):
    w = kit.w
    kit.van.name = "Maison C"
    kit.van.save()
    house = core_services.save_house(
        actor=w.director,
        house=House(
            cooperation=w.coop,
            association=w.assoc_a,
            name="Maison C",
            short_name="C",
            address="3 rue C",
            postcode="26100",
            city="Romans-sur-Isère",
            colour="#123456",
        ),
    )
    services.ensure_locations(cooperation=w.coop)
    place = Location.objects.get(house=house)
    assert place.name == "Maison C (C)" and place.kind == LocationKind.HOUSE
    # The house renamed to a name no place has: its place follows.
    house.name = "Maison Cerisier"
    core_services.save_house(actor=w.director, house=house)
    place.refresh_from_db()
    assert place.name == "Maison Cerisier"


def test_the_migration_links_the_places_named_as_their_house(world):
    with scopes_disabled():
        unlinked = Location.objects.create(
            cooperation=world.coop, kind=LocationKind.HOUSE, name=world.house_a.name
        )
        other = Location.objects.create(
            cooperation=world.other_coop, kind=LocationKind.HOUSE, name=world.house_a.name
        )
        link_places_to_houses(apps, None)
        unlinked.refresh_from_db()
        other.refresh_from_db()
    assert unlinked.house_id == world.house_a.pk
    assert other.house_id is None  # no house of that name in its own cooperation
    with scopes_disabled():
        services.ensure_locations(cooperation=world.coop)
        assert Location.objects.filter(cooperation=world.coop, kind=LocationKind.HOUSE).count() == 2
