"""Traceability both ways on a small graph, recalls, and the rules that keep stock honest."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from coope.activities.models import Activity, Session
from coope.cannery import services
from coope.cannery.invariants import (
    collection_remainders,
    lots_match_their_made_movement,
    no_distribution_of_blocked_lots,
    released_batches_were_sterilised,
    stock_levels_match_movements,
)
from coope.cannery.models import Collection, Movement, StockLevel
from coope.cannery.tracing import lots_of_collection, recall_statement, trace_collection, trace_lot
from coope.people.services import create_person

from .conftest import DAY

pytestmark = pytest.mark.django_db


def all_problems():
    return [
        problem
        for check in (
            stock_levels_match_movements,
            lots_match_their_made_movement,
            collection_remainders,
            released_batches_were_sterilised,
            no_distribution_of_blocked_lots,
        )
        for problem in check()
    ]


@pytest.fixture
def graph(kit):
    """Two producers, three collections, two batches sharing a collection, moves and sales.

    chirouzes: apricots 10 kg ──┬─ 6 kg ─> batch 1 (jam: 20 × 370 ml, 10 × 250 ml)
    bois: apricots 8 kg ────────┘  4 kg ─┐
    chirouzes: apricots 10 kg ─── 4 kg ──┴─> batch 2 (jam: 12 × 370 ml)
    bois: squash 5 kg (not used)
    """
    g = kit
    g.chirouzes, g.bois = kit.producer(), kit.producer("Les Jardins du Bois", "Peyrins")
    g.c1 = kit.collection(g.chirouzes)
    g.c2 = kit.collection(g.bois, grams=8_000)
    g.c3 = kit.collection(g.bois, grams=5_000, produce="courges")
    session = kit.session()
    g.batch1 = kit.batch(session, [(g.c1, 6_000), (g.c2, 4_000)], jars={370: 20, 250: 10})
    g.batch2 = kit.batch(
        kit.session(DAY.replace(day=19), "Peyrins"), [(g.c1, 4_000)], jars={370: 12}
    )
    g.lot1 = g.batch1.lots.get(jar_size_ml=370)
    g.lot1_small = g.batch1.lots.get(jar_size_ml=250)
    g.lot2 = g.batch2.lots.get()
    actor = kit.w.coordinator
    g.ana = create_person(actor=actor, cooperation=kit.w.coop, first_name="Ana", last_name="Test")
    services.move_jars(
        actor=actor, lot=g.lot1, jars=8, from_location=kit.van, to_location=kit.shop, date=DAY
    )
    services.sell_jars_for_euros(
        actor=actor, lot=g.lot1, jars=3, location=kit.shop, price_cents=1200, date=DAY
    )
    services.give_jars(
        actor=actor, lot=g.lot1, jars=5, location=kit.van, session=session, person=g.ana, date=DAY
    )
    services.return_jars(
        actor=actor, lot=g.lot1, jars=2, location=kit.van, producer=g.bois, date=DAY
    )
    services.record_loss(actor=actor, lot=g.lot1, jars=1, location=kit.shop, note="cassé", date=DAY)
    services.move_jars(
        actor=actor, lot=g.lot2, jars=4, from_location=kit.van, to_location=kit.house_a, date=DAY
    )
    return g


def test_a_lot_traces_back_to_its_collections_and_producers_and_forward_to_every_destination(graph):
    g = graph
    trace = trace_lot(g.lot1)
    assert {(i.collection.pk, i.grams) for i in trace.inputs} == {
        (g.c1.pk, 6_000),
        (g.c2.pk, 4_000),
    }
    assert {p.name for p in trace.producers} == {"Ferme des Chirouzes", "Les Jardins du Bois"}
    assert [(m.kind, m.jars) for m in trace.movements] == [
        ("made", 20),
        ("moved", 8),
        ("sold_euros", 3),
        ("given", 5),
        ("returned", 2),
        ("lost", 1),
    ]
    given = next(m for m in trace.movements if m.kind == "given")
    assert given.person == g.ana and given.session == g.batch1.session
    assert next(m for m in trace.movements if m.kind == "returned").producer == g.bois
    assert {(s.location.name, s.jars) for s in trace.stock} == {
        ("Camion de la conserverie", 5),
        ("Boutique", 4),
    }
    # The other lot of the same batch shares the origins, not the destinations.
    assert {i.collection.pk for i in trace_lot(g.lot2).inputs} == {g.c1.pk}
    assert [m.kind for m in trace_lot(g.lot1_small).movements] == ["made"]


def test_a_collection_traces_forward_to_every_lot_it_went_into(graph):
    g = graph
    assert [i.batch for i in trace_collection(g.c1)] == [g.batch1, g.batch2]
    assert list(lots_of_collection(g.c1)) == sorted(
        [g.lot1, g.lot1_small, g.lot2], key=lambda lot: lot.code
    )
    assert list(lots_of_collection(g.c2)) == sorted(
        [g.lot1, g.lot1_small], key=lambda lot: lot.code
    )
    assert list(lots_of_collection(g.c3)) == []
    remainders = dict(Collection.objects.values_list("pk", "remaining_grams"))
    assert remainders == {g.c1.pk: 0, g.c2.pk: 4_000, g.c3.pk: 5_000}
    assert all_problems() == []


def test_a_collection_cannot_give_more_than_its_remainder(graph):
    g = graph
    with pytest.raises(ValidationError, match="Il ne reste que 4 kg"):
        g.batch(g.batch2.session, [(g.c2, 4_001)])
    assert Collection.objects.get(pk=g.c2.pk).remaining_grams == 4_000
    with transaction.atomic(), pytest.raises(IntegrityError):
        Collection.objects.filter(pk=g.c2.pk).update(remaining_grams=9_000)  # above its weight


def test_the_recall_statement_adds_up_per_place_and_overall(graph):
    g = graph
    services.recall_lot(actor=g.w.coordinator, lot=g.lot1, reason="Bocal mal fermé signalé.")
    statement = recall_statement(g.lot1)
    assert statement.made == 20
    assert statement.totals == {
        "given": 5,
        "returned": 2,
        "sold_euros": 3,
        "sold_time": 0,
        "lost": 1,
    }
    assert statement.in_stock == 9
    assert statement.accounted == statement.made
    by_place = {p.place: (p.by_kind, p.in_stock) for p in statement.places}
    assert by_place["Boutique"] == (
        {"given": 0, "returned": 0, "sold_euros": 3, "sold_time": 0, "lost": 1},
        4,
    )
    assert by_place["Camion de la conserverie"] == (
        {"given": 5, "returned": 2, "sold_euros": 0, "sold_time": 0, "lost": 0},
        5,
    )


def test_a_recalled_lot_can_be_neither_sold_nor_given_but_can_come_back_and_be_destroyed(graph):
    g = graph
    actor = g.w.coordinator
    services.recall_lot(actor=actor, lot=g.lot1, reason="Contrôle DDPP")
    with pytest.raises(ValidationError, match="rappelé"):
        services.sell_jars_for_euros(
            actor=actor, lot=g.lot1, jars=1, location=g.shop, price_cents=400
        )
    with pytest.raises(ValidationError, match="rappelé"):
        services.give_jars(actor=actor, lot=g.lot1, jars=1, location=g.van)
    with pytest.raises(ValidationError, match="rappelé"):
        services.return_jars(actor=actor, lot=g.lot1, jars=1, location=g.van, producer=g.bois)
    services.move_jars(actor=actor, lot=g.lot1, jars=4, from_location=g.shop, to_location=g.van)
    services.record_loss(actor=actor, lot=g.lot1, jars=9, location=g.van, note="détruits (rappel)")
    assert StockLevel.objects.get(lot=g.lot1, location=g.van).jars == 0
    assert recall_statement(g.lot1).accounted == 20
    with pytest.raises(ValidationError, match="déjà rappelé"):
        services.recall_lot(actor=actor, lot=g.lot1, reason="encore")
    assert all_problems() == []


def test_an_unreleased_lot_cannot_be_sold_or_given(kit):
    producer = kit.producer()
    batch = kit.batch(
        kit.session(), [(kit.collection(producer), 3_000)], sterilisation=None, release=False
    )
    lot = batch.lots.get()
    for attempt in (
        lambda: services.sell_jars_for_euros(
            actor=None, lot=lot, jars=1, location=kit.van, price_cents=300
        ),
        lambda: services.give_jars(actor=None, lot=lot, jars=1, location=kit.van),
        lambda: services.return_jars(
            actor=None, lot=lot, jars=1, location=kit.van, producer=producer
        ),
    ):
        with pytest.raises(ValidationError, match="pas libéré"):
            attempt()
    assert not Movement.objects.exclude(kind="made").exists()


@pytest.mark.parametrize(
    ("sterilisation", "reason"),
    [
        (None, "n'est pas enregistrée"),
        (
            {
                "duration_minutes": 30,
                "temperature_celsius": 100,
                "operator": "Rose",
                "closure_checked": True,
            },
            "durée 30 min, le barème en demande 40",
        ),
        (
            {
                "duration_minutes": 45,
                "temperature_celsius": 95,
                "operator": "Rose",
                "closure_checked": True,
            },
            "température 95 °C",
        ),
        (
            {
                "duration_minutes": 45,
                "temperature_celsius": 100,
                "operator": "Rose",
                "closure_checked": False,
            },
            "fermeture",
        ),
        (
            {
                "duration_minutes": 45,
                "temperature_celsius": 100,
                "operator": "Rose",
                "closure_checked": True,
                "ph": "4.9",
            },
            "pH 4.9",
        ),
    ],
)
def test_release_is_refused_without_a_sterilisation_within_the_schedule(kit, sterilisation, reason):
    batch = kit.batch(
        kit.session(),
        [(kit.collection(kit.producer()), 3_000)],
        sterilisation=sterilisation,
        release=False,
    )
    with pytest.raises(ValidationError, match=reason):
        services.release_batch(actor=kit.w.coordinator, batch=batch)
    batch.refresh_from_db()
    assert batch.released_at is None


def test_lot_code_and_best_before_come_from_the_batch(kit):
    producer = kit.producer()
    session = kit.session()
    first = kit.batch(session, [(kit.collection(producer), 3_000)], jars={370: 5, 250: 4})
    second = kit.batch(session, [(kit.collection(producer), 3_000)], jars={370: 5})
    assert first.code == "180712-CONF-1" and second.code == "180712-CONF-2"
    assert sorted(first.lots.values_list("code", flat=True)) == [
        "180712-CONF-1-250",
        "180712-CONF-1-370",
    ]
    assert str(first.best_before) == "2019-07-12"


def test_stock_never_goes_negative(graph):
    g = graph
    with pytest.raises(ValidationError, match="Il n'y a que 4 bocaux du lot"):
        services.sell_jars_for_euros(
            actor=None, lot=g.lot1, jars=5, location=g.shop, price_cents=400
        )
    with pytest.raises(ValidationError, match="Il n'y a que 0 bocal"):
        services.give_jars(actor=None, lot=g.lot1, jars=1, location=g.house_a)
    level = StockLevel.objects.get(lot=g.lot1, location=g.shop)
    with transaction.atomic(), pytest.raises(IntegrityError):
        StockLevel.objects.filter(pk=level.pk).update(jars=-1)


def test_coope_check_finds_a_stock_that_does_not_match_its_movements(graph):
    g = graph
    StockLevel.objects.filter(lot=g.lot1, location=g.shop).update(jars=7)
    Collection.objects.filter(pk=g.c3.pk).update(remaining_grams=4_000)
    problems = all_problems()
    assert any("le stock vaut 7 bocaux, les mouvements en donnent 4" in p for p in problems)
    assert any("reste enregistré 4000 g" in p for p in problems)


def test_a_batch_is_made_during_a_cannery_workshop_only(kit):
    sewing = Activity.objects.create(cooperation=kit.w.coop, title="Atelier couture")
    other = Session.objects.create(
        cooperation=kit.w.coop,
        activity=sewing,
        starts_at=kit.session().starts_at,
        ends_at=kit.session().ends_at,
    )
    with pytest.raises(ValidationError, match="pendant un atelier de la conserverie"):
        kit.batch(other, [(kit.collection(kit.producer()), 1_000)])
