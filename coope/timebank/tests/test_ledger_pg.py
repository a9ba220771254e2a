"""One round trip per transfer on PostgreSQL: the database function `timebank_post_transfer`
(coope/timebank/ledger_pg.py, migration 0008) takes the place of `_post`'s Python steps.

Each refusal goes through the function and is compared with the Python path on the same
database, the same accounts, the same figures: the same French sentence, nothing written.
SQLite keeps the Python path (its own test below)."""

import importlib

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from coope.core.models import AuditEntry
from coope.lib.invariants import invariants
from coope.timebank import ledger_pg, services
from coope.timebank.models import Account, Entry, Hold, Transfer

from .conftest import make_member
from .test_concurrency import run_together

postgresql_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="the database function is PostgreSQL's"
)


def function_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = 'timebank_post_transfer'")
        return cursor.fetchone()[0] == 1


def ledger_rows() -> tuple[int, int, int]:
    return Transfer.objects.count(), Entry.objects.count(), AuditEntry.objects.count()


def refusal(call, monkeypatch, *, python: bool) -> tuple[str, str]:
    """The message of a refused `call()` through the function or through the Python path, and
    the SQL it ran (nothing written either way)."""
    before = ledger_rows()
    with monkeypatch.context() as patch:
        if python:
            patch.setattr(ledger_pg, "enabled", lambda: False)
        with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationError) as e:
            call()
    assert ledger_rows() == before
    return " ".join(e.value.messages), " ".join(q["sql"] for q in queries.captured_queries)


def same_refusal(call, monkeypatch) -> str:
    through_function, sql = refusal(call, monkeypatch, python=False)
    in_python, python_sql = refusal(call, monkeypatch, python=True)
    assert "timebank_post_transfer" in sql and "timebank_post_transfer" not in python_sql
    assert through_function == in_python
    return through_function


def transfer(tb, payer, payee, minutes, key, **kwargs):
    return services.transfer_time(
        actor=kwargs.pop("actor", None),
        payer=payer,
        payee=payee,
        minutes=minutes,
        idempotency_key=key,
        **kwargs,
    )


@postgresql_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_transfer_is_one_statement_that_writes_every_row(tb, world):
    assert ledger_pg.enabled()
    ana, ben = Account.objects.get(pk=tb.ana.pk), Account.objects.get(pk=tb.ben.pk)
    with CaptureQueriesContext(connection) as queries:  # outside any transaction
        done = transfer(tb, ana, ben, 90, "one-trip", actor=world.director, memo="Jardin")
    sql = [q["sql"] for q in queries.captured_queries]
    # The function's statement is the transaction: no BEGIN, no COMMIT waiting on the locks.
    assert len(sql) == 1, sql
    assert sql[0].startswith("SELECT") and "timebank_post_transfer(" in sql[0]
    # The returned transfer is the row stored, and the accounts carry their new balances.
    assert done.pk is not None and not done._state.adding
    stored = Transfer.objects.get(pk=done.pk)
    assert (stored.amount_minutes, stored.memo, stored.kind) == (90, "Jardin", "transfer")
    assert stored.created_by_id == world.director.pk and stored.created_at == done.created_at
    assert sorted(stored.entries.values_list("account_id", "amount_minutes")) == sorted(
        [(ana.pk, -90), (ben.pk, 90)]
    )
    assert (ana.balance_minutes, ben.balance_minutes) == (900 - 90, 900 + 90)
    assert Account.objects.get(pk=ana.pk).balance_minutes == 810
    assert Account.objects.get(pk=ben.pk).balance_minutes == 990
    entry = AuditEntry.objects.get(model="timebank.transfer", object_id=str(done.pk))
    assert (entry.action, entry.actor_id, entry.cooperation_id) == (
        "timebank_transfer",
        world.director.pk,
        world.coop.pk,
    )
    assert entry.object_repr == f"Virement n°{done.pk} (1 h 30)" == str(stored)
    assert entry.changes == {
        "legs": {str(ana.pk): -90, str(ben.pk): 90},
        "key": "one-trip",
        "memo": "Jardin",
        "reason": "",
    }
    with scopes_disabled():
        assert [p for inv in invariants() for p in inv.check()] == []


@postgresql_only
@pytest.mark.django_db
def test_the_function_and_the_python_path_write_the_same_rows(tb, world, monkeypatch):
    """A payment with an item, through each path: the same transfer, entries and audit values."""
    rows = []
    for key, python in (("by-function", False), ("in-python", True)):
        with monkeypatch.context() as patch:
            if python:
                patch.setattr(ledger_pg, "enabled", lambda: False)
            paid = services.pay_in_time(
                actor=world.director,
                payer=tb.ana,
                payee_kind="shop",
                association=world.assoc_a,
                minutes=45,
                item=world.house_a,
                idempotency_key=key,
            )
        stored = Transfer.objects.get(pk=paid.pk)
        entry = AuditEntry.objects.get(model="timebank.transfer", object_id=str(paid.pk))
        rows.append(
            (
                [
                    (f, getattr(stored, f))
                    for f in ("kind", "amount_minutes", "memo", "item_type_id", "item_id")
                ],
                list(stored.entries.order_by("pk").values_list("account_id", "amount_minutes")),
                (entry.action, entry.actor_id, entry.object_repr.replace(f"n°{paid.pk} ", "n°# ")),
                {**entry.changes, "key": "?"},
            )
        )
    assert rows[0] == rows[1]
    assert Account.objects.get(pk=tb.ana.pk).balance_minutes == 900 - 90


@postgresql_only
@pytest.mark.django_db
def test_a_closed_account_is_refused_by_the_function_in_the_same_words(tb, world, monkeypatch):
    services.close_account(actor=world.director, account=tb.cleo, reason="Déménagement")
    message = same_refusal(lambda: transfer(tb, tb.ana, tb.cleo, 30, "to-closed"), monkeypatch)
    assert message == ("Le compte de Cléo Test est fermé : il ne peut plus rien recevoir ni payer.")


@postgresql_only
@pytest.mark.django_db
def test_a_balance_past_the_lower_limit_with_minutes_held_is_refused_alike(tb, world, monkeypatch):
    services.set_account_limits(
        actor=None, account=tb.ana, min_balance_minutes=-90, max_balance_minutes=None, reason="t"
    )
    services.hold_time(
        actor=None,
        payer=tb.ana,
        payee_kind="shop",
        association=world.assoc_a,
        minutes=60,
        item=world.house_a,
        idempotency_key="held",
    )
    # 15 h - 16 h = -1 h, above -1 h 30 alone, below it with the hour held.
    message = same_refusal(lambda: transfer(tb, tb.ana, tb.ben, 16 * 60, "low"), monkeypatch)
    assert message == (
        "Solde insuffisant pour Ana Test : après ce virement il serait de -1 h "
        "(avec 1 h réservées), sous sa limite de -1 h 30. Rien n'a été enregistré."
    )
    # Without the hold the same transfer goes through the function.
    hold = Hold.objects.get(idempotency_key="held")
    services.release_hold(actor=None, hold=hold)
    assert transfer(tb, tb.ana, tb.ben, 16 * 60, "low").amount_minutes == 16 * 60


@postgresql_only
@pytest.mark.django_db
def test_a_balance_past_the_upper_limit_is_refused_alike(tb, world, monkeypatch):
    services.set_category_limits(
        actor=None,
        cooperation=world.coop,
        kind="member",
        min_balance_minutes=-600,
        max_balance_minutes=1000,
    )
    message = same_refusal(lambda: transfer(tb, tb.ana, tb.ben, 120, "high"), monkeypatch)
    assert message == (
        "Ben Test dépasserait sa limite haute de 16 h 40 (solde après : 17 h). "
        "Rien n'a été enregistré."
    )
    # The account's own limit wins over its category's.
    services.set_account_limits(
        actor=None, account=tb.ben, min_balance_minutes=None, max_balance_minutes=1100, reason="t"
    )
    assert transfer(tb, tb.ana, tb.ben, 120, "high").pk


@postgresql_only
@pytest.mark.django_db
def test_a_replay_returns_the_first_transfer_and_other_content_is_refused(tb, world, monkeypatch):
    first = transfer(tb, tb.ana, tb.ben, 30, "twice")
    rows = ledger_rows()
    with CaptureQueriesContext(connection) as queries:
        again = transfer(tb, tb.ana, tb.ben, 30, "twice")
    assert again.pk == first.pk and ledger_rows() == rows
    calls = [q for q in queries.captured_queries if "timebank_post_transfer" in q["sql"]]
    assert len(calls) == 1
    message = same_refusal(lambda: transfer(tb, tb.ana, tb.ben, 45, "twice"), monkeypatch)
    assert message == (
        f"Cette opération (clé twice) a déjà été enregistrée avec un autre contenu "
        f"(virement n°{first.pk}) : rien n'a été enregistré. Rechargez la page avant de "
        "recommencer."
    )
    assert Account.objects.get(pk=tb.ana.pk).balance_minutes == 900 - 30


@postgresql_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_key_sent_at_once_records_once(tb, world):
    """Six requests with one key at once: three the same transfer (a double click), three of
    the same key between two other accounts (no lock in common: the second insert meets the
    key). One transfer; the same ones get it, the others the clear refusal, never an
    IntegrityError."""
    dan = services.open_account(actor=None, person=make_member(world, "Dan"))
    for round_ in range(4):
        key = f"together-{round_}"
        outcomes: list = [None] * 6

        def work(index, key=key, outcomes=outcomes):
            payer, payee = (tb.ana, tb.ben) if index < 3 else (tb.cleo, dan)
            try:
                outcomes[index] = transfer(tb, payer, payee, 20, key).pk
            except ValidationError as error:
                outcomes[index] = " ".join(error.messages)

        assert run_together(6, work, world) == []
        recorded = Transfer.objects.get(idempotency_key=key)
        mine = recorded.entries.filter(account=tb.ana, amount_minutes=-20).exists()
        winners, losers = (outcomes[:3], outcomes[3:]) if mine else (outcomes[3:], outcomes[:3])
        assert winners == [recorded.pk] * 3
        assert all(isinstance(o, str) and "autre contenu" in o for o in losers), losers
    with scopes_disabled():
        assert [p for inv in invariants() for p in inv.check()] == []


@postgresql_only
@pytest.mark.django_db
def test_the_migration_creates_the_function_and_its_reverse_drops_it():
    migration = importlib.import_module("coope.timebank.migrations.0008_post_transfer_function")
    assert function_exists()
    with connection.schema_editor() as editor:
        migration.drop_function(None, editor)
        assert not function_exists()
        migration.create_function(None, editor)
    assert function_exists()


@pytest.mark.django_db
def test_sqlite_keeps_the_python_path(tb):
    if connection.vendor != "sqlite":
        pytest.skip("the Python path on SQLite")
    assert not ledger_pg.enabled()
    with CaptureQueriesContext(connection) as queries:
        transfer(tb, tb.ana, tb.ben, 30, "sqlite")
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "timebank_post_transfer" not in sql and "INSERT" in sql


@postgresql_only
@pytest.mark.django_db
def test_a_payment_reads_its_two_accounts_then_calls_the_function(tb, world):
    """`pay_in_time` for a person: their account, the programme's account (no savepoint once
    it exists), the function; no category limits, holds or content types read apart."""
    pay = dict(
        actor=world.director,
        payer=tb.ana_person,
        payee_kind="shop",
        association=world.assoc_a,
        minutes=30,
        item=world.house_a,
    )
    services.pay_in_time(**pay, idempotency_key="opens-the-shop")
    with CaptureQueriesContext(connection) as queries:
        paid = services.pay_in_time(**pay, idempotency_key="second")
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"].upper()]
    assert len(statements) == 3, statements
    assert '"timebank_account"' in statements[0] and '"timebank_account"' in statements[1]
    assert "timebank_post_transfer(" in statements[2]
    assert len(queries.captured_queries) == 5  # and the service's own savepoint, released
    assert Transfer.objects.get(pk=paid.pk).item_id == world.house_a.pk


@postgresql_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_inside_a_callers_transaction_the_transfer_joins_it(tb, world):
    """Called in an open transaction, the service cannot commit alone: it takes a savepoint in
    the caller's transaction, and a rollback of the caller takes the transfer back."""
    ana, ben = Account.objects.get(pk=tb.ana.pk), Account.objects.get(pk=tb.ben.pk)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        transfer(tb, ana, ben, 30, "inside", actor=world.director)
        transaction.set_rollback(True)
    sql = [q["sql"] for q in queries.captured_queries]
    assert any(q.startswith("SAVEPOINT") for q in sql), sql
    assert sum("timebank_post_transfer(" in q for q in sql) == 1, sql
    assert not Transfer.objects.filter(idempotency_key="inside").exists()
    assert Account.objects.get(pk=ana.pk).balance_minutes == 900
