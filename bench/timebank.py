"""TIC-TAC transfers per second with 8 concurrent clients on PostgreSQL, against a bare INSERT of
the same rows, in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/coope_bench_tb .venv/bin/python bench/timebank.py
    ... bench/timebank.py --clients 8 --transfers 400 --accounts 16

Each client is a separate process with its own connection. A "transfer" is the whole service
`transfer_time`: on PostgreSQL one call of the database function `timebank_post_transfer`
(coope/timebank/ledger_pg.py: locks both accounts in key order, idempotency lookup, closed and
limit checks with the minutes held, one transfer row and two entry rows, the two balances, one
audit row) between BEGIN and COMMIT. The same service through its Python path (the path SQLite
takes, twelve statements) is measured in the same run for comparison.
The baseline is the bare INSERT of the same three rows (one transfer, two entries) in one
transaction per transfer, into tables made `LIKE` the ledger's (same columns, indexes, unique and
check constraints; no foreign keys, no triggers), so that the ledger itself stays sound
(`coope check` passes on the bench database afterwards).

    ... bench/timebank.py --storm 30 [--processes 16] [--kill 6]
    ... bench/timebank.py --storm 20 --operations exchange=1,confirm=2 --same-pair 1

runs instead the storm of coope/timebank/tests/storm.py in a new cooperation of the bench
database: processes doing transfers, double clicks, holds, takes, releases, reversals, paper
cheques, exchange confirmations and cannery sales in hours at once. It counts the deadlocks
(those a retry of `@atomic_service` hid too), the failures a person would see as a 500, and
the operations per second; `coope check` runs after. The figure to compare is the deadlock
count, on the code before and after a change, on the same machine.
"""

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coope.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/coope_bench_tb")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_scopes import scope, scopes_disabled  # noqa: E402

from coope.core.models import Association, Cooperation  # noqa: E402
from coope.people.models import Person  # noqa: E402
from coope.timebank import services  # noqa: E402
from coope.timebank.models import Account, AccountKind, CategoryLimit  # noqa: E402

SLUG = "bench-tic-tac"


def create_database() -> None:
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        sys.exit(
            "Ce banc mesure la concurrence : il lui faut PostgreSQL (DATABASE_URL=postgres://...)."
        )
    params = {
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "password": db["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**params) as conn:
        if not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
        ).fetchone():
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def setup(accounts: int) -> tuple[int, list[int]]:
    call_command("migrate", verbosity=0)
    with scopes_disabled():
        cooperation, _ = Cooperation.objects.get_or_create(
            slug=SLUG, defaults={"name": "Banc TIC-TAC", "card_prefix": "BTT"}
        )
    with scope(cooperation=cooperation.pk):
        association, _ = Association.objects.get_or_create(
            cooperation=cooperation, name="Accorderie du banc"
        )
        # Wide limits: every transfer is checked, none is refused, so both runs write the same rows.
        CategoryLimit.objects.update_or_create(
            cooperation=cooperation,
            kind=AccountKind.MEMBER,
            defaults={"min_balance_minutes": -10_000_000, "max_balance_minutes": 10_000_000},
        )
        ids = list(
            Account.objects.filter(kind=AccountKind.MEMBER)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for i in range(len(ids), accounts):
            person = Person.objects.create(
                cooperation=cooperation, first_name=f"Client{i}", last_name="Banc"
            )
            ids.append(
                services.open_account(actor=None, person=person, registered_with=association).pk
            )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_tb_transfer (LIKE timebank_transfer INCLUDING ALL)"
        )
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_tb_entry (LIKE timebank_entry INCLUDING ALL)"
        )
        cursor.execute("TRUNCATE bench_tb_transfer, bench_tb_entry")
    return cooperation.pk, ids[:accounts]


def python_client(cooperation_id, ids, count, run, client, start_event, results):
    """`transfer_time` through its Python path (SQLite's), on the same PostgreSQL."""
    from coope.timebank import ledger_pg

    ledger_pg.enabled = lambda: False
    ledger_client(cooperation_id, ids, count, run, client, start_event, results)


def ledger_client(cooperation_id, ids, count, run, client, start_event, results):
    rng = random.Random(client)
    start_event.wait()
    latencies = []
    with scope(cooperation=cooperation_id):
        accounts = list(Account.objects.filter(pk__in=ids))
        for n in range(count):
            payer, payee = rng.sample(accounts, 2)
            began = time.perf_counter()
            services.transfer_time(
                actor=None,
                payer=payer,
                payee=payee,
                minutes=rng.randint(15, 180),
                idempotency_key=f"bench:{run}:{client}:{n}",
            )
            latencies.append(time.perf_counter() - began)
    connections.close_all()
    results.put(latencies)


def insert_client(cooperation_id, ids, count, run, client, start_event, results):
    rng = random.Random(client)
    start_event.wait()
    latencies = []
    with connection.cursor() as cursor:
        for n in range(count):
            payer, payee = rng.sample(ids, 2)
            minutes = rng.randint(15, 180)
            began = time.perf_counter()
            with transaction.atomic():
                cursor.execute(
                    "INSERT INTO bench_tb_transfer (cooperation_id, kind, amount_minutes, idempotency_key, content_hash,"
                    " memo, reason, created_at) VALUES (%s, 'transfer', %s, %s, %s, '', '', now()) RETURNING id",
                    [cooperation_id, minutes, f"bench:{run}:{client}:{n}", "0" * 64],
                )
                transfer_id = cursor.fetchone()[0]
                cursor.execute(
                    "INSERT INTO bench_tb_entry (cooperation_id, transfer_id, account_id, amount_minutes)"
                    " VALUES (%s, %s, %s, %s), (%s, %s, %s, %s)",
                    [
                        cooperation_id,
                        transfer_id,
                        payer,
                        -minutes,
                        cooperation_id,
                        transfer_id,
                        payee,
                        minutes,
                    ],
                )
            latencies.append(time.perf_counter() - began)
    connections.close_all()
    results.put(latencies)


def run_clients(target, cooperation_id, ids, clients, count, run) -> tuple[float, list[float]]:
    context = multiprocessing.get_context("fork")
    connections.close_all()  # each forked client opens its own connection
    start_event, results = context.Event(), context.Queue()
    processes = [
        context.Process(
            target=target, args=(cooperation_id, ids, count, run, c, start_event, results)
        )
        for c in range(clients)
    ]
    for process in processes:
        process.start()
    time.sleep(0.5)
    began = time.perf_counter()
    start_event.set()
    latencies = [x for _ in processes for x in results.get()]
    elapsed = time.perf_counter() - began
    for process in processes:
        process.join()
        if process.exitcode:
            sys.exit(f"un client a échoué (code {process.exitcode})")
    return clients * count / elapsed, latencies


def storm(seconds: float, processes: int, kill: int, operations: str, same_pair: float) -> None:
    from coope.conftest import World, make_cooperation, make_user
    from coope.timebank.tests.storm import prepare, run_storm

    call_command("migrate", verbosity=0)
    slug = f"orage-{int(time.time())}"
    world = World()
    with scopes_disabled():
        (world.coop, world.assoc_a, _b, world.house_a, _hb, world.period) = make_cooperation(
            slug, slug.upper()[-8:]
        )
        world.director = make_user(world.coop, f"{slug}-dir", "director", world.assoc_a)
        world.coordinator = make_user(world.coop, f"{slug}-coord", "coordinator", world.assoc_a)
    with scope(cooperation=world.coop.pk):
        plan = prepare(world)
    if operations:  # e.g. "exchange=1,confirm=2": only these, with these weights
        plan.operations = {
            name: int(weight)
            for name, weight in (part.split("=") for part in operations.split(","))
        }
    plan.same_pair = same_pair
    outcome = run_storm(plan, processes=processes, seconds=seconds, kill=kill)
    print(f"PostgreSQL, tempête sur {len(plan.members)} comptes : {outcome.summary()}")
    for error in outcome.errors[:5]:
        print("  " + error.splitlines()[0])
    with scopes_disabled():
        from coope.lib.invariants import invariants

        problems = [p for inv in invariants() for p in inv.check()]
    print("coope check : " + ("aucun problème" if not problems else f"{len(problems)} problème(s)"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--transfers", type=int, default=400, help="par client")
    parser.add_argument("--accounts", type=int, default=16)
    parser.add_argument(
        "--no-python-path", action="store_true", help="sans la mesure du chemin Python"
    )
    parser.add_argument("--storm", type=float, default=0, help="secondes de tempête")
    parser.add_argument("--processes", type=int, default=16)
    parser.add_argument("--kill", type=int, default=0, help="processus tués (SIGKILL)")
    parser.add_argument("--operations", default="", help="ex. exchange=1,confirm=2")
    parser.add_argument(
        "--same-pair", type=float, default=0.5, help="part des opérations sur A et B"
    )
    args = parser.parse_args()
    create_database()
    if args.storm:
        return storm(args.storm, args.processes, args.kill, args.operations, args.same_pair)
    cooperation_id, ids = setup(args.accounts)
    run = str(int(time.time()))
    with scope(cooperation=cooperation_id), CaptureQueriesContext(connection) as queries:
        payer, payee = Account.objects.filter(pk__in=ids[:2])
        services.transfer_time(
            actor=None, payer=payer, payee=payee, minutes=1, idempotency_key=f"bench:{run}:q"
        )
    statements = [q["sql"] for q in queries.captured_queries[1:]]  # not the accounts' lookup
    assert any("timebank_post_transfer(" in sql for sql in statements), statements
    print(
        f"PostgreSQL, {args.clients} clients x {args.transfers} virements entre {args.accounts} comptes"
    )
    # Baseline first, then the ledger, then the baseline again: the mean baseline evens out warm-up.
    base1, base_lat1 = run_clients(
        insert_client, cooperation_id, ids, args.clients, args.transfers, run + "a"
    )
    ledger, ledger_lat = run_clients(
        ledger_client, cooperation_id, ids, args.clients, args.transfers, run
    )
    if not args.no_python_path:
        python, python_lat = run_clients(
            python_client, cooperation_id, ids, args.clients, args.transfers, run + "p"
        )
    base2, base_lat2 = run_clients(
        insert_client, cooperation_id, ids, args.clients, args.transfers, run + "b"
    )
    base = (base1 + base2) / 2
    base_lat = base_lat1 + base_lat2
    print(
        f"INSERT nu des mêmes lignes : {base:.0f} virements/s "
        f"(médiane {statistics.median(base_lat) * 1000:.1f} ms)"
    )
    print(
        f"transfer_time (grand livre) : {ledger:.0f} virements/s "
        f"(médiane {statistics.median(ledger_lat) * 1000:.1f} ms)"
    )
    if not args.no_python_path:
        print(
            f"transfer_time, chemin Python (celui de SQLite) : {python:.0f} virements/s "
            f"(médiane {statistics.median(python_lat) * 1000:.1f} ms), "
            f"{python / base:.2f} fois l'INSERT nu"
        )
    print(
        f"requêtes SQL par virement du grand livre : {len(statements)} (transaction comprise), "
        "contre 4 pour l'INSERT nu"
    )
    print(
        f"rapport : le grand livre fait {ledger / base:.2f} fois le débit de l'INSERT nu (x{base / ledger:.1f} plus lent)"
    )
    with scopes_disabled():
        from coope.lib.invariants import invariants

        problems = [p for inv in invariants() for p in inv.check()]
    print("coope check : " + ("aucun problème" if not problems else f"{len(problems)} problème(s)"))


if __name__ == "__main__":
    main()
