"""Holds with one key on two accounts, and the last guard against deadlocks (`@atomic_service`
runs the whole transaction again, then answers in French)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_scopes import scopes_disabled

from coope.lib import atomic
from coope.lib.atomic import Busy, atomic_service
from coope.timebank import services
from coope.timebank.models import Account, Hold

from .test_concurrency import run_together


def hold(tb, account, key, minutes=60):
    return services.hold_time(
        actor=None,
        payer=account,
        payee_kind="shop",
        association=tb.world.assoc_a,
        minutes=minutes,
        item=tb.world.house_a,
        idempotency_key=key,
    )


@pytest.mark.django_db
def test_a_hold_key_used_on_another_account_gets_the_clear_message(tb):
    first = hold(tb, tb.ana, "resa-1")
    assert hold(tb, tb.ana, "resa-1").pk == first.pk  # the same request again: the same hold
    with pytest.raises(ValidationError, match="existe déjà avec un autre contenu") as refused:
        hold(tb, tb.ben, "resa-1")
    assert "rien n'a été enregistré" in refused.value.messages[0]
    with pytest.raises(ValidationError, match="existe déjà avec un autre contenu"):
        hold(tb, tb.ana, "resa-1", minutes=30)
    assert Hold.objects.filter(idempotency_key="resa-1").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_hold_key_on_three_accounts_at_once_records_one_and_refuses_clearly(tb, world):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    accounts = [tb.ana, tb.ben, tb.cleo]
    outcomes = []  # "held", or the refusal
    for round_ in range(6):

        def work(index, key=f"resa-{round_}"):
            try:
                hold(tb, accounts[index], key)
                outcomes.append("held")
            except ValidationError as error:
                outcomes.append(" ".join(error.messages))

        assert run_together(3, work, world) == []  # no IntegrityError, nothing unexpected
    with scopes_disabled():
        assert Hold.objects.filter(idempotency_key__startswith="resa-").count() == 6
    assert outcomes.count("held") == 6
    assert all("existe déjà avec un autre contenu" in o for o in outcomes if o != "held")


def _crossing(tb, world, *, first_waits_for_second: threading.Barrier):
    """Two services that lock Ana and Ben in opposite orders, meeting in the middle: a real
    deadlock, which PostgreSQL breaks by failing one of them."""
    runs: dict[int, int] = {}

    @atomic_service
    def lock_both(first: Account, second: Account) -> None:
        Account.objects.select_for_update(no_key=True).get(pk=first.pk)
        runs[threading.get_ident()] = runs.get(threading.get_ident(), 0) + 1
        if runs[threading.get_ident()] == 1:  # meet on the first run only, not on a retry
            first_waits_for_second.wait(timeout=10)
        Account.objects.select_for_update(no_key=True).get(pk=second.pk)

    results: list[str] = []

    def work(index):
        pair = (tb.ana, tb.ben) if index == 0 else (tb.ben, tb.ana)
        try:
            lock_both(*pair)
            results.append("done")
        except ValidationError as error:
            results.append(" ".join(error.messages))

    errors = run_together(2, work, world)
    return results, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_deadlock_that_still_happens_is_run_again_and_goes_through(tb, world, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    monkeypatch.setattr(atomic, "STATS", atomic.Counter())
    results, errors = _crossing(tb, world, first_waits_for_second=threading.Barrier(2))
    assert errors == [] and results == ["done", "done"]
    # One deadlock at least (the retry may meet the other again before it locked its rows):
    # each one run again, and both went through.
    assert atomic.STATS["deadlock"] >= 1
    assert atomic.STATS["retries"] == atomic.STATS["deadlock"]
    assert atomic.STATS["given_up"] == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_deadlock_past_the_retries_gets_a_french_message_not_a_500(tb, world, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    monkeypatch.setattr(atomic, "STATS", atomic.Counter())
    monkeypatch.setattr(atomic, "RETRIES", 0)
    results, errors = _crossing(tb, world, first_waits_for_second=threading.Barrier(2))
    assert errors == []
    assert sorted(results) == sorted(["done", str(atomic.BUSY_MESSAGE)])
    assert atomic.STATS["given_up"] == 1


@pytest.mark.django_db
def test_busy_is_a_validation_error_with_its_code():
    error = Busy()
    assert isinstance(error, ValidationError) and error.code == "busy"
    assert "Réessayez dans un instant" in error.messages[0]
