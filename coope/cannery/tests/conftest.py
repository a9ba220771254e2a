"""Builders for the cannery tests: a cannery, producers, workshops, recipes and batches."""

import datetime

import pytest
from django.utils import timezone

from coope.activities.models import Activity, Session
from coope.cannery import services
from coope.cannery.models import Cannery, Location, LocationKind, Recipe, RecipeIngredient

DAY = datetime.date(2018, 7, 12)
GOOD_STERILISATION = {
    "duration_minutes": 45,
    "temperature_celsius": 100,
    "operator": "Rose",
    "closure_checked": True,
}


class Kit:
    """The cannery of the test cooperation and helpers to fill it."""

    def __init__(self, world):
        self.w = world
        coop = world.coop
        self.activity = Activity.objects.create(
            cooperation=coop, title="Conserverie mobile", kind="workshop", programme="cannery"
        )
        self.cannery = Cannery.objects.create(cooperation=coop, activity=self.activity)
        self.jam = Recipe.objects.create(
            cooperation=coop,
            code="CONF",
            name="Confiture d'abricots",
            jar_sizes_ml=[250, 370],
            allergens="",
            sterilisation_minutes=40,
            sterilisation_celsius=100,
            max_ph=4.5,
            shelf_life_days=365,
        )
        RecipeIngredient.objects.create(
            cooperation=coop, recipe=self.jam, name="abricots", percent=60
        )
        RecipeIngredient.objects.create(cooperation=coop, recipe=self.jam, name="sucre", percent=40)
        self.soup = Recipe.objects.create(
            cooperation=coop,
            code="VEL",
            name="Velouté de courge",
            kind="soup",
            jar_sizes_ml=[500],
            allergens="céleri, lait",
            sterilisation_minutes=90,
            sterilisation_celsius=116,
            shelf_life_days=180,
        )
        locations = services.ensure_locations(cooperation=coop)
        self.van = next(loc for loc in locations if loc.kind == LocationKind.VAN)
        self.shop = next(loc for loc in locations if loc.kind == LocationKind.SHOP)
        self.house_a = Location.objects.get(house=world.house_a)

    def producer(self, name="Ferme des Chirouzes", commune="Triors"):
        return services.create_producer(
            actor=self.w.coordinator, cooperation=self.w.coop, name=name, commune=commune
        )

    def session(self, day=DAY, commune="Triors"):
        start = datetime.datetime.combine(day, datetime.time(14), tzinfo=datetime.UTC)
        if day == timezone.localdate():  # today's workshop has begun, whatever the hour
            start = min(start, timezone.now() - datetime.timedelta(minutes=1))
        return Session.objects.create(
            cooperation=self.w.coop,
            activity=self.activity,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=3),
            commune=commune,
        )

    def collection(self, producer, grams=10_000, day=DAY, produce="abricots", **extra):
        return services.record_collection(
            actor=self.w.coordinator,
            producer=producer,
            date=day,
            produce=produce,
            weight_grams=grams,
            **extra,
        )

    def batch(
        self,
        session,
        inputs,
        jars=None,
        recipe=None,
        sterilisation=GOOD_STERILISATION,
        release=True,
        soup_centilitres=0,
    ):
        batch = services.record_batch(
            actor=self.w.coordinator,
            session=session,
            recipe=recipe or self.jam,
            inputs=inputs,
            jars_by_size=jars or {370: 20},
            soup_centilitres=soup_centilitres,
            sterilisation=sterilisation,
        )
        if release:
            services.release_batch(actor=self.w.coordinator, batch=batch)
        return batch


@pytest.fixture
def kit(in_scope):
    return Kit(in_scope)
