"""A jar sold in time currency goes through TIC-TAC, and the ledger still checks out."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django_scopes import scopes_disabled

from coope.cannery import services
from coope.cannery.invariants import time_sales_have_their_transfer
from coope.cannery.models import Movement, StockLevel
from coope.people.services import create_person
from coope.timebank.models import Transfer
from coope.timebank.services import open_account

from .conftest import DAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def sale(kit):
    w = kit.w
    lot = kit.batch(
        kit.session(), [(kit.collection(kit.producer()), 4_000)], jars={370: 6}
    ).lots.get()
    payer = create_person(
        actor=w.coordinator, cooperation=w.coop, first_name="Inès", last_name="Temps"
    )
    account = open_account(actor=w.coordinator, person=payer, registered_with=w.assoc_a)
    return kit, lot, payer, account


def test_a_sale_in_hours_pays_the_shop_in_tic_tac_and_coope_check_passes(sale):
    kit, lot, payer, account = sale
    before = Transfer.objects.count()
    movement = services.sell_jars_for_time(
        actor=kit.w.coordinator,
        lot=lot,
        jars=2,
        location=kit.van,
        payer=payer,
        minutes=60,
        association=kit.w.assoc_a,
        idempotency_key="vente-1",
        date=DAY,
    )
    movement.refresh_from_db()
    transfer = movement.transfer
    assert transfer is not None and Transfer.objects.count() == before + 1
    assert transfer.amount_minutes == 60 and transfer.item == movement
    legs = {
        entry.account.kind: entry.amount_minutes
        for entry in transfer.entries.select_related("account")
    }
    assert legs == {"member": -60, "shop": 60}
    assert StockLevel.objects.get(lot=lot, location=kit.van).jars == 4
    # Replaying the same sale (a double tap) changes nothing.
    again = services.sell_jars_for_time(
        actor=kit.w.coordinator,
        lot=lot,
        jars=2,
        location=kit.van,
        payer=payer,
        minutes=60,
        association=kit.w.assoc_a,
        idempotency_key="vente-1",
    )
    assert again.pk == movement.pk and Transfer.objects.count() == before + 1
    assert list(time_sales_have_their_transfer()) == []
    out = io.StringIO()
    with scopes_disabled():
        call_command("check", stdout=out)


def test_a_refused_payment_leaves_neither_the_sale_nor_the_stock_change(sale):
    kit, lot, _payer, _account = sale
    stranger = create_person(
        actor=kit.w.coordinator, cooperation=kit.w.coop, first_name="Sans", last_name="Compte"
    )
    with pytest.raises(ValidationError, match="pas de compte TIC-TAC"):
        services.sell_jars_for_time(
            actor=kit.w.coordinator,
            lot=lot,
            jars=1,
            location=kit.van,
            payer=stranger,
            minutes=30,
            association=kit.w.assoc_a,
            idempotency_key="vente-2",
        )
    assert not Movement.objects.filter(kind="sold_time").exists()
    assert StockLevel.objects.get(lot=lot, location=kit.van).jars == 6


def test_coope_check_finds_a_time_sale_without_its_transfer(sale):
    kit, lot, payer, _account = sale
    services.sell_jars_for_time(
        actor=None,
        lot=lot,
        jars=1,
        location=kit.van,
        payer=payer,
        minutes=30,
        association=kit.w.assoc_a,
        idempotency_key="vente-3",
    )
    Movement.objects.filter(kind="sold_time").update(minutes=45)
    assert [
        "n'a pas de virement TIC-TAC du même montant" in p for p in time_sales_have_their_transfer()
    ] == [True]
