"""Builds the demo cooperations: deterministic synthetic people and memberships, then every
app's declared demo (`coope = CoopeApp(demo=..., demo_order=...)`), called with the builder.

Bulk writes on purpose: the demo is a data load, not front-desk work, so it bypasses the
services (and their audit entries) to load in seconds.

What a declared `build(builder)` may read: `builder.full` (True for the Romans year, False for
the small second cooperation), `cooperation`, `associations`, `houses`, `periods` (by year),
`groups` (project groups by slug), `members` (the 2018 members, persons and households'
people), `today` (the day the demo is built: `timezone.localdate()`), `this_year` and
`current_members` (people with a membership of this year, for the demo's living present),
`spec`, `random` (the shared generator: use your own to keep the others' data stable) and
`new_person()`.

The demo holds two times: the 2018 year of the report (2017 and 2018 periods, every figure of the
report), and today (memberships of last year and this year, the current season's activities),
relative to the day `coope demo` runs, so that it looks alive on any date.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from coope.core.demo import data
from coope.core.models import (
    Agreement,
    Association,
    Cooperation,
    House,
    ProjectGroup,
    StaffRole,
    User,
)
from coope.core.plugins import demo_builders
from coope.lib.db_statistics import refresh_statistics
from coope.lib.text import normalize
from coope.membership.models import FeeRule, Membership, MembershipPeriod, PaymentMethod
from coope.people.models import (
    Consent,
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

FEES = [  # kind, QF min, QF max, euros
    ("individual", None, 300, 0),
    ("individual", 301, 700, 5),
    ("individual", 701, None, 10),
    ("household", None, 300, 0),
    ("household", 301, 700, 12),
    ("household", 701, None, 20),
]


REPORT_YEAR = 2018


class DemoBuilder:
    def __init__(self, spec: dict, seed: int, *, full: bool = True):
        self.spec = spec
        self.full = full
        self.members: list[Person] = []
        self.groups: dict[str, ProjectGroup] = {}
        self.random = random.Random(seed)
        # Names already given (first, last, birth year, house): a namesake of the same year in the
        # same house takes another first name, drawn from its own generator so that the rest
        # of the demo stays as it was.
        self.names_given: set[tuple[str, str, int, int]] = set()
        self.namesake_random = random.Random(f"namesakes-{seed}")
        self.card_counters: dict[int, int] = {}
        self.today = timezone.localdate()
        # Today's years come after the report's (2017, 2018), whatever the clock says.
        self.this_year = max(self.today.year, REPORT_YEAR + 2)
        self.current_members: list[Person] = []

    # -- structure ---------------------------------------------------------------
    def build_structure(self) -> None:
        spec = self.spec
        self.cooperation = Cooperation.objects.create(
            name=spec["name"],
            slug=spec["slug"],
            card_prefix=spec["card_prefix"],
            communes=spec.get("communes", {}),
        )
        self.associations, self.houses = [], []
        for entry in spec["associations"]:
            association = Association.objects.create(
                cooperation=self.cooperation, name=entry["name"], address=entry["address"]
            )
            self.associations.append(association)
            if entry["house"]:
                h = dict(entry["house"])
                agreements = h.pop("agreements")
                house = House.objects.create(
                    cooperation=self.cooperation,
                    association=association,
                    postcode="26100" if spec["slug"] == "romans" else "26000",
                    city="Romans-sur-Isère" if spec["slug"] == "romans" else "Valence",
                    **h,
                )
                for kind in agreements:
                    Agreement.objects.create(
                        cooperation=self.cooperation,
                        house=house,
                        kind=kind,
                        since=datetime.date(2015, 1, 1),
                    )
                self.houses.append(house)
        self.periods = {}
        for year in (2017, REPORT_YEAR, self.this_year - 1, self.this_year):
            period = MembershipPeriod.objects.create(
                cooperation=self.cooperation,
                name=str(year),
                start=datetime.date(year, 1, 1),
                end=datetime.date(year, 12, 31),
            )
            self.periods[year] = period
            FeeRule.objects.bulk_create(
                FeeRule(
                    cooperation=self.cooperation,
                    period=period,
                    kind=kind,
                    quotient_min=low,
                    quotient_max=high,
                    amount_cents=euros * 100,
                    label=f"{'Individuelle' if kind == 'individual' else 'Familiale'} "
                    f"{'gratuite' if euros == 0 else f'{euros} €'}",
                )
                for kind, low, high, euros in FEES
            )

    def build_logins(self, logins) -> list[tuple[str, str]]:
        created = []
        for username, role, association_index, first_name in logins:
            user = User.objects.create_user(
                username=username,
                password=data.PASSWORD,
                first_name=first_name,
                cooperation=self.cooperation,
                # The director opens the Django admin by her role (admin.access), not as a
                # superuser: the platform's administrator is another account (`coope demo`).
                is_staff=(role == "director"),
            )
            associations = (
                self.associations if role == "director" else [self.associations[association_index]]
            )
            for association in associations:
                StaffRole.objects.create(
                    cooperation=self.cooperation, user=user, association=association, role=role
                )
            created.append((username, role))
        return created

    # -- people --------------------------------------------------------------------
    def new_person(self, *, last_name=None, age=None, house=None) -> Person:
        r = self.random
        sex = r.choice([Sex.FEMALE, Sex.FEMALE, Sex.MALE, Sex.MALE, Sex.UNSPECIFIED])
        names = data.FIRST_NAMES_F if sex == Sex.FEMALE else data.FIRST_NAMES_M
        if sex == Sex.UNSPECIFIED:
            names = data.FIRST_NAMES_F + data.FIRST_NAMES_M
        house = house or r.choice(self.houses)
        age = age if age is not None else r.choice([8, 15, 22, 34, 41, 47, 55, 63, 70, 78])
        birth = datetime.date(2018 - age, r.randint(1, 12), r.randint(1, 28))
        first = r.choice(names)
        last = last_name or r.choice(data.LAST_NAMES)
        for _attempt in range(20):
            if (first, last, birth.year, house.pk) not in self.names_given:
                break
            first = self.namesake_random.choice(names)
        self.names_given.add((first, last, birth.year, house.pk))
        return Person(
            cooperation=self.cooperation,
            first_name=first,
            last_name=last,
            search_name=normalize(f"{first} {last}"),
            birth_date=birth,
            sex=sex,
            email=f"{normalize(first).replace(' ', '')}.{normalize(last).replace(' ', '')}{r.randint(1, 999)}@example.org"
            if age >= 18 and r.random() < 0.6
            else "",
            phone=f"06 {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)}"
            if age >= 16
            else "",
            address=f"{r.randint(1, 80)} rue {r.choice(['Magnard', 'Berlioz', 'du Chapitre', 'Jacquemart', 'Pascal'])}",
            postcode=house.postcode,
            city=house.city,
            neighbourhood=r.choice(data.NEIGHBOURHOODS[house.short_name]),
            home_house=house,
            occupation=r.choice(
                ["employed", "jobseeker", "retired", "student", "home", "other", ""]
            ),
        )

    def card(self, period) -> str:
        n = self.card_counters.get(period.pk, 0) + 1
        self.card_counters[period.pk] = n
        return f"{self.cooperation.card_prefix}-{period.start.year}-{n:05d}"

    def membership(self, period, *, person=None, household=None, house, fee_cents) -> Membership:
        r = self.random
        start = period.start + datetime.timedelta(days=r.randint(0, 200))
        if period.start <= self.today <= period.end:  # this year's: taken by today
            start = min(start, self.today)
        return Membership(
            cooperation=self.cooperation,
            period=period,
            person=person,
            household=household,
            house=house,
            card_number=self.card(period),
            fee_cents=fee_cents,
            payment_method=PaymentMethod.FREE
            if fee_cents == 0
            else r.choice(
                [
                    PaymentMethod.CASH,
                    PaymentMethod.CHEQUE,
                    PaymentMethod.CARD,
                    PaymentMethod.TRANSFER,
                ]
            ),
            valid_from=start,
            valid_until=period.end,
        )

    def build_households(self, count: int, people_total: int):
        """`count` households whose sizes add up to `people_total` (1 to 5 each)."""
        sizes = [people_total // count] * count
        for i in range(people_total - sum(sizes)):
            sizes[i] += 1
        for i in range(0, count - 1, 2):  # vary sizes, same total
            if sizes[i] > 1 and sizes[i + 1] < 5:
                sizes[i] -= 1
                sizes[i + 1] += 1
        households, links, people = [], [], []
        for size in sizes:
            house = self.random.choice(self.houses)
            last_name = self.random.choice(data.LAST_NAMES)
            members = [
                self.new_person(
                    last_name=last_name, age=self.random.choice([33, 38, 44, 52]), house=house
                )
            ]
            for index in range(1, size):
                age = (
                    self.random.choice([36, 41, 47])
                    if index == 1
                    else self.random.choice([3, 7, 10, 13, 16])
                )
                members.append(self.new_person(last_name=last_name, age=age, house=house))
            households.append(
                (
                    Household(
                        cooperation=self.cooperation,
                        name=f"Famille {last_name}",
                        address=members[0].address,
                        postcode=house.postcode,
                        city=house.city,
                    ),
                    members,
                    house,
                )
            )
            people.extend(members)
        Person.objects.bulk_create(people)
        Household.objects.bulk_create([h for h, _, _ in households])
        for household, members, _ in households:
            for index, person in enumerate(members):
                assert person.birth_date is not None  # new_person gives everyone a birth date
                link = (
                    Link.REFERENT
                    if index == 0
                    else Link.PARTNER
                    if index == 1 and person.birth_date.year < 2000
                    else Link.CHILD
                )
                links.append(
                    HouseholdMember(
                        cooperation=self.cooperation, household=household, person=person, link=link
                    )
                )
        HouseholdMember.objects.bulk_create(links)
        return households

    def build_romans(self) -> None:
        spec, r = self.spec, self.random
        households = self.build_households(spec["households_2018"], spec["household_people_2018"])
        # A few children of separated parents belong to a second household.
        second_links = []
        for (_first, first_members, _), (second, _, _) in zip(
            households[:10], households[10:20], strict=True
        ):
            child = first_members[-1]
            if child.birth_date.year > 2000:
                second_links.append(
                    HouseholdMember(
                        cooperation=self.cooperation,
                        household=second,
                        person=child,
                        link=Link.CHILD,
                    )
                )
        HouseholdMember.objects.bulk_create(second_links)
        quotients = []
        for household, _, _ in households:
            quotients.append(
                FamilyQuotient(
                    cooperation=self.cooperation,
                    household=household,
                    value=r.choice([250, 420, 560, 680, 820, 1100, 1400]),
                    valid_from=datetime.date(2017, 1, 1),
                    source=r.choice(list(QuotientSource.values)),
                )
            )
        FamilyQuotient.objects.bulk_create(quotients)

        individuals = [
            self.new_person()
            for _ in range(spec["individuals_2018"] + spec["individuals_2017_only"])
        ]
        Person.objects.bulk_create(individuals)
        members_2018 = individuals[: spec["individuals_2018"]]
        only_2017 = individuals[spec["individuals_2018"] :]

        p17, p18 = self.periods[2017], self.periods[REPORT_YEAR]
        last_year, this_year = self.periods[self.this_year - 1], self.periods[self.this_year]
        memberships = []
        renewed_h = spec["households_renewed_from_2017"]
        renewed_i = spec["individuals_renewed_from_2017"]
        for household, _, house in households[:renewed_h]:
            memberships.append(
                self.membership(p17, household=household, house=house, fee_cents=1200)
            )
        for person in members_2018[:renewed_i] + only_2017:
            memberships.append(
                self.membership(p17, person=person, house=person.home_house, fee_cents=500)
            )
        for household, _, house in households:
            memberships.append(
                self.membership(
                    p18, household=household, house=house, fee_cents=r.choice([0, 1200, 2000])
                )
            )
        for person in members_2018:
            memberships.append(
                self.membership(
                    p18, person=person, house=person.home_house, fee_cents=r.choice([0, 500, 1000])
                )
            )
        # Today: last year's members, most of them renewed this year.
        recent = members_2018[: spec["today_members"]]
        for person in recent:
            memberships.append(
                self.membership(last_year, person=person, house=person.home_house, fee_cents=1000)
            )
        self.current_members = recent[: spec["today_members"] * 3 // 4]
        for person in self.current_members:
            memberships.append(
                self.membership(this_year, person=person, house=person.home_house, fee_cents=1000)
            )
        Membership.objects.bulk_create(memberships)
        self.members = members_2018 + [p for _, ms, _ in households for p in ms]

        visits = []
        people_for_visits = members_2018 + only_2017
        for _ in range(spec["reception_visits_2018"]):
            day = datetime.date(2018, 1, 1) + datetime.timedelta(days=r.randint(0, 364))
            visitor = r.choice(people_for_visits) if r.random() < 0.7 else None
            visits.append(
                ReceptionVisit(
                    cooperation=self.cooperation,
                    house=r.choice(self.houses),
                    person=visitor,
                    date=day,
                    reason=r.choice(list(VisitReason.values)),
                )
            )
        ReceptionVisit.objects.bulk_create(visits)
        consents = [
            Consent(
                cooperation=self.cooperation,
                person=person,
                kind=kind,
                given=r.random() < 0.8,
                date=datetime.date(2018, 1, 15),
                source="paper",
            )
            for person in members_2018[:400]
            for kind in ("newsletter", "photos")
        ]
        Consent.objects.bulk_create(consents)
        self.groups = {
            slug: ProjectGroup.objects.create(cooperation=self.cooperation, name=name, slug=slug)
            for slug, name in data.PROJECT_GROUPS
        }

    def build_small(self) -> None:
        people = [self.new_person() for _ in range(self.spec["people"])]
        Person.objects.bulk_create(people)
        period = self.periods[self.this_year]
        self.current_members = people[:25]
        Membership.objects.bulk_create(
            self.membership(period, person=p, house=self.houses[0], fee_cents=500)
            for p in self.current_members
        )


def build_demo(stdout=None) -> list[tuple[str, str, str]]:
    """Create both demo cooperations (once); return the logins (cooperation, username, role)."""
    logins: list[tuple[str, str, str]] = []
    for spec, seed, small in ((data.ROMANS, 2018, False), (data.VALENCE, 26, True)):
        if Cooperation.objects.filter(slug=spec["slug"]).exists():
            continue
        with transaction.atomic():
            builder = DemoBuilder(spec, seed, full=not small)
            builder.build_structure()
            with scope(cooperation=builder.cooperation.pk):
                if small:
                    created = builder.build_logins([("accueil-valence", "reception", 0, "Hugo")])
                    builder.build_small()
                else:
                    created = builder.build_logins(data.LOGINS)
                    builder.build_romans()
                for _label, build in demo_builders():
                    build(builder)
        if stdout:
            stdout.write(f"{spec['name']} créée.")
        logins.extend((str(spec["slug"]), username, role) for username, role in created)
    refresh_statistics(postgresql=True)
    return logins
