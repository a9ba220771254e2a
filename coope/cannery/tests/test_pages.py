"""The cannery's pages: who may open them, the PDFs read back, and queries that do not grow."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from coope.cannery import services
from coope.cannery.models import Batch, Collection, Lot, Movement, Producer, Tour
from coope.conftest import make_user

from .conftest import DAY

pytestmark = pytest.mark.django_db


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


@pytest.fixture
def made(kit):
    producer = kit.producer()
    batch = kit.batch(kit.session(), [(kit.collection(producer), 5_000)], jars={370: 7, 250: 3})
    return batch, batch.lots.get(jar_size_ml=370)


def test_the_labels_sheet_has_one_label_per_jar_with_what_the_law_asks(client_as, world, made):
    batch, lot = made
    with scope(cooperation=world.coop.pk):
        batch.recipe.allergens = "fruits à coque"
        batch.recipe.save()
    text = pdf_text(client_as(world.volunteer).get(reverse("cannery:labels", args=[batch.pk])))
    flat = " ".join(text.split())
    assert flat.count("Lot 180712-CONF-1-370") == 7 and flat.count("Lot 180712-CONF-1-250") == 3
    assert flat.count("Confiture d'abricots Poids net : ______ g") == 10  # weight unknown
    assert "Ingrédients : abricots 60 %, sucre 40 %" in flat
    assert "Allergènes : fruits à coque" in flat
    assert "À consommer de préférence avant le 12/07/2019" in flat
    assert flat.count("Conserverie mobile et solidaire") == 10


def test_the_recall_statement_pdf_shows_numbers_that_add_up(client_as, world, kit, made):
    _batch, lot = made
    with scope(cooperation=world.coop.pk):
        services.sell_jars_for_euros(
            actor=None, lot=lot, jars=2, location=kit.van, price_cents=900, date=DAY
        )
        services.give_jars(actor=None, lot=lot, jars=1, location=kit.van, date=DAY)
        services.move_jars(
            actor=None, lot=lot, jars=3, from_location=kit.van, to_location=kit.shop, date=DAY
        )
    client = client_as(world.coordinator)
    client.post(reverse("cannery:recall", args=[lot.pk]), {"reason": "Couvercle bombé"})
    assert (
        "Couvercle bombé" in client.get(reverse("cannery:index")).content.decode()
    )  # listed as recalled
    flat = " ".join(
        pdf_text(client.get(reverse("cannery:recall_statement", args=[lot.pk]))).split()
    )
    assert "Lot rappelé le" in flat and "Couvercle bombé" in flat
    assert "Fabriqués 7" in flat and "Vendus en euros 2" in flat and "Donnés sur place 1" in flat
    assert "En stock 4" in flat and "Total des destinations et du stock 7" in flat
    assert "Boutique 0 0 0 0 0 3" in flat  # per place: nothing left it, 3 in stock
    assert "Camion de la conserverie 1 0 2 0 0 1" in flat


@pytest.mark.parametrize(
    "name", ["index", "tours", "producers", "collection_create", "batch_create"]
)
def test_pages_open_for_cannery_staff_and_are_refused_to_others(client_as, world, kit, name):
    assert client_as(world.coordinator).get(reverse(f"cannery:{name}")).status_code == 200
    assert client_as(world.alice).get(reverse(f"cannery:{name}")).status_code == 403  # reception


def test_another_cooperation_cannot_see_our_lots_batches_or_collections(client, world, made):
    batch, lot = made
    with scopes_disabled():
        outsider = make_user(world.other_coop, "dora", "coordinator", world.other_assoc)
        collection = Collection.objects.get()
    client.force_login(outsider)
    for url in (
        reverse("cannery:lot", args=[lot.pk]),
        reverse("cannery:batch", args=[batch.pk]),
        reverse("cannery:labels", args=[batch.pk]),
        reverse("cannery:collection", args=[collection.pk]),
        reverse("cannery:recall_statement", args=[lot.pk]),
        reverse("cannery:lot_move", args=[lot.pk, "give"]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("cannery:recall", args=[lot.pk]), {"reason": "x"}).status_code == 404


def test_a_volunteer_cannot_recall_a_lot(client_as, world, made):
    _batch, lot = made
    response = client_as(world.volunteer).post(
        reverse("cannery:recall", args=[lot.pk]), {"reason": "x"}
    )
    assert response.status_code == 403
    with scopes_disabled():
        assert Lot.objects.get(pk=lot.pk).recalled_at is None


def test_the_lot_page_shows_origins_and_destinations_in_the_same_number_of_queries(
    client_as, world, kit, made
):
    _batch, lot = made
    client = client_as(world.coordinator)
    url = reverse("cannery:lot", args=[lot.pk])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = queries()
    with scope(cooperation=world.coop.pk):
        for number in range(5):
            services.move_jars(
                actor=None, lot=lot, jars=1, from_location=kit.van, to_location=kit.shop, date=DAY
            )
            services.sell_jars_for_euros(
                actor=None,
                lot=lot,
                jars=1,
                location=kit.shop,
                price_cents=450,
                buyer=f"Client {number}",
                date=DAY,
            )
        extra = kit.producer("Les Vergers du Nord", "Margès")
        kit.batch(lot.batch.session, [(kit.collection(extra), 2_000)], jars={370: 2})
    assert queries() == few
    assert "Client 4" in client.get(url).content.decode()


def test_the_index_collection_and_tours_pages_do_not_grow_with_rows(client_as, world, kit):
    client = client_as(world.coordinator)

    def counts():
        result = []
        for url in (
            reverse("cannery:index"),
            reverse("cannery:tours"),
            reverse("cannery:producers"),
        ):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            result.append(len(captured))
        return result

    with scope(cooperation=world.coop.pk):
        kit.batch(kit.session(), [(kit.collection(kit.producer()), 1_000)])
    few = counts()
    with scope(cooperation=world.coop.pk):
        for number in range(6):
            producer = kit.producer(f"Ferme {number}", "Peyrins")
            session = kit.session(
                DAY.replace(day=number + 1), ["Triors", "Peyrins", "Inconnu"][number % 3]
            )
            kit.batch(session, [(kit.collection(producer, day=DAY.replace(day=number + 1)), 1_000)])
    assert counts() == few


def test_the_tours_page_places_villages_and_lists_their_dates(client_as, world, kit):
    # The cooperation's communes: placed on the map by the coordinates it gives.
    world.coop.communes = {"Triors": [45.087, 5.113], "Peyrins": [45.090, 5.047]}
    world.coop.save()
    with scope(cooperation=world.coop.pk):
        kit.session(DAY, "Triors")
        kit.session(DAY.replace(month=8), "Triors")
        kit.session(DAY, "Peyrins")
        kit.session(DAY, "Lieu-dit sans coordonnées")
        tour = Tour.objects.create(
            cooperation=world.coop,
            name="Été 2018",
            starts_on=DAY.replace(day=1),
            ends_on=DAY.replace(day=31),
        )
        kit.collection(kit.producer(), grams=12_000, tour=tour)
    html = client_as(world.volunteer).get(reverse("cannery:tours")).content.decode()
    assert (
        "Lieu-dit sans coordonnées, Peyrins, Triors</td>" in html and "12\u00a0kg, 1 ferme<" in html
    )
    assert html.count("<circle") == 2
    assert "Triors : 12/07/2018, 12/08/2018" in html
    assert 'Lieu-dit sans coordonnées <span class="muted">(pas sur la carte)' in html


def test_a_coordinator_records_a_collection_and_a_batch_then_releases_it(client_as, world, kit):
    with scope(cooperation=world.coop.pk):
        producer = kit.producer()
        session = kit.session()
    client = client_as(world.coordinator)
    response = client.post(
        reverse("cannery:collection_create"),
        {
            "producer": producer.pk,
            "date": "2018-07-12",
            "produce": "abricots",
            "weight_kilos": "12,5",
            "acquisition": "bought",
            "price_euros": "10",
            "quality": "downgraded",
            "session": session.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()
    with scope(cooperation=world.coop.pk):
        collection = Collection.objects.get()
    assert (collection.weight_grams, collection.price_cents, collection.quality) == (
        12_500,
        1000,
        "downgraded",
    )
    response = client.post(
        reverse("cannery:batch_create"),
        {
            "session": session.pk,
            "recipe": kit.jam.pk,
            "collection_1": collection.pk,
            "kilos_1": "13",
            "jars_370": "10",
        },
    )
    assert "Il ne reste que 12,5 kg" in response.content.decode()
    response = client.post(
        reverse("cannery:batch_create"),
        {
            "session": session.pk,
            "recipe": kit.jam.pk,
            "collection_1": collection.pk,
            "kilos_1": "8",
            "jars_370": "10",
            "jars_250": "4",
            "duration_minutes": "30",
            "temperature_celsius": "100",
            "operator": "Rose",
            "closure_checked": "on",
        },
    )
    with scope(cooperation=world.coop.pk):
        batch = Batch.objects.get()
    assert response.status_code == 302
    page = client.post(reverse("cannery:batch", args=[batch.pk]), {"release": "1"}, follow=True)
    assert "Libération refusée, stérilisation hors barème : durée 30 min" in page.content.decode()
    client.post(
        reverse("cannery:batch", args=[batch.pk]),
        {
            "duration_minutes": "45",
            "temperature_celsius": "100",
            "operator": "Rose",
            "closure_checked": "on",
        },
    )
    page = client.post(reverse("cannery:batch", args=[batch.pk]), {"release": "1"}, follow=True)
    assert "Fabrication libérée" in page.content.decode()
    with scope(cooperation=world.coop.pk):
        assert Collection.objects.get().remaining_grams == 4_500
        lot = batch.lots.get(jar_size_ml=370)
    response = client.post(
        reverse("cannery:lot_move", args=[lot.pk, "sell_euros"]),
        {"jars": "3", "location": kit.van.pk, "price_euros": "13,50", "buyer": "Mme Martin"},
    )
    assert response.status_code == 302
    with scope(cooperation=world.coop.pk):
        sale = Movement.objects.get(kind="sold_euros")
    assert (sale.jars, sale.price_cents, sale.buyer) == (3, 1350, "Mme Martin")
    response = client.post(
        reverse("cannery:lot_move", args=[lot.pk, "return"]),
        {"jars": "2", "location": kit.van.pk, "producer": producer.pk},
    )
    assert response.status_code == 302
    with scope(cooperation=world.coop.pk):
        assert Producer.objects.get().pk == Movement.objects.get(kind="returned").producer_id


def test_the_collection_and_batch_pages_do_not_grow_with_batches_and_lots(client_as, world, kit):
    client = client_as(world.volunteer)
    with scope(cooperation=world.coop.pk):
        apricots = kit.collection(kit.producer(), grams=50_000)
        first = kit.batch(kit.session(), [(apricots, 1_000)], jars={370: 2, 250: 1})

    def counts(batch):
        result = []
        for url in (
            reverse("cannery:collection", args=[apricots.pk]),
            reverse("cannery:batch", args=[batch.pk]),
        ):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            result.append(len(captured))
        return result

    few = counts(first)
    with scope(cooperation=world.coop.pk):
        others = [kit.collection(kit.producer(f"Ferme {n}"), grams=5_000) for n in range(4)]
        for day in range(1, 6):
            last = kit.batch(
                kit.session(DAY.replace(day=day + 12)),
                [(apricots, 1_000)] + [(c, 500) for c in others],
                jars={370: 3, 250: 2},
            )
    assert counts(last) == few
    assert (
        client.get(reverse("cannery:collection", args=[apricots.pk]))
        .content.decode()
        .count("/conserverie/lots/")
        == 12
    )


@pytest.mark.parametrize("action", ["sell_euros", "sell_time", "give", "return", "move", "lose"])
def test_every_movement_form_opens_and_a_recalled_lot_is_refused_with_a_reason(
    client_as, world, kit, made, action
):
    _batch, lot = made
    client = client_as(world.coordinator)
    assert client.get(reverse("cannery:lot_move", args=[lot.pk, action])).status_code == 200
    assert client.get(reverse("cannery:lot_move", args=[lot.pk, "steal"])).status_code == 404
    client.post(reverse("cannery:recall", args=[lot.pk]), {"reason": "Analyse"})
    if action in ("give", "sell_euros"):
        response = client.post(
            reverse("cannery:lot_move", args=[lot.pk, action]),
            {"jars": "1", "location": kit.van.pk, "price_euros": "4"},
        )
        assert "est rappelé" in response.content.decode()
        with scope(cooperation=world.coop.pk):
            assert not Movement.objects.exclude(kind="made").exists()


def test_jars_given_at_a_workshop_are_traced_to_it(client_as, world, kit, made):
    batch, lot = made
    response = client_as(world.volunteer).post(
        reverse("cannery:lot_move", args=[lot.pk, "give"]),
        {"jars": "4", "location": kit.van.pk, "session": batch.session_id},
    )
    assert response.status_code == 302
    with scope(cooperation=world.coop.pk):
        given = Movement.objects.get(kind="given")
    assert (given.jars, given.session_id) == (4, batch.session_id)


def test_a_sale_in_hours_lets_the_seller_choose_among_namesakes(client_as, world, kit, made):
    from coope.people.services import create_person
    from coope.timebank.services import open_account

    _batch, lot = made
    with scope(cooperation=world.coop.pk):
        twins = [
            create_person(
                actor=world.coordinator,
                cooperation=world.coop,
                first_name=first,
                last_name="André",
                home_house=world.house_a,
            )
            for first in ("Gisèle", "Khadija")
        ]
        for person in twins:
            open_account(actor=world.coordinator, person=person, registered_with=world.assoc_a)
        create_person(
            actor=world.coordinator, cooperation=world.coop, first_name="Sans", last_name="André"
        )
    client = client_as(world.coordinator)
    url = reverse("cannery:lot_move", args=[lot.pk, "sell_time"])
    data = {
        "jars": "1",
        "location": kit.van.pk,
        "payer": "andre",
        "minutes": "30",
        "idempotency_key": "k-1",
    }
    page = client.post(url, data).content.decode()
    # Both members are offered; the namesake without a TIC-TAC account is not.
    assert "Plusieurs membres TIC-TAC correspondent" in page
    assert "ANDRÉ Gisèle" in page and "ANDRÉ Khadija" in page and "ANDRÉ Sans" not in page
    with scope(cooperation=world.coop.pk):
        assert not Movement.objects.filter(kind="sold_time").exists()
    assert client.post(url, {**data, "payer_id": twins[1].pk}).status_code == 302
    with scope(cooperation=world.coop.pk):
        sale = Movement.objects.get(kind="sold_time")
        assert sale.transfer.entries.get(amount_minutes=-30).account.person == twins[1]
    nobody = client.post(
        url, {**data, "payer": "personne inconnue", "idempotency_key": "k-2"}
    ).content.decode()
    assert "Aucun membre TIC-TAC ne correspond" in nobody
