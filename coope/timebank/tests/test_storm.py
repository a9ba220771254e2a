"""16 processes at once on a few TIC-TAC accounts (PostgreSQL only): transfers and double
clicks, holds, takes, releases, reversals, paper cheques, exchange confirmations and cannery
sales in hours. No deadlock at all (not even one a retry hid), nothing a person would see as a
500, and `coope check` passes after; the same when processes are killed with SIGKILL mid-storm.

The length of each storm: COOPE_STORM_SECONDS (20 by default)."""

import io
import os
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django_scopes import scope, scopes_disabled

from coope.cannery.models import Movement, StockLevel
from coope.timebank.models import Account, Entry, Transfer

from .storm import prepare, run_storm

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SECONDS = float(os.environ.get("COOPE_STORM_SECONDS", "20"))


@pytest.fixture
def plan(world):
    if connection.vendor != "postgresql":
        pytest.skip("the storm needs PostgreSQL (SQLite serialises every write)")
    with scope(cooperation=world.coop.pk):
        return prepare(world)


def checked_after_storm(world, plan) -> None:
    """`coope check` passes, and the figures it does not read agree too."""
    out = io.StringIO()
    call_command("check", stdout=out)  # raises CommandError on the first problem found
    assert "Toutes les vérifications des données sont passées." in out.getvalue()
    with scopes_disabled():
        accounts = Account.objects.filter(cooperation=world.coop)
        assert sum(accounts.values_list("balance_minutes", flat=True)) == 0
        for account in accounts:
            entries = Entry.objects.filter(account=account).values_list("amount_minutes", flat=True)
            assert sum(entries) == account.balance_minutes, account.pk
        # Every jar sold in hours left the van once, and its payment reached the shop.
        sold = Movement.objects.filter(lot_id=plan.lot, kind="sold_time")
        assert StockLevel.objects.get(lot_id=plan.lot, location_id=plan.location).jars == (
            2000 - sum(sold.values_list("jars", flat=True))
        )
        assert sold.filter(transfer__isnull=True).count() == 0


def test_a_storm_of_16_processes_makes_no_deadlock_and_no_500(plan, world):
    outcome = run_storm(plan, processes=16, seconds=SECONDS)
    print(outcome.summary())  # noqa: T201 - the figures of the run, shown with -s
    assert outcome.errors == [] and outcome.failures == 0, outcome.summary()
    assert outcome.deadlocks == 0, outcome.summary()
    # The storm was a storm: every kind of operation ran, and many went through.
    c = outcome.counts
    for name in ("transfer", "hold", "take", "release", "reversal", "cheque", "confirm", "sale"):
        assert c[f"done:{name}"] > 0, (name, outcome.summary())
    assert c["done"] > 40, outcome.summary()
    with scopes_disabled():
        assert Transfer.objects.filter(kind="reversal").exists()
    checked_after_storm(world, plan)


def test_processes_killed_mid_storm_leave_the_ledger_sound(plan, world):
    outcome = run_storm(plan, processes=16, seconds=max(8.0, SECONDS / 2), kill=6, seed=7)
    print(outcome.summary())  # noqa: T201
    assert outcome.killed == 6
    assert outcome.errors == [] and outcome.failures == 0, outcome.summary()
    assert outcome.deadlocks == 0, outcome.summary()
    assert outcome.counts["done"] > 20, outcome.summary()
    # The connections of the killed processes end, their transactions rolled back.
    for _ in range(100):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                break
        time.sleep(0.2)
    else:
        pytest.fail("the connections of the killed processes are still open")
    checked_after_storm(world, plan)


def test_paper_cheques_between_two_accounts_both_ways_make_no_deadlock(plan, world):
    """The tester's case: cheques from A to B and from B to A at once (41 deadlocks in 320)."""
    plan.operations, plan.same_pair = {"cheque": 1}, 1.0
    outcome = run_storm(plan, processes=16, seconds=max(8.0, SECONDS / 2), seed=3)
    print(outcome.summary())  # noqa: T201
    assert outcome.errors == [] and outcome.failures == 0, outcome.summary()
    assert outcome.deadlocks == 0, outcome.summary()
    assert outcome.counts["done:cheque"] > 20, outcome.summary()
    checked_after_storm(world, plan)


def test_exchanges_confirmed_both_ways_at_once_make_no_deadlock(plan, world):
    """Exchanges from A to B and from B to A confirmed at the same time (the provider then the
    receiver were locked, not in key order)."""
    plan.operations, plan.same_pair = {"exchange": 1, "confirm": 2}, 1.0
    outcome = run_storm(plan, processes=16, seconds=max(8.0, SECONDS / 2), seed=5)
    print(outcome.summary())  # noqa: T201
    assert outcome.errors == [] and outcome.failures == 0, outcome.summary()
    assert outcome.deadlocks == 0, outcome.summary()
    assert outcome.counts["done:confirm"] > 10, outcome.summary()
    checked_after_storm(world, plan)
