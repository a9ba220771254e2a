"""Many concurrent transfers from separate connections on the same accounts (PostgreSQL only).

Each thread has its own database connection (Django gives one per thread) and commits its own
transactions; double clicks are simulated by threads sending the same idempotency key."""

import random
import threading
from collections import defaultdict

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django_scopes import scope, scopes_disabled

from coope.lib.invariants import invariants
from coope.timebank import services
from coope.timebank.models import Account, Entry, Transfer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 12
TRANSFERS_PER_THREAD = 25


def run_together(count, work, world) -> list[str]:
    """Run work(index) in `count` threads started at once, each with its own connection; the errors."""
    barrier, errors = threading.Barrier(count), []

    def run(index):
        try:
            with scope(cooperation=world.coop.pk):
                barrier.wait()
                work(index)
        except Exception as error:  # noqa: BLE001 - returned to the test
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.fixture
def on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency tests need PostgreSQL (SQLite serialises every write)")


def test_concurrent_transfers_keep_every_guarantee(on_postgresql, tb, world):
    accounts = [tb.ana, tb.ben, tb.cleo]
    for account in accounts:  # tight limits so that many transfers hit them
        services.set_account_limits(
            actor=None,
            account=account,
            min_balance_minutes=-120,
            max_balance_minutes=1200,
            reason="test",
        )
    outcomes = defaultdict(list)

    def work(index):
        # Threads in pairs send the same transfers with the same keys: the second is a double click.
        rng = random.Random(index // 2)
        for n in range(TRANSFERS_PER_THREAD):
            payer, payee = rng.sample(accounts, 2)
            key, minutes = f"t{index // 2}-{n}", rng.randint(30, 300)
            try:
                transfer = services.transfer_time(
                    actor=None, payer=payer, payee=payee, minutes=minutes, idempotency_key=key
                )
                outcomes[key].append(transfer.pk)
            except ValidationError as error:
                outcomes[key].append(" ".join(error.messages))

    assert run_together(THREADS, work, world) == []

    # No transfer recorded twice: each key gave one transfer, and both clicks saw the same one.
    assert Transfer.objects.filter(kind="transfer").count() == len(
        [k for k, results in outcomes.items() if any(isinstance(r, int) for r in results)]
    )
    for key, results in outcomes.items():
        ids = {r for r in results if isinstance(r, int)}
        assert len(ids) <= 1, key
        assert not any("autre contenu" in str(r) for r in results), (
            key
        )  # both clicks sent the same content
    recorded = Transfer.objects.filter(kind="transfer").count()
    refused = sum(1 for results in outcomes.values() for r in results if isinstance(r, str))
    assert recorded > 20 and refused > 0  # the limits were really tested

    # No balance ever passed its limit: replay each account's entries in the order they were written.
    for account in accounts:
        running = 0
        for amount in (
            Entry.objects.filter(account=account)
            .order_by("pk")
            .values_list("amount_minutes", flat=True)
        ):
            running += amount
            assert -120 <= running <= 1200
        assert running == Account.objects.get(pk=account.pk).balance_minutes

    with scopes_disabled():
        assert (
            sum(
                Account.objects.filter(cooperation=world.coop).values_list(
                    "balance_minutes", flat=True
                )
            )
            == 0
        )
        assert [p for inv in invariants() for p in inv.check()] == []


def test_concurrent_reversals_of_one_transfer_record_one_and_tell_once(on_postgresql, tb, world):
    from coope.timebank.models import Notice

    transfer = services.transfer_time(
        actor=None, payer=tb.ana, payee=tb.ben, minutes=60, idempotency_key="r"
    )
    outcomes = []

    def work(index):
        try:
            reversal = services.reverse_transfer(
                actor=None,
                transfer=transfer,
                reason="Double clic",
                idempotency_key=f"reversal:{transfer.pk}",
            )
            outcomes.append(reversal.pk)
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))

    assert run_together(6, work, world) == []
    assert len(set(outcomes)) == 1 and isinstance(
        outcomes[0], int
    )  # every click saw the same reversal
    assert Transfer.objects.filter(kind="reversal").count() == 1
    assert Notice.objects.count() == 2  # Ana and Ben, once each
    assert Account.objects.get(pk=tb.ana.pk).balance_minutes == 900
