"""Key figures at federation scale: the indicators against hand-written SQL, in the same run.

    .venv/bin/python bench/federation.py                 # full size: 200 cooperations, 1,000,000
                                                         # people, 20,000,000 attendance records
    .venv/bin/python bench/federation.py --scale 0.01    # quick run (same 200 cooperations, each 1/100)

PostgreSQL only; its own database (DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/coope_bench_fed), rebuilt from scratch at each run.

The data set is written with set-based SQL (INSERT ... SELECT generate_series), foreign-key
triggers off and the big tables' secondary indexes dropped during the load and rebuilt after.
Each cooperation has 3 houses, 5,000 people (x scale), 2,000 sessions over 2017-2018 with 50
named participants each, memberships, front-desk visits, volunteer hours and trainings.

It builds the first half of the cooperations and measures, then the second half and measures
again, so that one shows whether one cooperation's figures slow down as the others grow:
- every key figure of cooperation 1's year 2018, through the indicators (the ORM code the
  report runs) and through hand-written SQL for the same figures (values checked equal);
- the same for every cooperation, one after the other.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
import zoneinfo
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coope.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/coope_bench_fed")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django_scopes import scope  # noqa: E402

from coope.core.models import Cooperation  # noqa: E402
from coope.lib.indicators import compute_figures, registry  # noqa: E402
from coope.lib.periods import Period  # noqa: E402

COOPERATIONS = 200
PEOPLE = 5000  # per cooperation, at scale 1
SESSIONS_PER_YEAR = 1000  # per cooperation, at scale 1
PER_SESSION = 50  # named participants of a session
HOUSES = 3
ACTIVITIES = 10
YEAR = 2018
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
BIG_TABLES = [
    "activities_attendance",
    "activities_session",
    "people_person",
    "membership_membership",
    "people_receptionvisit",
    "volunteering_volunteerhours",
]

# -- hand-written SQL for the same figures ------------------------------------------------------

PERIOD_MEMBERSHIPS = "cooperation_id = %(c)s AND valid_from <= %(end)s AND valid_until >= %(start)s"
MEMBERS = f"""
    SELECT person_id FROM membership_membership WHERE {PERIOD_MEMBERSHIPS} AND person_id IS NOT NULL
    UNION SELECT hm.person_id FROM membership_membership m
      JOIN people_householdmember hm ON hm.household_id = m.household_id
     WHERE m.cooperation_id = %(c)s AND m.valid_from <= %(end)s AND m.valid_until >= %(start)s"""
EARLIER = """
    SELECT person_id FROM membership_membership WHERE cooperation_id = %(c)s AND valid_from < %(start)s
       AND person_id IS NOT NULL
    UNION SELECT hm.person_id FROM membership_membership m
      JOIN people_householdmember hm ON hm.household_id = m.household_id
     WHERE m.cooperation_id = %(c)s AND m.valid_from < %(start)s"""
VISITS = "cooperation_id = %(c)s AND date BETWEEN %(start)s AND %(end)s"
SESSIONS = "s.cooperation_id = %(c)s AND NOT s.cancelled AND s.starts_at >= %(ts0)s AND s.starts_at < %(ts1)s"
ATTENDED = (
    f"activities_attendance a JOIN activities_session s ON s.id = a.session_id WHERE {SESSIONS}"
)
HOURS = "volunteering_volunteerhours WHERE cooperation_id = %(c)s AND date BETWEEN %(start)s AND %(end)s"

HAND_SQL = {
    "membership.members": f"SELECT count(*) FROM ({MEMBERS}) m",
    "membership.households": f"""SELECT count(DISTINCT household_id) FROM membership_membership
                                 WHERE {PERIOD_MEMBERSHIPS} AND household_id IS NOT NULL""",
    "membership.new_members": f"SELECT count(*) FROM (({MEMBERS}) EXCEPT ({EARLIER})) m",
    "membership.fees_cents": f"""SELECT coalesce(sum(fee_cents), 0) FROM membership_membership
                                 WHERE {PERIOD_MEMBERSHIPS} AND valid_from >= %(start)s""",
    "membership.members_by_house": f"""
        SELECT h.name, count(DISTINCT m.person_id) FROM core_house h
          LEFT JOIN (SELECT house_id, person_id FROM membership_membership
                      WHERE {PERIOD_MEMBERSHIPS} AND person_id IS NOT NULL
                     UNION SELECT m.house_id, hm.person_id FROM membership_membership m
                       JOIN people_householdmember hm ON hm.household_id = m.household_id
                      WHERE m.cooperation_id = %(c)s AND m.valid_from <= %(end)s AND m.valid_until >= %(start)s
                    ) m ON m.house_id = h.id
         WHERE h.cooperation_id = %(c)s GROUP BY h.name""",
    "membership.members_by_sex": f"""SELECT sex, count(*) FROM people_person WHERE cooperation_id = %(c)s
                                       AND id IN ({MEMBERS}) GROUP BY sex""",
    "people.reception_visits": f"SELECT count(*) FROM people_receptionvisit WHERE {VISITS}",
    "people.reception_visits_by_reason": f"SELECT reason, count(*) FROM people_receptionvisit WHERE {VISITS} GROUP BY reason",
    "people.by_sex": f"""SELECT sex, count(*) FROM people_person WHERE cooperation_id = %(c)s AND id IN (
                           {MEMBERS} UNION SELECT person_id FROM people_receptionvisit WHERE {VISITS}
                           AND person_id IS NOT NULL) GROUP BY sex""",
    "activities.sessions": f"SELECT count(*) FROM activities_session s WHERE {SESSIONS}",
    "activities.attendances": f"SELECT count(*) FROM {ATTENDED}",
    "activities.named_participants": f"SELECT count(DISTINCT a.person_id) FROM {ATTENDED}",
    "activities.headcount_participants": f"""SELECT coalesce(sum(h.count), 0) FROM activities_headcount h
                                             JOIN activities_session s ON s.id = h.session_id WHERE {SESSIONS}""",
    "activities.events_published": f"SELECT count(*) FROM activities_session s WHERE {SESSIONS} AND s.public",
    "activities.communes": f"SELECT count(DISTINCT s.commune) FROM activities_session s WHERE {SESSIONS} AND s.commune <> ''",
    "activities.circulation_percent": f"""
        SELECT count(DISTINCT a.person_id), count(DISTINCT a.person_id) FILTER (WHERE s.house_id <> p.home_house_id)
          FROM {ATTENDED.replace(" WHERE ", " JOIN people_person p ON p.id = a.person_id WHERE ", 1)}
           AND s.house_id IS NOT NULL AND p.home_house_id IS NOT NULL""",
    "people.users": f"""SELECT count(*) FROM ({MEMBERS}
                          UNION SELECT person_id FROM people_receptionvisit WHERE {VISITS} AND person_id IS NOT NULL
                          UNION SELECT a.person_id FROM {ATTENDED}) u""",
    "volunteering.hours": f"SELECT coalesce(sum(duration_minutes), 0) FROM {HOURS}",
    "volunteering.activity_volunteers": f"SELECT count(DISTINCT person_id) FROM {HOURS} AND kind = 'activity'",
    "volunteering.governance_volunteers": f"SELECT count(DISTINCT person_id) FROM {HOURS} AND kind = 'governance'",
    "volunteering.volunteers_trained": """SELECT count(DISTINCT person_id) FROM volunteering_training
                                          WHERE cooperation_id = %(c)s AND date BETWEEN %(start)s AND %(end)s""",
    "volunteering.value_cents": f"""SELECT coalesce(sum(duration_minutes), 0) * max(c.volunteer_hour_value_cents) / 60
                                    FROM core_cooperation c, {HOURS.replace("WHERE cooperation_id", "WHERE c.id = %(c)s AND cooperation_id")}""",
}
KEYS = list(HAND_SQL)


def hand_value(key: str, rows: list[tuple]):
    if key == "activities.circulation_percent":
        total, elsewhere = rows[0]
        return round(100 * elsewhere / total, 1) if total else 0.0
    if key == "volunteering.hours":
        return round(rows[0][0] / 60, 1)
    if not rows or len(rows[0]) == 2:  # a breakdown
        return {label or "inconnu": n for label, n in rows}
    return int(rows[0][0])


def hand_figures(cooperation_id: int, period: Period, keys=KEYS) -> dict:
    params = {
        "c": cooperation_id,
        "start": period.start,
        "end": period.end,
        "ts0": datetime.datetime.combine(period.start, datetime.time(), PARIS),
        "ts1": datetime.datetime.combine(
            period.end + datetime.timedelta(days=1), datetime.time(), PARIS
        ),
    }
    result = {}
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute(HAND_SQL[key], params)
            result[key] = hand_value(key, cursor.fetchall())
    return result


def orm_figures(cooperation: Cooperation, period: Period, keys=KEYS) -> dict:
    with scope(cooperation=cooperation.pk):
        return compute_figures(cooperation, period, keys=keys)


# -- the data set -------------------------------------------------------------------------------

_columns: dict[str, list[tuple[str, str]]] = {}


def required_columns(table: str) -> list[tuple[str, str]]:
    """NOT NULL columns without a database default (Django sets none): (name, type)."""
    if table not in _columns:
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT column_name, data_type FROM information_schema.columns
                               WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL
                                 AND is_identity = 'NO' ORDER BY ordinal_position""",
                [table],
            )
            _columns[table] = cursor.fetchall()
    return _columns[table]


FILLERS = {
    "character varying": "''",
    "text": "''",
    "boolean": "false",
    "integer": "0",
    "bigint": "0",
    "smallint": "0",
    "timestamp with time zone": "now()",
    "date": "'2018-01-01'",
    "jsonb": "'{}'",
}


def insert(table: str, values: dict[str, str], source: str) -> None:
    """INSERT INTO table SELECT values FROM source; other required columns get a neutral value
    (so that a column another app adds later does not break the bench)."""
    columns = dict(values)
    for name, kind in required_columns(table):
        columns.setdefault(name, FILLERS[kind])
    with connection.cursor() as cursor:
        names = ", ".join(f'"{name}"' for name in columns)
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {', '.join(columns.values())} FROM {source}"
        )


class Sizes:
    def __init__(self, scale: float):
        self.people = max(60, round(PEOPLE * scale))
        if self.people % 97 == 0:  # attendees are spread with a step of 97: keep it coprime
            self.people += 1
        self.sessions = max(10, round(SESSIONS_PER_YEAR * scale))  # per year
        self.per_session = min(PER_SESSION, self.people)


def build(first: int, last: int, sizes: Sizes) -> None:
    """Cooperations first..last (ids), every id computed from the cooperation's number."""
    p, s2, k = sizes.people, 2 * sizes.sessions, sizes.per_session
    coops = f"generate_series({first}, {last}) c"
    step = f"interval '{730 * 24 / s2:.4f} hours'"
    insert(
        "core_cooperation",
        {
            "id": "c",
            "name": "'Coopération ' || c",
            "slug": "'coop-' || c",
            "card_prefix": "'C' || c",
            "created_at": "now()",
            "volunteer_hour_value_cents": "1200",
        },
        coops,
    )
    insert(
        "core_association",
        {"id": "(c - 1) * 3 + h", "cooperation_id": "c", "name": "'Association ' || h"},
        f"{coops}, generate_series(1, {HOUSES}) h",
    )
    insert(
        "core_house",
        {
            "id": "(c - 1) * 3 + h",
            "cooperation_id": "c",
            "association_id": "(c - 1) * 3 + h",
            "name": "'Maison ' || h",
            "short_name": "'M' || h",
            "address": "'1 place'",
            "postcode": "'26100'",
            "city": "'Romans'",
            "colour": "'#E4572E'",
        },
        f"{coops}, generate_series(1, {HOUSES}) h",
    )
    insert(
        "membership_membershipperiod",
        {
            "id": "(c - 1) * 2 + y",
            "cooperation_id": "c",
            "name": "(2016 + y)::text",
            "start": "make_date(2016 + y, 1, 1)",
            "end": "make_date(2016 + y, 12, 31)",
        },
        f"{coops}, generate_series(1, 2) y",
    )
    insert(
        "people_person",
        {
            "id": f"(c - 1)::bigint * {p} + i",
            "cooperation_id": "c",
            "first_name": "'Prénom' || i",
            "last_name": "'Nom' || c",
            "search_name": "'prenom' || i || ' nom' || c",
            "birth_date": "date '1940-01-01' + (i * 37 % 28000)",
            "sex": "(ARRAY['F', 'M', 'X'])[1 + i % 3]",
            "neighbourhood": "'Quartier ' || i % 5",
            "home_house_id": "(c - 1) * 3 + 1 + i % 3",
            "created_at": "now()",
        },
        f"{coops}, generate_series(1, {p}) i",
    )
    # Memberships: 80 % of the people in 2018, 40 % in 2017.
    insert(
        "membership_membership",
        {
            "id": f"((c - 1)::bigint * {p} + i) * 2 + y - 2",
            "cooperation_id": "c",
            "person_id": f"(c - 1)::bigint * {p} + i",
            "period_id": "(c - 1) * 2 + y",
            "house_id": "(c - 1) * 3 + 1 + i % 3",
            "card_number": "'C' || y || '-' || i",
            "fee_cents": "(i % 3) * 500",
            "payment_method": "'cash'",
            "valid_from": "make_date(2016 + y, 1, 1) + i % 200",
            "valid_until": "make_date(2016 + y, 12, 31)",
            "created_at": "now()",
        },
        f"{coops}, generate_series(1, {p}) i, generate_series(1, 2) y WHERE (y = 2 AND i % 5 <> 0) OR (y = 1 AND i % 5 IN (1, 2))",
    )
    insert(
        "people_receptionvisit",
        {
            "id": f"(c - 1)::bigint * {p} + v",
            "cooperation_id": "c",
            "house_id": "(c - 1) * 3 + 1 + v % 3",
            "person_id": f"CASE WHEN v % 10 = 0 THEN NULL ELSE (c - 1)::bigint * {p} + 1 + (v * 7) % {p} END",
            "date": "date '2017-01-01' + (v % 730)",
            "reason": "(ARRAY['information', 'membership', 'admin_help'])[1 + v % 3]",
        },
        f"{coops}, generate_series(1, {p}) v",
    )
    insert(
        "activities_activity",
        {
            "id": f"(c - 1) * {ACTIVITIES} + a",
            "cooperation_id": "c",
            "house_id": "(c - 1) * 3 + 1 + a % 3",
            "title": "'Atelier ' || a",
            "kind": "'workshop'",
            "price_kind": "'free'",
            "public": "true",
        },
        f"{coops}, generate_series(1, {ACTIVITIES}) a",
    )
    insert(
        "activities_session",
        {
            "id": f"(c - 1)::bigint * {s2} + j",
            "cooperation_id": "c",
            "activity_id": f"(c - 1) * {ACTIVITIES} + 1 + j % {ACTIVITIES}",
            "house_id": f"(c - 1) * 3 + 1 + (1 + j % {ACTIVITIES}) % 3",
            "starts_at": f"timestamptz '2017-01-02 13:00+00' + (j - 1) * {step}",
            "ends_at": f"timestamptz '2017-01-02 15:00+00' + (j - 1) * {step}",
            "commune": "CASE WHEN j % 20 = 0 THEN 'Commune ' || j % 13 ELSE '' END",
            "public": "j % 7 <> 0",
            "cancelled": "j % 50 = 0",
        },
        f"{coops}, generate_series(1, {s2}) j",
    )
    insert(
        "activities_headcount",
        {
            "id": f"(c - 1)::bigint * {s2} + j",
            "cooperation_id": "c",
            "session_id": f"(c - 1)::bigint * {s2} + j",
            "count": "12",
        },
        f"{coops}, generate_series(1, {s2}) j WHERE j % 10 = 0",
    )
    # Volunteer hours: 100 governance volunteers 4 times a year, 200 activity volunteering times a year.
    insert(
        "volunteering_volunteerhours",
        {
            "id": "(c - 1)::bigint * 2000 + n",
            "cooperation_id": "c",
            "person_id": f"(c - 1)::bigint * {p} + 1 + n % {min(p, 300)}",
            "date": "date '2017-01-15' + (n % 8) * 91",
            "kind": "CASE WHEN n <= 800 THEN 'governance' ELSE 'activity' END",
            "duration_minutes": "60 + n % 3 * 30",
        },
        f"{coops}, generate_series(1, 1200) n",
    )
    insert(
        "volunteering_training",
        {
            "id": "(c - 1) * 40 + n",
            "cooperation_id": "c",
            "person_id": f"(c - 1)::bigint * {p} + 1 + n * 3 % {p}",
            "title": "'Animation'",
            "date": "date '2017-03-01' + n * 17",
        },
        f"{coops}, generate_series(1, 40) n",
    )
    # The big one: each session's participants, spread over the cooperation's people.
    for low in range(first, last + 1, 10):
        high = min(low + 9, last)
        insert(
            "activities_attendance",
            {
                "id": f"((c - 1)::bigint * {s2} + j - 1) * {k} + n",
                "cooperation_id": "c",
                "session_id": f"(c - 1)::bigint * {s2} + j",
                "person_id": f"(c - 1)::bigint * {p} + 1 + (j * {k} + n * 97) % {p}",
                "walk_in": "false",
            },
            f"generate_series({low}, {high}) c, generate_series(1, {s2}) j, generate_series(1, {k}) n",
        )
        print(f"    présences : coopérations {low} à {high} / {last}", flush=True)


def secondary_indexes(cursor) -> list[tuple[str, str]]:
    """(drop statement, create statement) of the big tables' non-primary indexes and unique constraints."""
    result = []
    cursor.execute(
        """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
                       WHERE contype = 'u' AND conrelid::regclass::text = ANY(%s)""",
        [BIG_TABLES],
    )
    constraint_names = set()
    for table, name, definition in cursor.fetchall():
        constraint_names.add(name)
        result.append(
            (
                f'ALTER TABLE {table} DROP CONSTRAINT "{name}"',
                f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}',
            )
        )
    cursor.execute(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
                       WHERE i.tablename = ANY(%s) AND i.indexname NOT LIKE '%%_pkey'""",
        [BIG_TABLES],
    )
    for name, definition in cursor.fetchall():
        if name not in constraint_names:
            result.append((f'DROP INDEX "{name}"', definition))
    return result


def load(first: int, last: int, sizes: Sizes) -> float:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SET session_replication_role = replica"
        )  # no foreign-key triggers during the load
        indexes = secondary_indexes(cursor)
        for drop, _create in indexes:
            cursor.execute(drop)
        build(first, last, sizes)
        print(f"    index : reconstruction de {len(indexes)} index", flush=True)
        for _drop, create in indexes:
            cursor.execute(create)
        cursor.execute("SET session_replication_role = DEFAULT")
        for table in (
            "core_cooperation",
            "core_association",
            "core_house",
            "membership_membershipperiod",
            "activities_activity",
            "activities_headcount",
            "volunteering_training",
            *BIG_TABLES,
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def reset_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename NOT LIKE 'django\\_%%' AND tablename NOT LIKE 'auth\\_%%'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        if tables:
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")


# -- measures -------------------------------------------------------------------------------------


def median_ms(function, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def measure(cooperations: list[Cooperation], repeat: int) -> dict:
    period = Period.year(YEAR)
    focal = cooperations[0]
    orm, hand = orm_figures(focal, period), hand_figures(focal.pk, period)
    wrong = {key: (orm[key], hand[key]) for key in KEYS if orm[key] != hand[key]}
    if wrong:
        raise SystemExit(
            f"Les indicateurs et le SQL écrit à la main ne donnent pas les mêmes chiffres : {wrong}"
        )
    per_key = {
        key: (
            median_ms(lambda key=key: orm_figures(focal, period, [key]), repeat),
            median_ms(lambda key=key: hand_figures(focal.pk, period, [key]), repeat),
        )
        for key in KEYS
    }
    everything = median_ms(
        lambda: orm_figures(focal, period, list(registry())), max(1, repeat // 2)
    )
    started = time.perf_counter()
    for cooperation in cooperations:
        orm_figures(cooperation, period)
    all_orm = time.perf_counter() - started
    started = time.perf_counter()
    for cooperation in cooperations:
        hand_figures(cooperation.pk, period)
    all_hand = time.perf_counter() - started
    return {
        "per_key": per_key,
        "one_orm": sum(o for o, _h in per_key.values()),
        "one_hand": sum(h for _o, h in per_key.values()),
        "everything": everything,
        "all_orm": all_orm,
        "all_hand": all_hand,
        "values": orm,
    }


def report(label: str, result: dict, count: int) -> None:
    print(f"\n== {label} : {count} coopérations")
    print(f"  {'indicateur':<38} {'indicateurs':>12} {'SQL à la main':>14} {'ratio':>7}")
    for key, (orm, hand) in sorted(
        result["per_key"].items(), key=lambda item: -item[1][0] / max(item[1][1], 1e-6)
    ):
        print(f"  {key:<38} {orm:>9.1f} ms {hand:>11.1f} ms {orm / hand:>6.2f}x")
    print(
        f"  une coopération, {len(KEYS)} chiffres : {result['one_orm']:.0f} ms contre {result['one_hand']:.0f} ms "
        f"(x{result['one_orm'] / result['one_hand']:.2f}) ; tous les indicateurs du registre : {result['everything']:.0f} ms"
    )
    print(
        f"  toutes les coopérations : {result['all_orm']:.1f} s contre {result['all_hand']:.1f} s "
        f"(x{result['all_orm'] / result['all_hand']:.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="1 = 1,000,000 people, 20,000,000 attendances"
    )
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Ce banc d'essai demande PostgreSQL : DATABASE_URL=postgres://...")
    sizes = Sizes(args.scale)
    half = COOPERATIONS // 2
    print(
        f"Base {connection.settings_dict['NAME']} ; par coopération : {sizes.people} personnes, "
        f"{2 * sizes.sessions} séances de {sizes.per_session} participants",
        flush=True,
    )
    call_command("migrate", verbosity=0)
    reset_database()
    print(f"Construction des coopérations 1 à {half}", flush=True)
    first_load = load(1, half, sizes)
    small = measure(list(Cooperation.objects.order_by("pk")), args.repeat)
    report("Fédération à moitié", small, half)
    print(f"\nConstruction des coopérations {half + 1} à {COOPERATIONS}", flush=True)
    second_load = load(half + 1, COOPERATIONS, sizes)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM people_person), (SELECT count(*) FROM activities_attendance)"
        )
        people, attendances = cursor.fetchone()
    full = measure(list(Cooperation.objects.order_by("pk")), args.repeat)
    report("Fédération entière", full, COOPERATIONS)
    assert full["values"] == small["values"], (
        "cooperation 1's figures changed when others were added"
    )
    print(
        f"\n{people:,} personnes, {attendances:,} présences ; construction {first_load + second_load:.0f} s "
        f"({first_load:.0f} s + {second_load:.0f} s)"
    )
    print(
        f"Coopération 1 quand la fédération double : indicateurs x{full['one_orm'] / small['one_orm']:.2f}, "
        f"SQL à la main x{full['one_hand'] / small['one_hand']:.2f}"
    )


if __name__ == "__main__":
    main()
