"""Front-desk search among 100,000 people with distinct names, against an index-served lookup
of the same rows, in the same run.

    .venv/bin/python bench/search.py                      # SQLite under var/bench_search.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/coope_bench_search .venv/bin/python bench/search.py
    .venv/bin/python bench/search.py --people 20000       # quicker

Creates (once) a cooperation "bench-search" with N people, every full name different (first
names, some compound, and family names, some built from syllables, some double), 40% of them in
households, and memberships with cards (own or of the household). Then, for front-desk searches
typed as people type them (parts of names, 3-letter pieces, a short word with a long one, card
numbers), times:

- the search: `Person.objects.search(q)` in the desk's order, first 30, as the desk runs it;
- its baseline: the same 30 rows fetched by primary key (`WHERE id IN (…)`, the same order and
  columns), the fastest index-served way to get them. The script checks with EXPLAIN that the
  baseline is index-served (SQLite: SEARCH … USING INTEGER PRIMARY KEY / INDEX; PostgreSQL: an
  Index Scan or Bitmap Index Scan) and that the search uses its index (FTS5 / GIN trigram,
  card number index), and stops otherwise; it also checks both return the same rows.

Prints median and p95 of each, and their ratio, per kind of search and overall.
"""

import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coope.settings")
os.environ.setdefault(
    "DATABASE_URL",
    f"sqlite:///{Path(__file__).resolve().parents[1] / 'var' / 'bench_search.sqlite3'}",
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django_scopes import scope, scopes_disabled  # noqa: E402

from coope.core.demo.data import FIRST_NAMES_F, FIRST_NAMES_M, LAST_NAMES  # noqa: E402
from coope.core.models import Association, Cooperation, House  # noqa: E402
from coope.lib.text import normalize  # noqa: E402
from coope.membership.models import Membership, MembershipPeriod, PaymentMethod  # noqa: E402
from coope.people.models import Household, HouseholdMember, Person  # noqa: E402

SLUG = "bench-search"
LIMIT = 30  # the desk's SEARCH_LIMIT
# (kind, query): as people type them at the desk.
QUERIES = [
    ("part of a name", "elod"),
    ("part of a name", "traore"),
    ("part of a name", "khadi"),
    ("part of a name", "nguy"),
    ("part of a name", "fontaine"),
    ("part of a name", "ferrei"),
    ("part of a name", "oztu"),
    ("part of a name", "mercier"),
    ("two words", "gerard ber"),
    ("two words", "elodie mar"),
    ("two words", "martin sophie"),
    ("two words", "lucie m"),
    ("short words", "le g"),
    ("3 letters", "mar"),
    ("3 letters", "ber"),
    ("3 letters", "lou"),
    ("3 letters", "zou"),
    ("3 letters", "yas"),
    ("card number", "card:1"),
    ("card number", "card:2"),
    ("card number", "card:3"),
]
SYLLABLES = (
    "ber ga lou ri mon tal vi cha de fon gue ke le ma no pe ro sa ti ya zou bou che dra "
    "ka me ni qui lan gar tou bre vo pi ju ha sel dor mi ra ne tu bla cro fra"
).split()
ENDINGS = ["", "", "", "t", "n", "ud", "eau", "ier", "in", "ez", "ski", "ou", "a", "ot", "er"]
PARTICLES = ["", "", "", "", "", "", "Le ", "De ", "Da ", "N'", "D'", "Van ", "El "]


def family_name(rng: random.Random) -> str:
    if rng.random() < 0.4:
        name = rng.choice(LAST_NAMES)
    else:
        core = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice([2, 2, 3])))
        name = rng.choice(PARTICLES) + (core + rng.choice(ENDINGS)).capitalize()
    if rng.random() < 0.15:
        name += "-" + rng.choice(LAST_NAMES)
    return name


def given_name(rng: random.Random) -> str:
    first = rng.choice(FIRST_NAMES_F + FIRST_NAMES_M)
    if rng.random() < 0.25:
        first += rng.choice(["-", " "]) + rng.choice(FIRST_NAMES_F + FIRST_NAMES_M)
    return first


def populate(count: int) -> Cooperation:
    with scopes_disabled():
        cooperation, _ = Cooperation.objects.get_or_create(
            slug=SLUG, defaults={"name": "Bench search", "card_prefix": "BS"}
        )
        if Person.objects.filter(cooperation=cooperation).count() >= count:
            return cooperation
        Person.objects.filter(cooperation=cooperation).exists() and sys.exit(
            f"La coopérative {SLUG} a moins de {count} personnes : effacez la base et relancez."
        )
        association = Association.objects.create(cooperation=cooperation, name="Bench")
        house = House.objects.create(
            cooperation=cooperation,
            association=association,
            name="Maison du bench",
            short_name="Bench",
            address="1 rue du Test",
            postcode="26100",
            city="Romans",
        )
        period = MembershipPeriod.objects.create(
            cooperation=cooperation,
            name="2026",
            start=django.utils.timezone.now().date().replace(month=1, day=1),
            end=django.utils.timezone.now().date().replace(month=12, day=31),
        )
        rng = random.Random(1)
        seen: set[str] = set()
        people: list[Person] = []
        while len(people) < count:
            first, last = given_name(rng), family_name(rng)
            key = normalize(f"{first} {last}")
            if key in seen:
                continue
            seen.add(key)
            people.append(
                Person(cooperation=cooperation, first_name=first, last_name=last, search_name=key)
            )
        for start in range(0, count, 5000):
            Person.objects.bulk_create(people[start : start + 5000])
            print(f"  {min(start + 5000, count)} / {count} personnes créées", flush=True)
        ids = list(
            Person.objects.filter(cooperation=cooperation)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        # 40% of the people in households of 1 to 4; a card for one household in two and for
        # one person in ten outside households.
        households, links, memberships = [], [], []
        position = 0
        in_households = int(len(ids) * 0.4)
        while position < in_households:
            size = rng.randint(1, 4)
            households.append(ids[position : position + size])
            position += size
        created = Household.objects.bulk_create(
            [Household(cooperation=cooperation, name=f"Foyer {n}") for n in range(len(households))]
        )
        for household, members in zip(created, households, strict=True):
            links += [
                HouseholdMember(cooperation=cooperation, household=household, person_id=pk)
                for pk in members
            ]
        HouseholdMember.objects.bulk_create(links, batch_size=5000)

        def card(n: int, **holder) -> Membership:
            return Membership(
                cooperation=cooperation,
                period=period,
                house=house,
                card_number=f"BS-2026-{n:06d}",
                fee_cents=1000,
                payment_method=PaymentMethod.CASH,
                valid_from=period.start,
                valid_until=period.end,
                **holder,
            )

        memberships = [card(n, household=h) for n, h in enumerate(created[::2])]
        memberships += [
            card(len(memberships) + n, person_id=pk) for n, pk in enumerate(ids[in_households::10])
        ]
        Membership.objects.bulk_create(memberships, batch_size=5000)
        print(f"  {len(created)} foyers, {len(memberships)} adhésions", flush=True)
    analyse()
    return cooperation


def analyse() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "postgresql" else "PRAGMA optimize")


def cards() -> list[str]:
    """A household's card (found through the household links) and a person's own card."""
    household = Membership.objects.filter(household__isnull=False).order_by("pk")
    own = Membership.objects.filter(person__isnull=False).order_by("pk")
    return [
        household.values_list("card_number", flat=True)[100],
        own.values_list("card_number", flat=True)[100],
        household.values_list("card_number", flat=True)[1000],
    ]


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(" ".join(str(col) for col in row) for row in cursor.fetchall())


def check_baseline_plan(text: str) -> None:
    if connection.vendor == "postgresql":
        ok = "Index Scan" in text or "Bitmap Index Scan" in text
        ok = ok and "Seq Scan on people_person" not in text
    else:
        lines = [line for line in text.splitlines() if "people_person" in line]
        ok = bool(lines) and all(
            "SEARCH" in line and ("INTEGER PRIMARY KEY" in line or "USING" in line)
            for line in lines
        )
    if not ok:
        sys.exit(f"La référence n'est pas servie par un index :\n{text}")


def check_search_plan(kind: str, query: str, text: str) -> None:
    """The search goes through its index: FTS5 (SQLite) or the trigram GIN index (PostgreSQL)
    for names, the card number's index for cards. Words all shorter than 3 characters are read
    with LIKE over the cooperation's people (no trigram to look up), the only exception."""
    postgres = connection.vendor == "postgresql"
    if kind == "card number":
        if postgres:
            ok = "membership_card_unique" in text and "Seq Scan on people_person" not in text
        else:
            scans = [row for row in text.splitlines() if " SCAN " in row]
            ok = "card_number=?" in text and all("core_house" in row for row in scans)
    elif kind == "short words":
        ok = True if postgres else "SEARCH people_person USING INDEX" in text
    elif postgres:
        # PostgreSQL picks by its statistics: the GIN trigram index (few matches) or the desk's
        # order walked until 30 match (many).
        ok = "people_person_search_trgm" in text or "Index Scan using person_desk_order" in text
        ok = ok and "Seq Scan on people_person" not in text
    else:
        ok = "people_person_fts VIRTUAL TABLE INDEX" in text
        # Few matches: each read by its key; many: the desk's order walked (person_desk_order).
        by_key = re.search(r"SEARCH people_person USING .*\browid=\?", text) is not None
        walk = re.search(r"SEARCH people_person USING (COVERING )?INDEX person_desk_order", text)
        ok = ok and (by_key or walk is not None)
    if not ok:
        sys.exit(f"La recherche « {query} » ne passe pas par son index :\n{text}")


def timed(function) -> tuple[float, float]:
    """Wall-clock and this process's CPU time, in ms. On SQLite the database runs in this
    process: its CPU time is the work itself, whatever else the machine is doing."""
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18]


def line(label: str, search: list[float], base: list[float]) -> str:
    s_med, s_p95, b_med, b_p95 = (
        statistics.median(search),
        p95(search),
        statistics.median(base),
        p95(base),
    )
    return (
        f"{label:<16} recherche {s_med:6.2f} / {s_p95:6.2f} ms   "
        f"référence {b_med:6.2f} / {b_p95:6.2f} ms   "
        f"rapport x{s_med / b_med:.2f} / x{s_p95 / b_p95:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--plans", action="store_true", help="affiche les plans EXPLAIN")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    print(f"Base : {connection.vendor}; {args.people} personnes aux noms tous différents")
    cooperation = populate(args.people)
    with scope(cooperation=cooperation.pk):
        numbers = iter(cards())
        queries = [(k, next(numbers) if q.startswith("card:") else q) for k, q in QUERIES]
        cases = []
        for kind, query in queries:
            search = Person.objects.search(query).select_related("home_house")[:LIMIT]
            ids = [p.pk for p in search]
            matches = Person.objects.search(query).count()
            # The same rows by primary key, in the desk's order, with the same columns.
            base = Person.objects.filter(pk__in=ids).select_related("home_house")
            if [p.pk for p in base] != ids or not ids:
                sys.exit(f"« {query} » : la référence ne rend pas les mêmes lignes ({len(ids)}).")
            search_plan, base_plan = plan(search), plan(base)
            check_search_plan(kind, query, search_plan)
            check_baseline_plan(base_plan)
            if args.plans:
                print(f"--- {query}\n{search_plan}\n--- référence\n{base_plan}")
            print(f"  « {query} » : {matches} personnes trouvées, {len(ids)} affichées")
            cases.append((kind, search, base))
        samples: dict[str, dict[str, list[float]]] = {}
        per_query: dict[str, dict[str, list[float]]] = {}
        for _ in range(args.repeat):
            for (kind, query), (_, search, base) in zip(queries, cases, strict=True):
                # Alternated, fresh querysets: nothing cached between runs.
                for name, queryset in (("search", search), ("base", base)):
                    wall, cpu = timed(lambda q=queryset: list(q.all()))
                    for key in (kind, "toutes"):
                        samples.setdefault(key, {}).setdefault(name, []).append(wall)
                        samples[key].setdefault(name + "_cpu", []).append(cpu)
                    # Per query: SQLite's work is this process's CPU; PostgreSQL's is elsewhere.
                    own = cpu if connection.vendor == "sqlite" else wall
                    per_query.setdefault(query, {}).setdefault(name, []).append(own)
    if args.plans:
        for query, times in per_query.items():
            print(line(f"  {query}", times["search"], times["base"]))
    print(f"Charge de la machine (1, 5, 15 min) : {os.getloadavg()}")
    print("Temps écoulé (médiane / p95) :")
    for kind, times in samples.items():
        print(line(kind, times["search"], times["base"]))
    if connection.vendor == "sqlite":
        print("Temps de calcul de ce processus, SQLite compris (médiane / p95) :")
        for kind, times in samples.items():
            print(line(kind, times["search_cpu"], times["base_cpu"]))


if __name__ == "__main__":
    main()
