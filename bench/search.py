"""Front-desk search among 100,000 people, against a plain indexed query, in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/coope_bench .venv/bin/python bench/search.py
    .venv/bin/python bench/search.py --people 20000      # quicker, SQLite under var/

Creates (once) a cooperation "bench" with N synthetic people, then times:
- the front-desk search (part of a name, accents and case ignored, first 30 results);
- a plain indexed query on the same table (exact match on the indexed name column).
Prints median and 95th percentile of each, and their ratio.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coope.settings")
os.environ.setdefault(
    "DATABASE_URL", f"sqlite:///{Path(__file__).resolve().parents[1] / 'var' / 'bench.sqlite3'}"
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django_scopes import scope, scopes_disabled  # noqa: E402

from coope.core.demo.data import FIRST_NAMES_F, FIRST_NAMES_M, LAST_NAMES  # noqa: E402
from coope.core.models import Cooperation  # noqa: E402
from coope.lib.text import normalize  # noqa: E402
from coope.people.models import Person  # noqa: E402

QUERIES = [
    "elod",
    "dupon",
    "martin",
    "khadi",
    "gerard ber",
    "yilm",
    "traore",
    "fontaine",
    "ahmed",
    "zoe",
    "nguy",
    "chab",
    "lucie m",
    "samir",
    "ferrei",
    "oztu",
]


def populate(count: int) -> Cooperation:
    with scopes_disabled():
        cooperation, _ = Cooperation.objects.get_or_create(
            slug="bench", defaults={"name": "Bench", "card_prefix": "BEN"}
        )
        existing = Person.objects.filter(cooperation=cooperation).count()
        rng = random.Random(1)
        batch = []
        for i in range(existing, count):
            first = rng.choice(FIRST_NAMES_F + FIRST_NAMES_M)
            last = f"{rng.choice(LAST_NAMES)}{'' if i % 3 else rng.choice(['', '-' + rng.choice(LAST_NAMES)])}"
            batch.append(
                Person(
                    cooperation=cooperation,
                    first_name=first,
                    last_name=last,
                    search_name=normalize(f"{first} {last}"),
                )
            )
            if len(batch) == 5000:
                Person.objects.bulk_create(batch)
                batch = []
                print(f"  {i + 1} / {count} personnes créées", flush=True)
        Person.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE people_person")
    return cooperation


def timed(function, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    print(f"Base : {connection.vendor}; {args.people} personnes")
    cooperation = populate(args.people)
    with scope(cooperation=cooperation.pk):
        names = list(Person.objects.values_list("search_name", flat=True)[: len(QUERIES)])
        search, plain = [], []
        for _ in range(args.repeat):
            for query, exact in zip(QUERIES, names, strict=True):
                search += timed(lambda q=query: list(Person.objects.search(q)[:30]), 1)
                plain += timed(lambda n=exact: list(Person.objects.filter(search_name=n)[:30]), 1)
    s_med, s_p95 = statistics.median(search), p95(search)
    b_med, b_p95 = statistics.median(plain), p95(plain)
    print(f"recherche de l'accueil : médiane {s_med:.2f} ms, p95 {s_p95:.2f} ms")
    print(f"requête indexée simple : médiane {b_med:.2f} ms, p95 {b_p95:.2f} ms")
    print(f"rapport : médiane x{s_med / b_med:.1f}, p95 x{s_p95 / b_p95:.1f}")


if __name__ == "__main__":
    main()
