"""The demo's cannery season (July 2017 – December 2018), as the 2018 activity report tells it.

71 workshops in 26 villages, 700 participants (named members and people counted without names),
1600 volunteer hours, 19 volunteers trained, about 30 producers, 1900 kg collected, 844 jars
and 100 litres of soup. Bulk writes like the rest of the demo builder; the quantities are
computed so that every cached number (remainders, stock levels) equals what its rows add up to,
and `coope check` passes.
"""

import datetime
import random

from django.utils import timezone

from coope.activities.models import Activity, Attendance, Headcount, Session
from coope.cannery.models import (
    Acquisition,
    Batch,
    BatchInput,
    Cannery,
    Collection,
    Location,
    LocationKind,
    Lot,
    Movement,
    MovementKind,
    Producer,
    Quality,
    Recipe,
    RecipeIngredient,
    SterilisationRecord,
    StockLevel,
    Tour,
)
from coope.cannery.services import ensure_locations
from coope.core.demo.data import ROMANS_COMMUNES as COMMUNES
from coope.volunteering.models import Training, VolunteerHours

WORKSHOPS = 71
VILLAGES = 26
PARTICIPANTS = 700
NAMED_PARTICIPANTS = 140
VOLUNTEER_MINUTES = 1600 * 60
VOLUNTEER_SHIFT_MINUTES = 240
VOLUNTEERS = 25
TRAINED = 19
COLLECTED_GRAMS = 1_900_000
JARS = 844
SOUP_CENTILITRES = 100 * 100
FIRST_DAY = datetime.date(2017, 7, 4)
LAST_DAY = datetime.date(2018, 12, 18)
COMING_WORKSHOPS = 8

FARMS = [
    "Ferme des Chirouzes",
    "Les Jardins du Bois",
    "GAEC de la Savasse",
    "Vergers de Margès",
    "La Ferme aux Cerises",
    "EARL Les Pêchers",
    "Le Potager de Triors",
    "Domaine des Noyers",
    "Les Paniers de l'Herbasse",
    "Ferme du Grand Chêne",
    "GAEC des Collines",
    "Les Serres de Génissieux",
    "Ferme Bio de Crépol",
    "Le Verger de Parnans",
    "Maraîchage du Royans",
    "La Cueillette d'Alixan",
    "Ferme de la Tourette",
    "Les Courges de Marches",
    "GAEC du Vercors",
    "Les Abricotiers de Clérieux",
    "Ferme des Quatre Saisons",
    "Jardin de Cocagne",
    "Les Pommes de Montmiral",
    "EARL Chapuis",
    "Ferme du Moulin",
    "Le Champ des Possibles",
    "Vergers de Geyssans",
    "La Ferme d'Hostun",
    "GAEC Saint-Bardoux",
    "Les Légumes de Jaillans",
]
RECIPES = [  # code, name, kind, jar sizes, allergens, minutes, °C, max pH, shelf life, ingredients
    (
        "CONF",
        "Confiture d'abricots",
        "jars",
        [370],
        "",
        40,
        100,
        "4.0",
        540,
        [("abricots", 60), ("sucre", 40)],
    ),
    (
        "COUL",
        "Coulis de tomates",
        "jars",
        [500],
        "",
        60,
        100,
        "4.5",
        365,
        [("tomates", 92), ("oignons", 6), ("sel", 2)],
    ),
    (
        "CHUT",
        "Chutney de courgettes",
        "jars",
        [250],
        "moutarde",
        40,
        100,
        "4.2",
        365,
        [("courgettes", 70), ("vinaigre", 15), ("sucre", 12), ("graines de moutarde", 3)],
    ),
    (
        "COMP",
        "Compote de pommes",
        "jars",
        [370],
        "",
        30,
        100,
        "4.0",
        365,
        [("pommes", 95), ("sucre", 5)],
    ),
    (
        "VEL",
        "Velouté de courge",
        "soup",
        [],
        "céleri, lait",
        90,
        116,
        None,
        3,
        [("courge", 70), ("céleri", 10), ("lait", 15), ("oignons", 5)],
    ),
]
PRODUCE = {
    "CONF": "abricots",
    "COUL": "tomates",
    "CHUT": "courgettes",
    "COMP": "pommes",
    "VEL": "courges",
}


def _scaled(weights: list[int], total: int) -> list[int]:
    """The weights scaled, each in proportion, so that they add up to `total`: the grams left by
    rounding go one each to the first collections, so no collection balances the others."""
    whole = sum(weights)
    scaled = [weight * total // whole for weight in weights]
    for index in range(total - sum(scaled)):
        scaled[index] += 1
    return scaled


def _spread(total: int, parts: int) -> list[int]:
    """`total` split in `parts` whole numbers that differ by at most one."""
    return [total // parts + (1 if index < total % parts else 0) for index in range(parts)]


def build(builder) -> None:
    """`coope demo` (the cannery's declaration): the 2017-2018 season, in the full demo only,
    and the workshops of the coming weeks."""
    if builder.full:
        build_cannery_demo(builder, groups=builder.groups, people=builder.members)
        build_coming_workshops(builder)


def build_coming_workshops(builder) -> None:
    """The van's next COMING_WORKSHOPS Wednesdays, from the day the demo is built, turning
    through the villages: its activity has a « Prochaine séance » and the public agenda shows
    them. Nothing was made at them yet, so they move no figure of the past."""
    activity = Cannery.objects.get(cooperation=builder.cooperation).activity
    zone, now = timezone.get_current_timezone(), timezone.now()
    wednesday = builder.today + datetime.timedelta(days=(2 - builder.today.weekday()) % 7)
    sessions = []
    for index, village in enumerate(list(COMMUNES)[:COMING_WORKSHOPS]):
        day = wednesday + datetime.timedelta(weeks=index)
        start = datetime.datetime.combine(day, datetime.time(9), tzinfo=zone)
        if start <= now:
            start += datetime.timedelta(weeks=COMING_WORKSHOPS)
        sessions.append(
            Session(
                cooperation=builder.cooperation,
                activity=activity,
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=6),
                commune=village,
                place="Place du village",
            )
        )
    Session.objects.bulk_create(sessions)


def build_cannery_demo(builder, *, groups, people) -> int:
    """Producers, collections, workshops, batches, lots and sales; returns the number of
    public sessions it created in 2018, which count among the year's 352 published events.

    Named participants must be chosen among `people` (already 2018 members) so that the
    year keeps its 3500 usagers; `groups` maps project-group slugs to ProjectGroup rows."""
    cooperation = builder.cooperation
    r = random.Random(2017)  # its own generator: the rest of the demo stays as it was
    activity = Activity.objects.create(
        cooperation=cooperation,
        title="Conserverie mobile et solidaire",
        programme="cannery",
        kind="workshop",
        theme="Alimentation",
        project_group=groups["alimentation"],
        description="Ateliers de transformation dans les villages.",
    )
    Cannery.objects.create(
        cooperation=cooperation,
        activity=activity,
        address="Coopération de Romans, 26100 Romans-sur-Isère",
    )

    # Workshops: every 7 or 8 days, turning through the villages.
    villages = list(COMMUNES)[:VILLAGES]
    span = (LAST_DAY - FIRST_DAY).days
    sessions = []
    for index in range(WORKSHOPS):
        day = FIRST_DAY + datetime.timedelta(days=index * span // (WORKSHOPS - 1))
        start = datetime.datetime.combine(day, datetime.time(9), tzinfo=datetime.UTC)
        sessions.append(
            Session(
                cooperation=cooperation,
                activity=activity,
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=6),
                commune=villages[index % VILLAGES],
                place="Place du village",
            )
        )
    Session.objects.bulk_create(sessions)

    # Participants: named members, and the others counted.
    named = r.sample(people, NAMED_PARTICIPANTS)
    attendances = {}
    for index, person in enumerate(named):
        for session in {sessions[index % WORKSHOPS], sessions[(index * 7 + 3) % WORKSHOPS]}:
            attendances[(session.pk, person.pk)] = Attendance(
                cooperation=cooperation, session=session, person=person
            )
    Attendance.objects.bulk_create(attendances.values())
    Headcount.objects.bulk_create(
        Headcount(cooperation=cooperation, session=session, count=count)
        for session, count in zip(
            sessions, _spread(PARTICIPANTS - NAMED_PARTICIPANTS, WORKSHOPS), strict=True
        )
    )

    # Volunteers: shifts at the workshops, and the trained ones.
    adults = [p for p in people if p.birth_date and p.birth_date.year <= 2000]
    volunteers = adults[-VOLUNTEERS:]
    hours = []
    for index in range(VOLUNTEER_MINUTES // VOLUNTEER_SHIFT_MINUTES):
        session = sessions[index % WORKSHOPS]
        hours.append(
            VolunteerHours(
                cooperation=cooperation,
                person=volunteers[(index // WORKSHOPS + index) % VOLUNTEERS],
                kind="activity",
                date=session.starts_at.date(),
                session=session,
                duration_minutes=VOLUNTEER_SHIFT_MINUTES,
                project_group=groups["alimentation"],
            )
        )
    VolunteerHours.objects.bulk_create(hours)
    Training.objects.bulk_create(
        Training(
            cooperation=cooperation,
            person=person,
            project_group=groups["alimentation"],
            programme="cannery",
            title="Conserverie : hygiène, stérilisation et traçabilité",
            date=datetime.date(2017, 9, 15) if index < 10 else datetime.date(2018, 3, 16),
        )
        for index, person in enumerate(volunteers[:TRAINED])
    )

    # Producers, tours and collections: two collections brought to each workshop.
    producers = [
        Producer(
            cooperation=cooperation,
            name=name,
            commune=list(COMMUNES)[(index * 3) % len(COMMUNES)],
            contact=f"{r.choice(['M.', 'Mme'])} {name.split()[-1]}",
            organic=index % 3 == 0,
        )
        for index, name in enumerate(FARMS)
    ]
    Producer.objects.bulk_create(producers)
    tours = [
        Tour(cooperation=cooperation, name=name, starts_on=start, ends_on=end)
        for name, start, end in (
            ("Été 2017", datetime.date(2017, 7, 1), datetime.date(2017, 9, 30)),
            ("Automne-hiver 2017", datetime.date(2017, 10, 1), datetime.date(2018, 3, 31)),
            ("Printemps-été 2018", datetime.date(2018, 4, 1), datetime.date(2018, 9, 30)),
            ("Automne-hiver 2018", datetime.date(2018, 10, 1), datetime.date(2018, 12, 31)),
        )
    ]
    Tour.objects.bulk_create(tours)
    recipes = _recipes(cooperation)
    plan = [RECIPES[index % len(RECIPES)][0] for index in range(WORKSHOPS)]
    weights = _scaled([r.randint(6_000, 20_000) for _ in range(2 * WORKSHOPS)], COLLECTED_GRAMS)
    collections = []
    for index, grams in enumerate(weights):
        session = sessions[index // 2]
        day = session.starts_at.date()
        bought = index % 5 == 0
        collections.append(
            Collection(
                cooperation=cooperation,
                producer=producers[(index * 7) % len(producers)],
                date=day,
                produce=PRODUCE[plan[index // 2]],
                weight_grams=grams,
                remaining_grams=grams,
                acquisition=Acquisition.BOUGHT if bought else Acquisition.GIVEN,
                price_cents=grams * 80 // 1000 if bought else 0,
                quality=Quality.DOWNGRADED if index % 3 == 0 else Quality.SURPLUS,
                tour=next(t for t in tours if t.starts_on <= day <= t.ends_on),
                session=session,
            )
        )

    # Batches: one per workshop, from about two thirds of its collections.
    jar_plan = [index for index, code in enumerate(plan) if code != "VEL"]
    soup_plan = [index for index, code in enumerate(plan) if code == "VEL"]
    jars_of = dict(zip(jar_plan, _spread(JARS, len(jar_plan)), strict=True))
    soup_of = dict(zip(soup_plan, _spread(SOUP_CENTILITRES, len(soup_plan)), strict=True))
    batches, inputs = [], []
    for index, session in enumerate(sessions):
        recipe = recipes[plan[index]]
        day = session.starts_at.date()
        batch = Batch(
            cooperation=cooperation,
            session=session,
            recipe=recipe,
            code=f"{day:%y%m%d}-{recipe.code}-1",
            made_on=day,
            best_before=day + datetime.timedelta(days=recipe.shelf_life_days),
            soup_centilitres=soup_of.get(index, 0),
            released_at=session.ends_at + datetime.timedelta(hours=1),
        )
        batches.append(batch)
        for collection in collections[2 * index : 2 * index + 2]:
            taken = collection.weight_grams * 2 // 3
            collection.remaining_grams -= taken
            inputs.append((batch, collection, taken))
    Collection.objects.bulk_create(collections)
    Batch.objects.bulk_create(batches)
    BatchInput.objects.bulk_create(
        BatchInput(cooperation=cooperation, batch=b, collection=c, grams=g) for b, c, g in inputs
    )
    SterilisationRecord.objects.bulk_create(
        SterilisationRecord(
            cooperation=cooperation,
            batch=b,
            duration_minutes=b.recipe.sterilisation_minutes + 5,
            temperature_celsius=b.recipe.sterilisation_celsius,
            operator="Coordinatrice",
            closure_checked=True,
        )
        for b in batches
    )
    lots = [
        Lot(
            cooperation=cooperation,
            batch=batches[index],
            jars_made=jars_of[index],
            jar_size_ml=batches[index].recipe.jar_sizes_ml[0],
            code=f"{batches[index].code}-{batches[index].recipe.jar_sizes_ml[0]}",
        )
        for index in jar_plan
    ]
    Lot.objects.bulk_create(lots)
    _distribute(cooperation, lots, inputs)
    _sell_some_in_time(builder, lots, people)

    return sum(1 for s in sessions if s.starts_at.year == 2018 and s.public)


def _recipes(cooperation) -> dict[str, Recipe]:
    recipes = {}
    for code, name, kind, sizes, allergens, minutes, celsius, max_ph, shelf, ingredients in RECIPES:
        recipe = Recipe.objects.create(
            cooperation=cooperation,
            code=code,
            name=name,
            kind=kind,
            jar_sizes_ml=sizes,
            allergens=allergens,
            sterilisation_minutes=minutes,
            sterilisation_celsius=celsius,
            max_ph=max_ph,
            shelf_life_days=shelf,
        )
        RecipeIngredient.objects.bulk_create(
            RecipeIngredient(
                cooperation=cooperation, recipe=recipe, name=ingredient, percent=percent
            )
            for ingredient, percent in ingredients
        )
        recipes[code] = recipe
    return recipes


def _distribute(cooperation, lots: list[Lot], inputs) -> None:
    """Where the jars went: a third given on site, a share to the producer, some to a house,
    the rest to the shop where most are sold in euros; a few lost. The stock cache follows."""
    locations = ensure_locations(cooperation=cooperation)
    van = next(loc for loc in locations if loc.kind == LocationKind.VAN)
    shop = next(loc for loc in locations if loc.kind == LocationKind.SHOP)
    shop.name = "La P'tite Coopé"  # the Romans cooperation's shop
    shop.save(update_fields=["name"])
    houses = [loc for loc in locations if loc.kind == LocationKind.HOUSE]
    producer_of: dict[int, Producer] = {}
    for batch, collection, _grams in inputs:
        producer_of.setdefault(batch.pk, collection.producer)
    movements: list[Movement] = []
    stock: dict[tuple[int, int], int] = {}

    def move(lot, kind, jars, day, source=None, target=None, **details):
        if jars <= 0:
            return
        movements.append(
            Movement(
                cooperation=cooperation,
                lot=lot,
                kind=kind,
                jars=jars,
                date=day,
                from_location=source,
                to_location=target,
                **details,
            )
        )
        if source is not None:
            stock[(lot.pk, source.pk)] -= jars
        if target is not None:
            stock[(lot.pk, target.pk)] = stock.get((lot.pk, target.pk), 0) + jars

    for index, lot in enumerate(lots):
        made, day = lot.jars_made, lot.batch.made_on
        later = min(day + datetime.timedelta(days=14), datetime.date(2018, 12, 31))
        house = houses[index % len(houses)] if houses else shop
        move(lot, MovementKind.MADE, made, day, target=van)
        given, returned, to_house = made // 3, made // 6, made // 8
        move(lot, MovementKind.GIVEN, given, day, source=van, session=lot.batch.session)
        move(
            lot,
            MovementKind.RETURNED,
            returned,
            day,
            source=van,
            producer=producer_of[lot.batch_id],
        )
        move(lot, MovementKind.MOVED, to_house, later, source=van, target=house)
        to_shop = made - given - returned - to_house - 1
        move(lot, MovementKind.MOVED, to_shop, later, source=van, target=shop)
        sold = to_shop * 3 // 4
        move(lot, MovementKind.SOLD_EUROS, sold, later, source=shop, price_cents=sold * 450)
        if index % 7 == 0:
            move(lot, MovementKind.LOST, 1, later, source=van, note="Bocal cassé")
    Movement.objects.bulk_create(movements)
    StockLevel.objects.bulk_create(
        StockLevel(cooperation=cooperation, lot_id=lot_pk, location_id=location_pk, jars=jars)
        for (lot_pk, location_pk), jars in stock.items()
    )


def _sell_some_in_time(builder, lots: list[Lot], people) -> None:
    """A jar of every third lot sold at the shop in time currency, through TIC-TAC like a real
    sale (services.sell_jars_for_time), to members who already hold a time account. Skipped
    when the time bank's demo opened none; a payment TIC-TAC refuses (balance) is skipped too."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from coope.cannery.services import sell_jars_for_time
    from coope.timebank.models import Account

    payers = list(
        Account.objects.filter(person__in=people, closed_at__isnull=True)
        .select_related("person")
        .order_by("pk")[:40]
    )
    if not payers:
        return
    shop = Location.objects.get(cooperation=builder.cooperation, kind=LocationKind.SHOP)
    association = next(
        (a for a in builder.associations if not a.houses.exists()), builder.associations[0]
    )
    for index, lot in enumerate(lots[::3]):
        day = min(lot.batch.made_on + datetime.timedelta(days=20), datetime.date(2018, 12, 31))
        try:
            with transaction.atomic():
                sell_jars_for_time(
                    actor=None,
                    lot=lot,
                    jars=1,
                    location=shop,
                    payer=payers[index % len(payers)].person,
                    minutes=60,
                    association=association,
                    idempotency_key=f"demo-jar-{lot.code}",
                    date=day,
                    paid_at=datetime.datetime.combine(day, datetime.time(16), tzinfo=datetime.UTC),
                )
        except ValidationError:
            continue
