"""Concurrent sales of the same jars, each on its own PostgreSQL connection: stock never below zero."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django_scopes import scope

from coope.cannery import services
from coope.cannery.models import Movement, StockLevel

from .conftest import DAY

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
SELLERS = 8


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("Concurrency needs PostgreSQL (row locks): set DATABASE_URL.")


def test_eight_sellers_of_five_jars_sell_exactly_five(kit):
    lot = kit.batch(
        kit.session(), [(kit.collection(kit.producer()), 4_000)], jars={370: 5}
    ).lots.get()
    barrier = threading.Barrier(SELLERS)
    outcomes: list[str] = []

    def sell(number):
        try:
            with scope(cooperation=kit.w.coop.pk):
                barrier.wait()
                services.sell_jars_for_euros(
                    actor=None,
                    lot=lot,
                    jars=1,
                    location=kit.van,
                    price_cents=450,
                    buyer=f"Client {number}",
                    date=DAY,
                )
            outcomes.append("sold")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sell, args=(n,)) for n in range(SELLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused"] * 3 + ["sold"] * 5
    assert StockLevel.objects.get(lot=lot, location=kit.van).jars == 0
    assert Movement.objects.filter(lot=lot, kind="sold_euros").count() == 5


def test_concurrent_batches_never_take_more_than_a_collection_holds(kit):
    collection = kit.collection(kit.producer(), grams=10_000)
    session = kit.session()
    barrier = threading.Barrier(SELLERS)
    outcomes: list[str] = []

    def produce():
        try:
            with scope(cooperation=kit.w.coop.pk):
                barrier.wait()
                services.record_batch(
                    actor=None,
                    session=session,
                    recipe=kit.jam,
                    inputs=[(collection, 3_000)],
                    jars_by_size={370: 4},
                )
            outcomes.append("made")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=produce) for _ in range(SELLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    collection.refresh_from_db()
    assert sorted(outcomes) == ["made"] * 3 + ["refused"] * 5
    assert collection.remaining_grams == 1_000
    assert sorted(kit.jam.batches.values_list("code", flat=True)) == [
        "180712-CONF-1",
        "180712-CONF-2",
        "180712-CONF-3",
    ]
