"""The "bench" cooperation of bench/pages.py: people, households, memberships, cards, visits.

Built once per database with bulk_create in batches, in one transaction (all or nothing), then
the statistics are taken (ANALYZE, and PRAGMA optimize on SQLite) as production does after a
load. Shapes, for N people: N × 0.4 households of 1 to 6 people (dated links, one person in
twenty has moved from an earlier household), N × 0.2 memberships (individual or of a household)
over three generations of rolling one-year memberships, so that the renewals list holds a few
thousand rows at 100,000 people; some people hold their own membership and their household's.
Every name (first name and last name) is distinct, so an exact lookup finds one person.
"""

import datetime
import random
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from coope.core.demo.data import FIRST_NAMES_F, FIRST_NAMES_M, LAST_NAMES
from coope.core.models import Association, Cooperation, House, StaffRole, User
from coope.lib.text import normalize
from coope.membership.models import (
    Membership,
    MembershipPeriod,
    MembershipRules,
    PaymentMethod,
    Scheme,
    add_months,
)
from coope.people.models import (
    FamilyQuotient,
    Household,
    HouseholdMember,
    Link,
    Person,
    QuotientSource,
    ReceptionVisit,
    Sex,
    VisitReason,
)

SLUG = "bench"
DIRECTOR = "bench-direction"
BATCH = 5000
HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6)
HOUSEHOLD_WEIGHTS = (35, 25, 18, 12, 7, 3)
# Generations of a holder's memberships: 0 = taken in the last year, 1 = the year before, ...
PATTERNS = ((0,), (1,), (2,), (1, 0), (2, 1), (2, 1, 0))
PATTERN_WEIGHTS = (20, 35, 10, 15, 15, 5)
CITIES = (("26100", "Romans-sur-Isère"), ("26750", "Génissieux"), ("26540", "Mours"))
STREETS = ("rue Jacquemart", "avenue Gambetta", "place Jules Nadi", "rue de la Presle")


@dataclass
class World:
    cooperation: Cooperation
    director: User


def names(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """`count` distinct (first name, last name) pairs, compound last names included."""
    firsts = FIRST_NAMES_F + FIRST_NAMES_M
    lasts = list(LAST_NAMES) + [f"{a}-{b}" for a in LAST_NAMES for b in LAST_NAMES if a != b]
    if count > len(firsts) * len(lasts):
        raise SystemExit(f"{count} personnes : pas assez de noms distincts")
    picked = rng.sample(range(len(firsts) * len(lasts)), count)
    return [(firsts[i % len(firsts)], lasts[i // len(firsts)]) for i in picked]


def day_between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


def existing() -> World | None:
    with scopes_disabled():
        director = User.objects.filter(username=DIRECTOR).select_related("cooperation").first()
    return World(director.cooperation, director) if director else None


def build(people: int, *, say=print) -> World:
    """The bench cooperation with `people` people, or the one already there."""
    world = existing()
    if world is not None:
        return world
    with scopes_disabled(), transaction.atomic():
        world = _build(people, random.Random(14), say)
    analyse(say)
    return world


def analyse(say=print) -> None:
    """Statistics for the planner, as production takes them after migrations and loads."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA optimize")
    say("  statistiques prises (ANALYZE)")


def _build(count: int, rng: random.Random, say) -> World:
    today = timezone.localdate()
    cooperation = Cooperation.objects.create(slug=SLUG, name="Bench", card_prefix="BEN")
    associations = [
        Association.objects.create(cooperation=cooperation, name=name)
        for name in ("Centre social Nord", "MJC Sud")
    ]
    houses = [
        House.objects.create(
            cooperation=cooperation,
            association=associations[i % 2],
            name=f"Maison {name}",
            short_name=name,
            address=f"{i + 1} {STREETS[i]}",
            postcode=CITIES[0][0],
            city=CITIES[0][1],
        )
        for i, name in enumerate(("Les Ors", "St Nicolas", "Fontbarlettes"))
    ]
    MembershipRules.objects.create(cooperation=cooperation, scheme=Scheme.ROLLING)
    periods = {
        year: MembershipPeriod.objects.create(
            cooperation=cooperation,
            name=str(year),
            start=datetime.date(year, 1, 1),
            end=datetime.date(year, 12, 31),
        )
        for year in range(today.year - 4, today.year + 1)
    }

    persons = []
    for first, last in names(count, rng):
        postcode, city = rng.choice(CITIES)
        persons.append(
            Person(
                cooperation=cooperation,
                first_name=first,
                last_name=last,
                search_name=normalize(f"{first} {last}"),
                birth_date=day_between(rng, datetime.date(1935, 1, 1), datetime.date(2022, 12, 31)),
                sex=Sex.FEMALE if first in FIRST_NAMES_F else Sex.MALE,
                phone=f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
                f"{rng.randint(10, 99)}"
                if rng.random() < 0.6
                else "",
                address=f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
                postcode=postcode,
                city=city,
                home_house=rng.choice(houses) if rng.random() < 0.7 else None,
            )
        )
    persons = Person.objects.bulk_create(persons, batch_size=BATCH)
    say(f"  {len(persons)} personnes")

    order = list(range(len(persons)))
    rng.shuffle(order)
    households, members = [], []
    position = 0
    while position < len(order) and len(households) < count * 0.4:
        size = rng.choices(HOUSEHOLD_SIZES, HOUSEHOLD_WEIGHTS)[0]
        group = [persons[i] for i in order[position : position + size]]
        position += size
        postcode, city = rng.choice(CITIES)
        households.append(
            Household(
                cooperation=cooperation,
                name=f"Famille {group[0].last_name}",
                address=group[0].address,
                postcode=postcode,
                city=city,
            )
        )
        members.append(group)
    households = Household.objects.bulk_create(households, batch_size=BATCH)
    links = []
    for household, group in zip(households, members, strict=True):
        since = day_between(rng, datetime.date(2010, 1, 1), today - datetime.timedelta(days=400))
        for rank, person in enumerate(group):
            link = Link.REFERENT if rank == 0 else Link.PARTNER if rank == 1 else Link.CHILD
            if rng.random() < 0.05:  # moved here from another household
                earlier = rng.choice(households)
                if earlier is not household:
                    links.append(
                        HouseholdMember(
                            cooperation=cooperation,
                            household=earlier,
                            person=person,
                            link=Link.OTHER,
                            valid_from=since - datetime.timedelta(days=rng.randint(400, 3000)),
                            valid_until=since - datetime.timedelta(days=1),
                        )
                    )
            links.append(
                HouseholdMember(
                    cooperation=cooperation,
                    household=household,
                    person=person,
                    link=link,
                    valid_from=since if rng.random() < 0.8 else None,
                )
            )
    HouseholdMember.objects.bulk_create(links, batch_size=BATCH)
    say(f"  {len(households)} foyers, {len(links)} liens datés")

    quotients = [
        FamilyQuotient(
            cooperation=cooperation,
            household=household,
            value=rng.randint(200, 2500),
            valid_from=day_between(rng, today - datetime.timedelta(days=900), today),
            source=rng.choice(QuotientSource.values),
        )
        for household in households
        if rng.random() < 0.5
    ]
    FamilyQuotient.objects.bulk_create(quotients, batch_size=BATCH)

    director = User.objects.create_user(
        DIRECTOR, cooperation=cooperation, is_staff=True, first_name="Dir", last_name="Bench"
    )
    for association in associations:
        StaffRole.objects.create(
            cooperation=cooperation, user=director, association=association, role="director"
        )
    for i, role in enumerate(("reception", "reception", "coordinator", "volunteer")):
        user = User.objects.create_user(f"bench-{role}-{i}", cooperation=cooperation)
        StaffRole.objects.create(
            cooperation=cooperation, user=user, association=associations[i % 2], role=role
        )

    memberships: list[Membership] = []
    sequence: dict[int, int] = {}
    individuals = iter(rng.sample(persons, len(persons)))
    families = iter(rng.sample(households, len(households)))
    while len(memberships) < count * 0.2:
        pattern = rng.choices(PATTERNS, PATTERN_WEIGHTS)[0]
        holder = next(families) if rng.random() < 0.4 else next(individuals)
        offset = rng.randint(0, 364)
        house = rng.choice(houses)
        for generation in sorted(pattern, reverse=True):
            start = today - datetime.timedelta(days=generation * 365 + offset)
            sequence[start.year] = sequence.get(start.year, 0) + 1
            method = rng.choice(PaymentMethod.values[:4])
            memberships.append(
                Membership(
                    cooperation=cooperation,
                    period=periods[start.year],
                    person=holder if isinstance(holder, Person) else None,
                    household=holder if isinstance(holder, Household) else None,
                    house=house,
                    card_number=f"BEN-{start.year}-{sequence[start.year]:05d}",
                    fee_cents=rng.choice((500, 1000, 1500, 2500)),
                    payment_method=method,
                    valid_from=start,
                    valid_until=add_months(start, 12) - datetime.timedelta(days=1),
                    taken_by=director,
                )
            )
    Membership.objects.bulk_create(memberships, batch_size=BATCH)
    say(f"  {len(memberships)} adhésions")

    visits = [
        ReceptionVisit(
            cooperation=cooperation,
            house=rng.choice(houses),
            person=rng.choice(persons),
            date=day_between(rng, today - datetime.timedelta(days=730), today),
            reason=rng.choice(VisitReason.values),
            recorded_by=director,
        )
        for _ in range(count // 2)
    ]
    ReceptionVisit.objects.bulk_create(visits, batch_size=BATCH)
    say(f"  {len(visits)} passages à l'accueil")
    return World(cooperation, director)
