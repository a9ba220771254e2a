"""Tracing one lot of the cannery as the number of lots grows: 1,000 → 10,000 → 100,000.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/coope_bench_cn .venv/bin/python bench/cannery_trace.py
    .venv/bin/python bench/cannery_trace.py --sizes 1000 10000     # quicker, SQLite under var/

Creates (once) a cooperation "bench-cn" and bulk-loads lots until each size is reached: every lot
has its batch, two inputs from collections (a collection feeds ten batches), and five movements
(made, moved, sold, given, returned) over two places. At each size it times, on random lots:
- tracing a lot both ways (`trace_lot`: batch, collections, producers, movements, stock) plus its
  recall statement (`recall_statement`), as the lot page and the recall PDF do;
- tracing a collection forward (`trace_collection`);
- a baseline in the same run: fetching one lot by its primary key.
Prints medians and 95th percentiles, the ratio to the baseline, and the growth from the
smallest size to the largest (flat means the trace follows indexed links, not a scan).
"""

import argparse
import datetime
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
    "DATABASE_URL", f"sqlite:///{Path(__file__).resolve().parents[1] / 'var' / 'bench_cn.sqlite3'}"
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_scopes import scope, scopes_disabled  # noqa: E402

from coope.activities.models import Activity, Session  # noqa: E402
from coope.cannery.models import (  # noqa: E402
    Batch,
    BatchInput,
    Cannery,
    Collection,
    Location,
    Lot,
    Movement,
    Producer,
    Recipe,
    SterilisationRecord,
    StockLevel,
)
from coope.cannery.services import ensure_locations  # noqa: E402
from coope.cannery.tracing import recall_statement, trace_collection, trace_lot  # noqa: E402
from coope.core.models import Association, Cooperation, House  # noqa: E402

CHUNK = 5_000
DAY = datetime.date(2018, 7, 12)


def setup_cooperation() -> Cooperation:
    cooperation, created = Cooperation.objects.get_or_create(
        slug="bench-cn", defaults={"name": "Bench conserverie", "card_prefix": "BCN"}
    )
    if created:
        association = Association.objects.create(cooperation=cooperation, name="Association bench")
        House.objects.create(
            cooperation=cooperation,
            association=association,
            name="Maison bench",
            short_name="MB",
            address="1 rue",
            postcode="26100",
            city="Romans-sur-Isère",
        )
        activity = Activity.objects.create(cooperation=cooperation, title="Conserverie")
        Cannery.objects.create(cooperation=cooperation, activity=activity)
        start = datetime.datetime(2018, 7, 12, 9, tzinfo=datetime.UTC)
        Session.objects.create(
            cooperation=cooperation,
            activity=activity,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=6),
            commune="Triors",
        )
        Recipe.objects.create(
            cooperation=cooperation,
            code="CONF",
            name="Confiture",
            jar_sizes_ml=[370],
            sterilisation_minutes=40,
            sterilisation_celsius=100,
            shelf_life_days=365,
        )
        Producer.objects.bulk_create(
            Producer(cooperation=cooperation, name=f"Ferme {n}", commune="Triors")
            for n in range(30)
        )
        ensure_locations(cooperation=cooperation)
    return cooperation


def grow(cooperation: Cooperation, target: int) -> None:
    """Bulk-load lots (with their batch, inputs, movements and stock) until there are `target`."""
    session = Session.objects.filter(cooperation=cooperation).first()
    recipe = Recipe.objects.filter(cooperation=cooperation).first()
    producers = list(Producer.objects.filter(cooperation=cooperation))
    van, shop, house = (
        Location.objects.get(cooperation=cooperation, kind=kind)
        for kind in ("van", "shop", "house")
    )
    have = Lot.objects.filter(cooperation=cooperation).count()
    while have < target:
        size = min(CHUNK, target - have)
        with transaction.atomic():
            collections = Collection.objects.bulk_create(
                Collection(
                    cooperation=cooperation,
                    producer=producers[(have + n) % len(producers)],
                    date=DAY,
                    produce="abricots",
                    weight_grams=100_000,
                    remaining_grams=100_000 - 20 * 2_000,
                )
                for n in range(0, size, 10)
            )
            batches = Batch.objects.bulk_create(
                Batch(
                    cooperation=cooperation,
                    session=session,
                    recipe=recipe,
                    code=f"B{have + n}",
                    made_on=DAY,
                    best_before=DAY + datetime.timedelta(days=365),
                    released_at=session.ends_at,
                )
                for n in range(size)
            )
            SterilisationRecord.objects.bulk_create(
                SterilisationRecord(
                    cooperation=cooperation,
                    batch=batch,
                    duration_minutes=45,
                    temperature_celsius=100,
                    operator="Bench",
                    closure_checked=True,
                )
                for batch in batches
            )
            BatchInput.objects.bulk_create(
                BatchInput(
                    cooperation=cooperation,
                    batch=batch,
                    collection=collections[(n // 10 + k) % len(collections)],
                    grams=2_000,
                )
                for n, batch in enumerate(batches)
                for k in (0, 1)
                if k == 0 or len(collections) > 1
            )
            lots = Lot.objects.bulk_create(
                Lot(
                    cooperation=cooperation,
                    batch=batch,
                    code=f"L{have + n}",
                    jar_size_ml=370,
                    jars_made=20,
                )
                for n, batch in enumerate(batches)
            )
            movements = []
            for lot in lots:
                movements += [
                    Movement(
                        cooperation=cooperation,
                        lot=lot,
                        kind="made",
                        jars=20,
                        date=DAY,
                        to_location=van,
                    ),
                    Movement(
                        cooperation=cooperation,
                        lot=lot,
                        kind="moved",
                        jars=8,
                        date=DAY,
                        from_location=van,
                        to_location=shop,
                    ),
                    Movement(
                        cooperation=cooperation,
                        lot=lot,
                        kind="sold_euros",
                        jars=5,
                        date=DAY,
                        from_location=shop,
                        price_cents=2_250,
                    ),
                    Movement(
                        cooperation=cooperation,
                        lot=lot,
                        kind="given",
                        jars=4,
                        date=DAY,
                        from_location=van,
                    ),
                    Movement(
                        cooperation=cooperation,
                        lot=lot,
                        kind="returned",
                        jars=2,
                        date=DAY,
                        from_location=van,
                        producer=producers[0],
                    ),
                ]
            Movement.objects.bulk_create(movements)
            StockLevel.objects.bulk_create(
                StockLevel(cooperation=cooperation, lot=lot, location=location, jars=jars)
                for lot in lots
                for location, jars in ((van, 6), (shop, 3), (house, 0))
            )
        have += size
        print(f"  {have} / {target} lots", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def timed(function, keys) -> list[float]:
    samples = []
    for key in keys:
        start = time.perf_counter()
        function(key)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18]


def _seq_scans(sql: str) -> list[str]:
    """PostgreSQL only: the tables this query's plan reads whole (fine for tiny ones: places, recipes)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return re.findall(r"Seq Scan on (\w+)", plan)


def server_milliseconds(queries: list[str]) -> float | None:
    """PostgreSQL only: the execution time the server reports for these queries (EXPLAIN ANALYZE),
    without the Python and network overhead that a loaded machine makes noisy."""
    if connection.vendor != "postgresql":
        return None
    total = 0.0
    with connection.cursor() as cursor:
        for sql in queries:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
            total += cursor.fetchone()[0][0]["Execution Time"]
    return total


def trace_both_ways(lot_pk: int) -> None:
    trace = trace_lot(Lot(pk=lot_pk))
    statement = recall_statement(trace.lot)
    assert (
        statement.accounted == statement.made == 20
        and len(trace.movements) == 5
        and trace.producers
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    print(f"Base : {connection.vendor}")
    with scopes_disabled():
        cooperation = setup_cooperation()
    rows = []
    rng = random.Random(5)
    for size in args.sizes:
        with scope(cooperation=cooperation.pk):
            grow(cooperation, size)
            lot_pks = list(
                Lot.objects.filter(cooperation=cooperation)
                .order_by("pk")
                .values_list("pk", flat=True)[:size]
            )
            collection_pks = list(
                Collection.objects.filter(cooperation=cooperation).values_list("pk", flat=True)
            )
            keys = [rng.choice(lot_pks) for _ in range(args.samples)]
            collections = [rng.choice(collection_pks) for _ in range(args.samples)]
            connection.queries_log.clear()  # the log is capped (9,000): an old full log captures nothing
            with CaptureQueriesContext(connection) as captured:
                trace_both_ways(keys[0])  # warm-up, and the number of queries a trace makes
            scans = sorted(
                {table for q in captured.captured_queries for table in _seq_scans(q["sql"])}
            )
            trace = timed(trace_both_ways, keys)
            server = []
            for key in keys[:50]:
                connection.queries_log.clear()
                with CaptureQueriesContext(connection) as one:
                    trace_both_ways(key)
                server.append(server_milliseconds([q["sql"] for q in one.captured_queries]))
            forward = timed(lambda pk: trace_collection(Collection(pk=pk)), collections)
            baseline = timed(lambda pk: Lot.objects.get(pk=pk), keys)
        server_median = statistics.median(server) if server[0] is not None else float("nan")
        row = (
            size,
            statistics.median(trace),
            p95(trace),
            statistics.median(forward),
            statistics.median(baseline),
            server_median,
        )
        rows.append(row)
        print(
            f"{size:>7} lots : traçage d'un lot {row[1]:.2f} ms (p95 {row[2]:.2f}, "
            f"temps serveur {row[5]:.3f} ms, {len(captured.captured_queries)} requêtes, tables lues en entier : {', '.join(scans) or 'aucune'}), d'une collecte "
            f"{row[3]:.2f} ms, lot par clé {row[4]:.2f} ms, rapport traçage / clé x{row[1] / row[4]:.1f}"
        )
    first, last = rows[0], rows[-1]
    print(
        f"croissance de {first[0]} à {last[0]} lots : traçage d'un lot x{last[1] / first[1]:.2f} "
        f"(temps serveur x{last[5] / first[5]:.2f}), "
        f"d'une collecte x{last[3] / first[3]:.2f}, lot par clé x{last[4] / first[4]:.2f}"
    )


if __name__ == "__main__":
    main()
