"""One database and one size of bench/pages.py: build, serve, time, count, compare to raw SQL.

Run by bench/pages.py in a process of its own (DATABASE_URL set), which reads the last line."""

import datetime
import os
import platform
import random
import re
import subprocess
import sys
import time
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coope.settings")
os.environ["DEBUG"] = "0"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_scopes import scope  # noqa: E402

from bench import pages_data  # noqa: E402
from bench.pages import PAGES, free_port, summary  # noqa: E402
from coope.membership import services as membership_services  # noqa: E402
from coope.membership import views as membership_views  # noqa: E402
from coope.membership.models import Membership  # noqa: E402
from coope.people.models import Household, HouseholdMember, Person  # noqa: E402

SEARCH_LIMIT = 30
# The renewals list's first page: as many rows as the view shows (500 in one page before, then
# pages of 100).
RENEWALS_SHOWN = getattr(membership_views, "RENEWALS_PER_PAGE", None) or getattr(
    membership_views, "RENEWALS_SHOWN", 500
)
ADMIN_PAGE = 100
VARIANTS = 8  # people, households, queries and cards asked in turn

BIG_TABLES = (
    "people_person",
    "people_household",
    "people_householdmember",
    "people_receptionvisit",
    "people_familyquotient",
    "membership_membership",
)
# A whole read of a big table is an index's job when it keeps less than this share of its rows.
WHOLE_READ_SHARE = 0.1

# -- the baselines: hand-written SQL for the rows each page shows ----------------------------------

ON_DAY = "({p}valid_from IS NULL OR {p}valid_from <= %(today)s) AND ({p}valid_until IS NULL OR {p}valid_until >= %(today)s)"
SEARCH = f"""
SELECT p.id, p.first_name, p.last_name, p.birth_date, h.short_name,
  COALESCE(
    (SELECT m.card_number FROM membership_membership m WHERE m.person_id = p.id
        AND m.valid_from <= %(today)s AND m.valid_until >= %(today)s ORDER BY m.valid_until LIMIT 1),
    (SELECT m.card_number FROM people_householdmember hm
       JOIN membership_membership m ON m.household_id = hm.household_id
      WHERE hm.person_id = p.id AND {ON_DAY.format(p="hm.")}
        AND m.valid_from <= %(today)s AND m.valid_until >= %(today)s LIMIT 1))
  FROM people_person p LEFT JOIN core_house h ON h.id = p.home_house_id
 WHERE p.cooperation_id = %(c)s AND p.search_name IN ({{names}})
 ORDER BY p.last_name, p.first_name LIMIT {SEARCH_LIMIT}"""
# The search itself, as the done-when of issue 14 measures it: an exact lookup of the same rows.
EXACT = """SELECT p.* FROM people_person p
 WHERE p.cooperation_id = %(c)s AND p.search_name IN ({names})
 ORDER BY p.last_name, p.first_name LIMIT 30"""
PERSON = [
    """SELECT p.*, h.name FROM people_person p LEFT JOIN core_house h ON h.id = p.home_house_id
        WHERE p.id = %(pk)s AND p.cooperation_id = %(c)s""",
    """SELECT hm.id, hm.link, hm.valid_from, hm.valid_until, f.id, f.name
         FROM people_householdmember hm JOIN people_household f ON f.id = hm.household_id
        WHERE hm.person_id = %(pk)s ORDER BY hm.valid_until DESC, hm.id""",
    """SELECT hm.household_id, hm.link, o.id, o.first_name, o.last_name
         FROM people_householdmember hm JOIN people_person o ON o.id = hm.person_id
        WHERE hm.valid_until IS NULL AND hm.household_id IN (
              SELECT household_id FROM people_householdmember WHERE person_id = %(pk)s)""",
    """SELECT m.id, m.card_number, m.valid_from, m.valid_until, m.fee_cents, h.name, NULL
         FROM membership_membership m JOIN core_house h ON h.id = m.house_id
        WHERE m.person_id = %(pk)s
       UNION ALL
       SELECT m.id, m.card_number, m.valid_from, m.valid_until, m.fee_cents, h.name, f.name
         FROM membership_membership m JOIN core_house h ON h.id = m.house_id
         JOIN people_household f ON f.id = m.household_id
        WHERE m.household_id IN (
              SELECT household_id FROM people_householdmember WHERE person_id = %(pk)s)
        ORDER BY 3 DESC""",
    """SELECT v.id, v.date, v.reason, h.name FROM people_receptionvisit v
         JOIN core_house h ON h.id = v.house_id
        WHERE v.person_id = %(pk)s ORDER BY v.date DESC, v.id DESC LIMIT 10""",
]
HOUSEHOLD = [
    "SELECT * FROM people_household WHERE id = %(pk)s AND cooperation_id = %(c)s",
    """SELECT hm.id, hm.link, hm.valid_from, hm.valid_until, o.id, o.first_name, o.last_name,
              o.birth_date, h.name
         FROM people_householdmember hm JOIN people_person o ON o.id = hm.person_id
         LEFT JOIN core_house h ON h.id = o.home_house_id
        WHERE hm.household_id = %(pk)s ORDER BY hm.valid_from, hm.id""",
    """SELECT id, value, valid_from, source FROM people_familyquotient
        WHERE household_id = %(pk)s ORDER BY valid_from DESC, id DESC""",
    """SELECT m.id, m.card_number, m.valid_from, m.valid_until, m.fee_cents, h.name
         FROM membership_membership m JOIN core_house h ON h.id = m.house_id
        WHERE m.household_id = %(pk)s ORDER BY m.valid_from DESC""",
]
ADMIN = [
    "SELECT COUNT(*) FROM people_person WHERE cooperation_id = %(c)s",
    f"""SELECT p.id, p.last_name, p.first_name, p.birth_date, h.name, p.neighbourhood
          FROM people_person p LEFT JOIN core_house h ON h.id = p.home_house_id
         WHERE p.cooperation_id = %(c)s ORDER BY p.last_name, p.first_name, p.id DESC
         LIMIT {ADMIN_PAGE}""",
]
TO_RENEW = """
  FROM membership_membership m
 WHERE m.cooperation_id = %(c)s AND m.valid_until >= %(since)s AND m.valid_until <= %(until)s
   AND NOT EXISTS (SELECT 1 FROM membership_membership l
                    WHERE l.person_id = m.person_id AND l.valid_until > m.valid_until)
   AND NOT EXISTS (SELECT 1 FROM membership_membership l
                    WHERE l.household_id = m.household_id AND l.valid_until > m.valid_until)"""
HOLDER_JOINS = """
  LEFT JOIN people_person p ON p.id = m.person_id
  LEFT JOIN people_household f ON f.id = m.household_id
  JOIN core_house h ON h.id = m.house_id
  JOIN membership_membershipperiod pe ON pe.id = m.period_id"""
RENEWAL_ROWS = f"""
SELECT m.id, m.card_number, m.valid_until, p.first_name, p.last_name, f.name, h.short_name,
       pe.name,
       COALESCE(NULLIF(p.phone, ''), (
         SELECT r.phone FROM people_householdmember hm JOIN people_person r ON r.id = hm.person_id
          WHERE hm.household_id = m.household_id AND hm.link = 'referent'
            AND {ON_DAY.format(p="hm.")} ORDER BY hm.id LIMIT 1), '')
{TO_RENEW.replace(" WHERE m.", HOLDER_JOINS + " WHERE m.", 1)}
 ORDER BY m.valid_until"""
RENEWALS = [f"SELECT COUNT(*) {TO_RENEW}", f"{RENEWAL_ROWS} LIMIT {RENEWALS_SHOWN}"]
EXPORT = [RENEWAL_ROWS]
CARD = [
    """SELECT m.id, m.valid_from, m.valid_until, p.first_name, p.last_name, f.name, h.name
         FROM membership_membership m LEFT JOIN people_person p ON p.id = m.person_id
         LEFT JOIN people_household f ON f.id = m.household_id
         JOIN core_house h ON h.id = m.house_id
        WHERE m.cooperation_id = %(c)s AND m.card_number = %(card)s"""
]
# Baselines that must read a big table whole, and why no index can serve them.
WHOLE_READS = {
    "admin": (
        {"people_person"},
        "the admin's list: no index serves ORDER BY last_name, first_name, so the raw SQL "
        "sorts the cooperation's people too (and counts them)",
    ),
}


def aliases(sql: str) -> dict[str, str]:
    found = dict(re.findall(r"(?:FROM|JOIN)\s+(\w+)\s+(?:AS\s+)?(\w+)", sql))
    return {alias: table for table, alias in found.items()} | {t: t for t in found}


def full_scans(plan: str) -> set[str]:
    """The big tables (or their aliases) a plan reads whole where an index could serve: on
    SQLite every "SCAN t" without an index; on PostgreSQL a sequential scan inside a correlated
    subplan (once per row), or one that keeps under WHOLE_READ_SHARE of the table's rows."""
    if connection.vendor == "sqlite":
        found = re.findall(r"^\s*SCAN (\w+)(?: AS (\w+))?\s*$", plan, re.MULTILINE)
        return {alias or table for table, alias in found}
    scanned = set()
    correlated = False
    for line in plan.splitlines():
        correlated = correlated or "SubPlan" in line
        seq = re.search(r"Seq Scan on (\w+)(?: (\w+))?\s+\(cost=[\d.]+\.\.[\d.]+ rows=(\d+)", line)
        if seq is None or seq.group(1) not in BIG_TABLES:
            continue
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [seq.group(1)])
            total = max(cursor.fetchone()[0], 1)
        if correlated or int(seq.group(3)) < WHOLE_READ_SHARE * total:
            scanned.add(seq.group(1))
    return scanned


def check_plan(page: str, sql: str, params: dict) -> set[str]:
    """Stop when the baseline reads a big table whole where an index could serve; the big
    tables it reads whole with a reason (WHOLE_READS)."""
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
    names = aliases(sql)
    scanned = {names.get(name, name) for name in full_scans(plan)} & set(BIG_TABLES)
    allowed = WHOLE_READS.get(page, (set(), ""))[0]
    if scanned - allowed:
        raise SystemExit(
            f"la requête de référence de « {page} » lit toute la table {sorted(scanned)} "
            f"sans index :\n{sql}\n{plan}"
        )
    return scanned & allowed


def run_sql(statements: list[str], params: dict) -> list[list[tuple]]:
    with connection.cursor() as cursor:
        results = []
        for sql in statements:
            cursor.execute(sql, params)
            results.append(cursor.fetchall())
        return results


# -- the run -----------------------------------------------------------------------------------


def say(text: str) -> None:
    print(text, flush=True)


def prepare(people: int) -> pages_data.World:
    if connection.vendor == "postgresql":
        create_postgres_database()
    say("  migrate")
    call_command("migrate", verbosity=0)
    world = pages_data.existing()
    if world is None:
        started = time.perf_counter()
        say(f"  construction de la coopérative « bench » ({people} personnes)")
        world = pages_data.build(people, say=say)
        say(f"  construite en {time.perf_counter() - started:.0f} s")
    else:
        pages_data.analyse(say)
    return world


def create_postgres_database() -> None:
    import psycopg

    name = settings.DATABASES["default"]["NAME"]
    server = {k: settings.DATABASES["default"][k] for k in ("HOST", "PORT", "USER", "PASSWORD")}
    with psycopg.connect(
        host=server["HOST"],
        port=server["PORT"] or 5432,
        user=server["USER"],
        password=server["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')


def variants(world: pages_data.World) -> dict:
    """What each page is asked, in turn, and the parameters of its baseline."""
    rng = random.Random(6)
    today = timezone.localdate()
    common = {"c": world.cooperation.pk, "today": today}
    with scope(cooperation=world.cooperation.pk):
        # People with their own membership and a household: the fullest records.
        person_ids = list(
            Person.objects.filter(memberships__isnull=False, household_links__isnull=False)
            .order_by("pk")
            .values_list("pk", flat=True)
            .distinct()[:2000]
        )
        household_ids = list(
            Household.objects.filter(memberships__isnull=False)
            .order_by("pk")
            .values_list("pk", flat=True)
            .distinct()[:2000]
        )
        cards = list(Membership.objects.order_by("pk").values_list("card_number", flat=True))
        sample = list(Person.objects.order_by("pk").values_list("first_name", "last_name")[:5000])
    persons = rng.sample(person_ids, VARIANTS)
    households = rng.sample(household_ids, VARIANTS)
    queries = []
    for first, last in rng.sample(sample, VARIANTS):
        first, last = first.lower(), last.lower().split("-")[-1]
        queries.append(rng.choice([last[:4], f"{first} {last[:3]}", first[:5], last[1:5]]))
    renew = {
        "since": today - datetime.timedelta(days=365),
        "until": today + datetime.timedelta(days=30),
    }
    return {
        "search": [(f"/accueil/?q={quote(q)}", {"q": q}) for q in queries],
        "person": [(f"/accueil/personnes/{pk}/", {"pk": pk}) for pk in persons],
        "household": [(f"/accueil/foyers/{pk}/", {"pk": pk}) for pk in households],
        "admin": [("/admin/people/person/", {})],
        "renewals": [("/adhesions/a-renouveler/", renew)],
        "export": [("/adhesions/a-renouveler.csv", renew)],
        "card": [
            (f"/adhesions/carte/?number={c}", {"card": c}) for c in rng.sample(cards, VARIANTS)
        ],
    } | {"_common": common}


def baseline(page: str, params: dict, world) -> tuple[list[str], dict]:
    """The statements and parameters of the baseline of `page` for one variant."""
    if page == "search":
        with scope(cooperation=world.cooperation.pk):
            found = Person.objects.search(params["q"])[:SEARCH_LIMIT]
            names = list(found.values_list("search_name", flat=True))
        params = params | {f"n{i}": name for i, name in enumerate(names)}
        listed = ", ".join(f"%(n{i})s" for i in range(len(names))) or "NULL"
        return [SEARCH.replace("{names}", listed)], params
    return {
        "person": PERSON,
        "household": HOUSEHOLD,
        "admin": ADMIN,
        "renewals": RENEWALS,
        "export": EXPORT,
        "card": CARD,
    }[page], params


def same_rows(world, plan: dict) -> dict:
    """The baselines return the rows the pages' own code finds; the sizes of the data."""
    with scope(cooperation=world.cooperation.pk):
        for (_, params), (statements, sql_params) in zip(
            plan["search"], plan["search_sql"], strict=True
        ):
            [rows] = run_sql(statements, sql_params)
            expected = set(Person.objects.search(params["q"]).values_list("pk", flat=True)[:30])
            if {row[0] for row in rows} != expected:
                raise SystemExit(f"recherche « {params['q']} » : la référence diffère de la page")
        to_renew = membership_services.memberships_to_renew()
        expected = set(to_renew.values_list("pk", flat=True))
        [rows] = run_sql(EXPORT, plan["export_sql"][0][1])
        if {row[0] for row in rows} != expected:
            raise SystemExit("adhésions à renouveler : la référence diffère de la page")
        return {
            "people": Person.objects.count(),
            "households": Household.objects.count(),
            "links": HouseholdMember.objects.count(),
            "memberships": Membership.objects.count(),
            "renewals": len(expected),
        }


def count_queries(world, plan: dict) -> dict[str, int]:
    client = Client()
    client.force_login(world.director)
    counts = {}
    for page in PAGES:
        most = 0
        for url, _ in plan[page]:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
                if page == "export":
                    b"".join(response)
            if response.status_code != 200:
                raise SystemExit(f"{url} : {response.status_code} (client de test)")
            most = max(most, len(queries))
        counts[page] = most
    return counts


class Server:
    """gunicorn, one worker, as deploy/coope-web.service starts it (DEBUG off)."""

    def __init__(self) -> None:
        self.port = free_port()
        env = os.environ | {
            "DEBUG": "0",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_ACCESS_LOG": "",
            "GUNICORN_MAX_REQUESTS": "0",
            "GUNICORN_TIMEOUT": "300",
            "GUNICORN_LOG_LEVEL": "warning",
            "DATABASE_CONN_MAX_AGE": "60",
        }
        self.process = subprocess.Popen(  # noqa: S603 (our own server)
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "deploy/gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
        )
        for _ in range(300):
            try:
                socket_ok = HTTPConnection("127.0.0.1", self.port, timeout=2)
                socket_ok.request("GET", "/sante/")
                socket_ok.getresponse().read()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit("gunicorn ne répond pas")

    def get(self, path: str, cookie: str) -> tuple[int, float, bytes]:
        started = time.perf_counter()
        http = HTTPConnection("127.0.0.1", self.port, timeout=300)
        http.request("GET", path, headers={"Cookie": cookie})
        response = http.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        http.close()
        return response.status, elapsed, body

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def session_cookie(world) -> str:
    client = Client()
    client.force_login(world.director)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def time_pages(plan: dict, cookie: str, repeat: int) -> dict[str, list[float]]:
    server = Server()
    samples: dict[str, list[float]] = {page: [] for page in PAGES}
    try:
        for round_ in range(repeat + 1):  # the first round warms up, not counted
            for page in PAGES:
                url, _ = plan[page][round_ % len(plan[page])]
                status, elapsed, body = server.get(url, cookie)
                if status != 200:
                    raise SystemExit(f"{url} : {status} (gunicorn)\n{body[:300]!r}")
                if round_:
                    samples[page].append(elapsed)
    finally:
        server.stop()
    return samples


def time_baselines(plan: dict, repeat: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {page: [] for page in PAGES}
    for round_ in range(repeat + 1):
        for page in PAGES:
            statements, params = plan[f"{page}_sql"][round_ % len(plan[f"{page}_sql"])]
            started = time.perf_counter()
            run_sql(statements, params)
            if round_:
                samples[page].append((time.perf_counter() - started) * 1000)
    return samples


def time_search_query(world, plan: dict, repeat: int) -> dict:
    """The search's own queryset (its rows, in-process) against the exact lookup of its rows."""
    exact = []
    for statements, params in plan["search_sql"]:
        [listed] = re.findall(r"search_name IN \((.*)\)$", statements[0], re.MULTILINE)
        sql = EXACT.replace("{names}", listed)
        check_plan("search", sql, params)
        exact.append((sql, params))
    search, lookup = [], []
    with scope(cooperation=world.cooperation.pk):
        for round_ in range(repeat + 1):
            for (_, params), (sql, sql_params) in zip(plan["search"], exact, strict=True):
                started = time.perf_counter()
                found = list(Person.objects.search(params["q"])[:SEARCH_LIMIT])
                middle = time.perf_counter()
                [rows] = run_sql([sql], sql_params)
                ended = time.perf_counter()
                if len(rows) != len(found):
                    raise SystemExit(f"recherche « {params['q']} » : {len(rows)} != {len(found)}")
                if round_:
                    search.append((middle - started) * 1000)
                    lookup.append((ended - middle) * 1000)
    return {"search": summary(search), "exact": summary(lookup)}


def machine() -> str:
    if connection.vendor == "sqlite":
        import sqlite3

        version = f"SQLite {sqlite3.sqlite_version}"
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return f"{version}, Python {platform.python_version()}, {os.cpu_count()} cores, load {load}"


def run(people: int, repeat: int) -> dict:
    import coope

    if not Path(coope.__file__).is_relative_to(ROOT):  # the code of this tree, not another
        raise SystemExit(f"coope importé de {coope.__file__}, pas de {ROOT}")
    world = prepare(people)
    plan = variants(world)
    common = plan.pop("_common")
    whole_reads: set[str] = set()
    for page in PAGES:
        plan[f"{page}_sql"] = []
        for _, params in plan[page]:
            statements, sql_params = baseline(page, params | common, world)
            for sql in statements:
                if check_plan(page, sql, sql_params):
                    whole_reads.add(page)
            plan[f"{page}_sql"].append((statements, sql_params))
    rows = same_rows(world, plan)
    say(f"  données : {rows}")
    counts = count_queries(world, plan)
    say(f"  requêtes par page : {counts}")
    pages = time_pages(plan, session_cookie(world), repeat)
    base = time_baselines(plan, repeat)
    result = {"rows": rows, "machine": machine(), "pages": {}, "baselines": {}}
    result["search_query"] = time_search_query(world, plan, repeat)
    query = result["search_query"]
    say(
        f"  recherche seule (en processus) : p95 {query['search']['p95']:.2f} ms, "
        f"recherche exacte des mêmes lignes : p95 {query['exact']['p95']:.2f} ms"
    )
    for page in PAGES:
        result["pages"][page] = summary(pages[page]) | {"queries": counts[page]}
        result["baselines"][page] = summary(base[page]) | {
            "note": WHOLE_READS[page][1] if page in whole_reads else ""
        }
        figures = result["pages"][page]
        say(
            f"  {PAGES[page]:<32} médiane {figures['median']:8.1f} ms  p95 {figures['p95']:8.1f} ms"
            f"  {counts[page]:4} requêtes   SQL {result['baselines'][page]['median']:7.2f} ms"
        )
    return result
