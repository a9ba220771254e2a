"""The ledger: balanced transfers, limits, idempotency, append-only rows, reversals, holds."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from coope.activities.models import Activity
from coope.core.models import AuditEntry
from coope.lib.invariants import invariants
from coope.timebank import services
from coope.timebank.models import (
    Account,
    AccountKind,
    Entry,
    Exchange,
    Hold,
    Notice,
    Transfer,
    TransferKind,
)


def problems():
    from django_scopes import scopes_disabled

    with scopes_disabled():
        return [p for inv in invariants() for p in inv.check()]


def balance(account):
    return Account.objects.get(pk=account.pk).balance_minutes


def test_opening_pays_the_start_credit_from_issuance(tb):
    assert balance(tb.ana) == 900
    issuance = Account.objects.get(kind=AccountKind.ISSUANCE)
    assert issuance.balance_minutes == -3 * 900
    assert Transfer.objects.filter(kind=TransferKind.START_CREDIT).count() == 3
    assert problems() == []


def test_opening_needs_a_membership_or_an_association(tb, world):
    from coope.people.models import Person

    person = Person.objects.create(cooperation=world.coop, first_name="Sans", last_name="Carte")
    with pytest.raises(ValidationError, match="pas d'adhésion valable"):
        services.open_account(actor=None, person=person)
    account = services.open_account(actor=None, person=person, registered_with=world.assoc_b)
    assert account.balance_minutes == 900
    with pytest.raises(ValidationError, match="déjà un compte"):
        services.open_account(actor=None, person=person, registered_with=world.assoc_b)


def test_a_transfer_moves_minutes_and_is_audited(tb, world):
    transfer = services.transfer_time(
        actor=world.director,
        payer=tb.ana_person,
        payee=tb.ben,
        minutes=90,
        idempotency_key="k1",
        memo="Cours de guitare",
    )
    assert (balance(tb.ana), balance(tb.ben)) == (810, 990)
    assert sorted(transfer.entries.values_list("amount_minutes", flat=True)) == [-90, 90]
    assert AuditEntry.objects.filter(
        action="timebank_transfer", object_id=str(transfer.pk)
    ).exists()
    assert problems() == []


def test_a_replayed_key_records_once_and_a_different_content_is_refused(tb, world):
    first = services.transfer_time(
        actor=None, payer=tb.ana, payee=tb.ben, minutes=60, idempotency_key="same"
    )
    again = services.transfer_time(
        actor=None, payer=tb.ana, payee=tb.ben, minutes=60, idempotency_key="same"
    )
    assert again.pk == first.pk
    assert balance(tb.ana) == 840
    with pytest.raises(ValidationError, match="autre contenu"):
        services.transfer_time(
            actor=None, payer=tb.ana, payee=tb.ben, minutes=61, idempotency_key="same"
        )
    assert Transfer.objects.filter(idempotency_key="same").count() == 1
    assert balance(tb.ana) == 840


def nothing_written(tb, call, match):
    before = (
        Transfer.objects.count(),
        Entry.objects.count(),
        balance(tb.ana),
        balance(tb.ben),
        AuditEntry.objects.count(),
    )
    with pytest.raises(ValidationError, match=match):
        call()
    assert (
        Transfer.objects.count(),
        Entry.objects.count(),
        balance(tb.ana),
        balance(tb.ben),
        AuditEntry.objects.count(),
    ) == before


@pytest.mark.parametrize("minutes", [0, -30, 1.5, True])
def test_zero_negative_or_non_whole_amounts_are_refused(tb, minutes):
    nothing_written(
        tb,
        lambda: services.transfer_time(
            actor=None, payer=tb.ana, payee=tb.ben, minutes=minutes, idempotency_key="bad"
        ),
        "plus grand que zéro",
    )


def test_a_transfer_to_oneself_is_refused(tb):
    nothing_written(
        tb,
        lambda: services.transfer_time(
            actor=None, payer=tb.ana, payee=tb.ana, minutes=30, idempotency_key="self"
        ),
        "lui-même",
    )


def test_a_closed_account_is_refused(tb, world):
    services.close_account(actor=world.director, account=tb.cleo, reason="Déménagement")
    assert balance(tb.cleo) == 0
    nothing_written(
        tb,
        lambda: services.transfer_time(
            actor=None, payer=tb.ana, payee=tb.cleo, minutes=30, idempotency_key="closed"
        ),
        "fermé",
    )
    assert problems() == []


def test_another_cooperations_account_is_refused(tb):
    nothing_written(
        tb,
        lambda: services.transfer_time(
            actor=None, payer=tb.ana, payee=tb.other, minutes=30, idempotency_key="cross"
        ),
        "autre coopération",
    )


def test_an_amount_past_the_limit_is_refused(tb):
    # Members may go down to -20 h: Ana has 15 h, so 35 h 01 is too much.
    nothing_written(
        tb,
        lambda: services.transfer_time(
            actor=None, payer=tb.ana, payee=tb.ben, minutes=35 * 60 + 1, idempotency_key="big"
        ),
        "Solde insuffisant",
    )
    services.transfer_time(
        actor=None, payer=tb.ana, payee=tb.ben, minutes=35 * 60, idempotency_key="ok"
    )
    assert balance(tb.ana) == -20 * 60


def test_the_upper_limit_and_an_override_logged_with_its_reason(tb, world):
    services.set_account_limits(
        actor=world.director,
        account=tb.ben,
        min_balance_minutes=None,
        max_balance_minutes=1000,
        reason="Plafond demandé par Ben",
    )
    entry = AuditEntry.objects.get(action="timebank_set_limits")
    assert entry.actor == world.director
    assert entry.changes["reason"] == "Plafond demandé par Ben"
    assert entry.changes["max_balance_minutes"] == [None, 1000]
    nothing_written(
        tb,
        lambda: services.transfer_time(
            actor=None, payer=tb.ana, payee=tb.ben, minutes=101, idempotency_key="up"
        ),
        "limite haute",
    )
    with pytest.raises(ValidationError, match="motif"):
        services.set_account_limits(
            actor=world.director,
            account=tb.ben,
            min_balance_minutes=None,
            max_balance_minutes=None,
            reason=" ",
        )
    with pytest.raises(ValidationError, match="déjà au-dessus"):
        services.set_account_limits(
            actor=world.director,
            account=tb.ben,
            min_balance_minutes=None,
            max_balance_minutes=600,
            reason="trop bas",
        )


def test_ledger_rows_cannot_be_updated_or_deleted_in_code(tb):
    transfer = services.transfer_time(
        actor=None, payer=tb.ana, payee=tb.ben, minutes=30, idempotency_key="x"
    )
    entry = transfer.entries.first()
    entry.amount_minutes = 999
    for call in (
        entry.save,
        entry.delete,
        transfer.save,
        transfer.delete,
        lambda: Entry.objects.filter(pk=entry.pk).update(amount_minutes=1),
        lambda: Entry.objects.all().delete(),
        lambda: Transfer.objects.update(memo="x"),
    ):
        with pytest.raises(ValidationError, match="ne se modifie pas"):
            call()
    assert Entry.objects.get(pk=entry.pk).amount_minutes in (30, -30)


@pytest.mark.postgres
def test_the_database_refuses_updates_and_deletes_on_postgresql(tb):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    from django.db import DatabaseError, transaction

    transfer = services.transfer_time(
        actor=None, payer=tb.ana, payee=tb.ben, minutes=30, idempotency_key="x"
    )
    for sql in (
        "UPDATE timebank_entry SET amount_minutes = 1 WHERE transfer_id = %s",
        "DELETE FROM timebank_entry WHERE transfer_id = %s",
        "UPDATE timebank_transfer SET memo = 'x' WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(sql, [transfer.pk])


def test_a_reversal_negates_the_transfer_and_tells_both_people(tb, world):
    transfer = services.transfer_time(
        actor=None, payer=tb.ana, payee=tb.ben, minutes=120, idempotency_key="r"
    )
    reversal = services.reverse_transfer(
        actor=world.director, transfer=transfer, reason="Saisie en double"
    )
    assert (balance(tb.ana), balance(tb.ben)) == (900, 900)
    assert (
        reversal.reverses == transfer
        and Transfer.objects.get(pk=transfer.pk).reversed_by == reversal
    )
    assert set(Notice.objects.values_list("person__first_name", flat=True)) == {"Ana", "Ben"}
    assert "Saisie en double" in Notice.objects.first().message
    assert problems() == []


def test_reversal_refusals(tb, world, time_machine):
    transfer = services.transfer_time(
        actor=None, payer=tb.ana, payee=tb.ben, minutes=60, idempotency_key="r"
    )
    nothing_written(
        tb, lambda: services.reverse_transfer(actor=None, transfer=transfer, reason=""), "motif"
    )
    reversal = services.reverse_transfer(actor=None, transfer=transfer, reason="Erreur")
    nothing_written(
        tb,
        lambda: services.reverse_transfer(actor=None, transfer=reversal, reason="x"),
        "Une annulation ne s'annule pas",
    )
    nothing_written(
        tb,
        lambda: services.reverse_transfer(actor=None, transfer=transfer, reason="x"),
        "déjà été annulé",
    )
    old = services.transfer_time(
        actor=None, payer=tb.ana, payee=tb.ben, minutes=60, idempotency_key="old"
    )
    time_machine.shift(datetime.timedelta(days=61))
    nothing_written(
        tb,
        lambda: services.reverse_transfer(actor=None, transfer=old, reason="Trop tard"),
        "plus de 60 jours",
    )


def test_a_reversal_that_would_break_a_limit_is_refused(tb):
    transfer = services.transfer_time(
        actor=None, payer=tb.ana, payee=tb.ben, minutes=600, idempotency_key="a"
    )
    services.transfer_time(
        actor=None, payer=tb.ben, payee=tb.cleo, minutes=1500 + 1200, idempotency_key="b"
    )
    nothing_written(
        tb,
        lambda: services.reverse_transfer(actor=None, transfer=transfer, reason="x"),
        "Solde insuffisant",
    )


def test_pay_in_time_for_a_thing_with_holds(tb, world):
    activity = Activity.objects.create(cooperation=world.coop, title="Prêt de vélo")
    transfer = services.pay_in_time(
        actor=None,
        payer=tb.ana_person,
        payee_kind="bikes",
        association=world.assoc_a,
        minutes=60,
        item=activity,
        idempotency_key="bike-1",
    )
    assert transfer.item == activity and transfer.kind == TransferKind.PAYMENT
    bikes = Account.objects.get(kind="bikes", association=world.assoc_a)
    assert bikes.balance_minutes == 60
    shop = services.pay_in_time(
        actor=None,
        payer=tb.ana_person,
        payee_kind="shop",
        association=world.assoc_a,
        minutes=30,
        item=activity,
        idempotency_key="jar-1",
    )
    assert shop.entries.get(amount_minutes=30).account.kind == "shop"

    hold = services.hold_time(
        actor=None,
        payer=tb.ben_person,
        payee_kind="carpool",
        association=world.assoc_b,
        minutes=2000,
        item=activity,
        idempotency_key="seat-1",
    )
    assert (
        services.hold_time(
            actor=None,
            payer=tb.ben_person,
            payee_kind="carpool",
            association=world.assoc_b,
            minutes=2000,
            item=activity,
            idempotency_key="seat-1",
        )
        == hold
    )
    # Ben has 15 h; 33 h 20 are reserved: he can spend only down to -20 h counting the reservation.
    with pytest.raises(ValidationError, match="réservées"):
        services.transfer_time(
            actor=None, payer=tb.ben, payee=tb.ana, minutes=200, idempotency_key="y"
        )
    taken = services.take_hold(actor=None, hold=hold)
    assert services.take_hold(actor=None, hold=hold) == taken
    assert balance(tb.ben) == 900 - 2000
    with pytest.raises(ValidationError, match="prélevé"):
        services.release_hold(actor=None, hold=hold)
    other = services.hold_time(
        actor=None,
        payer=tb.cleo_person,
        payee_kind="carpool",
        association=world.assoc_b,
        minutes=60,
        item=activity,
        idempotency_key="seat-2",
    )
    services.release_hold(actor=None, hold=other)
    services.release_hold(actor=None, hold=other)
    assert Hold.objects.get(pk=other.pk).status == "released" and balance(tb.cleo) == 900
    with pytest.raises(ValidationError, match="On ne paie pas"):
        services.pay_in_time(
            actor=None,
            payer=tb.ana_person,
            payee_kind="issuance",
            association=world.assoc_a,
            minutes=5,
            item=activity,
            idempotency_key="z",
        )
    assert problems() == []


def test_exchanges_confirmed_refused_automatic_and_paper_cheques(tb, world, time_machine):
    exchange = services.record_exchange(
        actor=None,
        provider=tb.ana,
        receiver=tb.ben,
        minutes=90,
        category=tb.garden,
        description="Taille de haie",
        performed_on=datetime.date(2018, 3, 1),
        idempotency_key="e1",
    )
    assert balance(tb.ana) == 900  # nothing moves before confirmation
    services.confirm_exchange(actor=None, exchange=exchange)
    services.confirm_exchange(actor=None, exchange=exchange)
    assert (balance(tb.ana), balance(tb.ben)) == (990, 810)
    refused = services.record_exchange(
        actor=None,
        provider=tb.ana,
        receiver=tb.ben,
        minutes=30,
        category=tb.garden,
        description="Arrosage",
        performed_on=datetime.date(2018, 3, 1),
        idempotency_key="e2",
    )
    services.refuse_exchange(actor=None, exchange=refused)
    with pytest.raises(ValidationError, match="refusé"):
        services.confirm_exchange(actor=None, exchange=refused)
    late = services.record_exchange(
        actor=None,
        provider=tb.cleo,
        receiver=tb.ben,
        minutes=45,
        category=tb.computing,
        description="Installation imprimante",
        performed_on=datetime.date(2018, 3, 1),
        idempotency_key="e3",
    )
    assert services.confirm_due_exchanges(cooperation=world.coop) == (0, [])
    time_machine.shift(datetime.timedelta(days=8))
    assert services.confirm_due_exchanges(cooperation=world.coop) == (1, [])
    assert Exchange.objects.get(pk=late.pk).status == "confirmed"

    cheque = services.enter_paper_cheque(
        actor=world.coordinator,
        provider=tb.ben_person,
        receiver=tb.cleo_person,
        minutes=60,
        category=tb.garden,
        description="Potager",
        performed_on=datetime.date(2018, 3, 2),
        cheque_number="A-17",
    )
    assert cheque.status == "confirmed" and cheque.transfer.created_by == world.coordinator
    assert (
        services.enter_paper_cheque(
            actor=world.coordinator,
            provider=tb.ben_person,
            receiver=tb.cleo_person,
            minutes=60,
            category=tb.garden,
            description="Potager",
            performed_on=datetime.date(2018, 3, 2),
            cheque_number="A-17",
        ).pk
        == cheque.pk
    )
    with pytest.raises(ValidationError, match="déjà été enregistré avec un autre contenu"):
        services.enter_paper_cheque(
            actor=world.coordinator,
            provider=tb.ana_person,
            receiver=tb.cleo_person,
            minutes=60,
            category=tb.garden,
            description="Potager",
            performed_on=datetime.date(2018, 3, 2),
            cheque_number="A-17",
        )

    from coope.activities.models import Session

    workshop = Activity.objects.create(
        cooperation=world.coop, title="Atelier smartphone", price_kind="time"
    )
    start = datetime.datetime(2018, 3, 3, 14, tzinfo=datetime.UTC)
    session = Session.objects.create(
        cooperation=world.coop,
        activity=workshop,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
    )
    group = services.record_group_exchange(
        actor=None,
        provider=tb.ana,
        receivers=[tb.ben, tb.cleo],
        minutes_each=30,
        category=tb.computing,
        description="Atelier smartphone",
        performed_on=datetime.date(2018, 3, 3),
        idempotency_key="g1",
        session=session,
    )
    assert len({e.group for e in group}) == 1 and len(group) == 2
    assert {e.session for e in group} == {session}
    assert problems() == []


def test_warnings_before_a_hard_limit(tb):
    # Ana: 15 h, lower limit -20 h, warning margin 2 h.
    ana = Account.objects.get(pk=tb.ana.pk)
    assert services.warnings_for([(ana, -60)], actor=None) == []
    [sentence] = services.warnings_for([(ana, -34 * 60)], actor=None)
    assert "près de sa limite basse" in sentence
    # Past the limit it is not "near": the exchange is refused (see limit_refusals).
    assert services.warnings_for([(ana, -36 * 60)], actor=None) == []


def test_confirm_exchanges_command(tb, world, time_machine):
    from io import StringIO

    from django.core.management import call_command

    services.record_exchange(
        actor=None,
        provider=tb.ana,
        receiver=tb.ben,
        minutes=90,
        category=tb.garden,
        description="Taille",
        performed_on=datetime.date(2018, 3, 1),
        idempotency_key="c1",
    )
    time_machine.shift(datetime.timedelta(days=10))
    out = StringIO()
    call_command("confirm_exchanges", stdout=out)
    assert "1 échange(s) confirmé(s)" in out.getvalue()
    assert balance(tb.ana) == 990


def test_a_lower_limit_counts_the_reserved_minutes(tb, world):
    activity = Activity.objects.create(cooperation=world.coop, title="Evadobus")
    services.hold_time(
        actor=None,
        payer=tb.ana,
        payee_kind="carpool",
        association=world.assoc_a,
        minutes=1000,
        item=activity,
        idempotency_key="h",
    )
    with pytest.raises(ValidationError, match="dont 16 h 40 réservées"):
        services.set_account_limits(
            actor=world.director,
            account=tb.ana,
            min_balance_minutes=0,
            max_balance_minutes=None,
            reason="Prudence",
        )
    assert problems() == []
