"""Regressions found in review: replayed time sales, sterilisation under lock, early distribution, cooperations."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from coope.activities.models import Session
from coope.cannery import services
from coope.cannery.forms import MovementForm
from coope.cannery.invariants import no_distribution_of_blocked_lots
from coope.cannery.models import Batch, Movement, StockLevel
from coope.people.models import Person
from coope.people.services import create_person
from coope.timebank.models import Transfer
from coope.timebank.services import open_account

from .conftest import DAY, GOOD_STERILISATION

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
    open_account(actor=w.coordinator, person=payer, registered_with=w.assoc_a)
    return kit, lot, payer


def _sell(kit, lot, who, **changes):
    values = dict(
        actor=kit.w.coordinator,
        lot=lot,
        jars=2,
        location=kit.van,
        payer=who,
        minutes=60,
        association=kit.w.assoc_a,
        idempotency_key="vente-1",
        date=DAY,
    )
    values.update(changes)
    return services.sell_jars_for_time(**values)


def test_a_time_sale_with_a_blank_key_is_refused_and_matches_no_other_movement(sale):
    kit, lot, payer = sale
    services.give_jars(
        actor=kit.w.coordinator, lot=lot, jars=1, location=kit.van
    )  # a movement without a key
    for key in ("", "   ", None):
        with pytest.raises(ValidationError, match="clé d'unicité"):
            _sell(kit, lot, payer, idempotency_key=key)
    assert not Movement.objects.filter(kind="sold_time").exists()


def test_a_replayed_time_sale_with_another_content_is_refused(sale):
    kit, lot, payer = sale
    first = _sell(kit, lot, payer)
    assert _sell(kit, lot, payer).pk == first.pk
    other = create_person(
        actor=kit.w.coordinator, cooperation=kit.w.coop, first_name="Léa", last_name="Temps"
    )
    open_account(actor=kit.w.coordinator, person=other, registered_with=kit.w.assoc_a)
    for change in ({"jars": 3}, {"minutes": 90}, {"payer": other}):
        with pytest.raises(ValidationError, match="déjà été enregistrée avec un autre contenu"):
            _sell(kit, lot, payer, **change)
    assert Movement.objects.filter(kind="sold_time").count() == 1
    assert Transfer.objects.filter(kind="payment").count() == 1
    assert StockLevel.objects.get(lot=lot, location=kit.van).jars == 4


def test_the_sale_form_refuses_a_key_longer_than_the_column(sale):
    kit, lot, _payer = sale
    data = {
        "jars": 1,
        "location": kit.van.pk,
        "payer": "Inès Temps",
        "minutes": 30,
        "idempotency_key": "k" * 101,
    }
    form = MovementForm(data, lot=lot, action="sell_time", workshops=Session.objects.none())
    assert not form.is_valid() and "rechargez la page" in form.errors["idempotency_key"][0]


def test_the_sterilisation_is_checked_on_the_locked_batch(kit):
    batch = kit.batch(kit.session(), [(kit.collection(kit.producer()), 4_000)], release=False)
    stale = Batch.objects.get(pk=batch.pk)  # read before the release, as a concurrent request would
    services.release_batch(actor=kit.w.coordinator, batch=batch)
    with pytest.raises(ValidationError, match="déjà libérée"):
        services.record_sterilisation(
            actor=kit.w.coordinator, batch=stale, **{**GOOD_STERILISATION, "duration_minutes": 5}
        )
    assert batch.sterilisation.duration_minutes == GOOD_STERILISATION["duration_minutes"]


def test_release_reads_the_sterilisation_after_locking(kit):
    batch = kit.batch(
        kit.session(),
        [(kit.collection(kit.producer()), 4_000)],
        release=False,
        sterilisation={**GOOD_STERILISATION, "duration_minutes": 5},
    )
    stale = Batch.objects.select_related("sterilisation").get(pk=batch.pk)
    assert stale.sterilisation.duration_minutes == 5
    services.record_sterilisation(actor=kit.w.coordinator, batch=batch, **GOOD_STERILISATION)
    released = services.release_batch(actor=kit.w.coordinator, batch=stale)
    assert released.released_at is not None


def test_the_check_flags_a_distribution_recorded_before_the_release(kit):
    batch = kit.batch(kit.session(), [(kit.collection(kit.producer()), 4_000)])
    batch.refresh_from_db()
    lot = batch.lots.get()
    given = services.give_jars(actor=kit.w.coordinator, lot=lot, jars=1, location=kit.van)
    assert list(no_distribution_of_blocked_lots()) == []
    Movement.objects.filter(pk=given.pk).update(
        created_at=batch.released_at - datetime.timedelta(minutes=1)
    )
    assert [p for p in no_distribution_of_blocked_lots() if f"mouvement {given.pk} avant" in p]


def test_a_sale_in_euros_to_a_person_of_another_cooperation_is_refused(kit):
    w = kit.w
    lot = kit.batch(kit.session(), [(kit.collection(kit.producer()), 4_000)]).lots.get()
    stranger = Person.objects.create(
        cooperation=w.other_coop, first_name="Otto", last_name="Ailleurs"
    )
    with pytest.raises(ValidationError, match="même coopération"):
        services.sell_jars_for_euros(
            actor=w.coordinator, lot=lot, jars=1, location=kit.van, price_cents=300, person=stranger
        )
    assert not Movement.objects.filter(kind="sold_euros").exists()
    assert StockLevel.objects.get(lot=lot, location=kit.van).jars == 20


def test_a_time_sale_cannot_be_reversed_from_tic_tac_alone(sale):
    from coope.timebank.services import reverse_transfer

    kit, lot, payer = sale
    movement = _sell(kit, lot, payer)
    movement.refresh_from_db()
    with pytest.raises(
        ValidationError, match="vente de la conserverie : corrigez-la depuis la conserverie"
    ):
        reverse_transfer(actor=kit.w.director, transfer=movement.transfer, reason="Erreur")
    assert not Transfer.objects.filter(kind="reversal").exists()
