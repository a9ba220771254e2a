"""What a new user saw on the cannery's pages on day one (issue 11, point 9): buyers' names
for a role that may not see people, the recall statement's rows cut across pages, the net
quantity of the labels, and French (plurals, one unit of weight)."""

import datetime
import html
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope
from pypdf import PdfReader

from coope.cannery import services
from coope.cannery.models import BatchInput, Location, Movement, kilos
from coope.people.services import create_person

from .conftest import DAY

pytestmark = pytest.mark.django_db


def pdf_pages(response) -> list[str]:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


@pytest.fixture
def sold(kit):
    """A lot with jars sold to a named buyer, paid by a registered person, and given to one."""
    w = kit.w
    batch = kit.batch(kit.session(), [(kit.collection(kit.producer()), 5_000)], jars={370: 20})
    lot = batch.lots.get()
    with scope(cooperation=w.coop.pk):
        odile = create_person(
            actor=w.coordinator, cooperation=w.coop, first_name="Odile", last_name="Vernet"
        )
        services.sell_jars_for_euros(
            actor=None,
            lot=lot,
            jars=2,
            location=kit.van,
            price_cents=900,
            date=DAY,
            buyer="Josiane Mercier",
        )
        services.sell_jars_for_euros(
            actor=None, lot=lot, jars=1, location=kit.van, price_cents=450, date=DAY, person=odile
        )
    return lot, odile


def test_the_evaluation_role_reads_no_buyer_name_on_the_lot_page_nor_in_the_recall_pdf(
    client_as, world, sold
):
    lot, odile = sold
    client = client_as(world.evaluator)
    html = client.get(reverse("cannery:lot", args=[lot.pk])).content.decode()
    flat = " ".join(pdf_pages(client.get(reverse("cannery:recall_statement", args=[lot.pk]))))
    for text in (html, flat):
        assert "Josiane" not in text and "Mercier" not in text
        assert "Odile" not in text and "Vernet" not in text
        assert f"personne n° {odile.pk}" in text
        assert "acheteur·se non inscrit·e" in text


def test_the_workshops_link_to_a_new_batch_only_for_those_who_may_record_one(
    client_as, world, sold
):
    new_batch = reverse("cannery:batch_create")
    assert new_batch not in client_as(world.evaluator).get(reverse("cannery:index")).text
    assert new_batch in client_as(world.coordinator).get(reverse("cannery:index")).text


def test_a_role_that_may_see_people_reads_the_buyers_names(client_as, world, sold):
    lot, _odile = sold
    client = client_as(world.coordinator)
    html = client.get(reverse("cannery:lot", args=[lot.pk])).content.decode()
    flat = " ".join(pdf_pages(client.get(reverse("cannery:recall_statement", args=[lot.pk]))))
    for text in (html, flat):
        assert "Josiane Mercier" in text and "Odile Vernet" in text


def test_the_recall_statement_never_cuts_a_row_across_two_pages(client_as, world, kit):
    batch = kit.batch(kit.session(), [(kit.collection(kit.producer()), 5_000)], jars={370: 90})
    lot = batch.lots.get()
    words = " ".join(f"mot{n}" for n in range(30))  # a cell of several lines
    with scope(cooperation=world.coop.pk):
        for n in range(40):
            services.sell_jars_for_euros(
                actor=None,
                lot=lot,
                jars=2,
                location=kit.van,
                price_cents=900,
                date=DAY,
                buyer=f"Début{n} {words} Fin{n}",
            )
    pages = pdf_pages(
        client_as(world.coordinator).get(reverse("cannery:recall_statement", args=[lot.pk]))
    )
    assert len(pages) > 2
    for n in range(40):
        first = [i for i, page in enumerate(pages) if f"Début{n} " in page]
        last = [i for i, page in enumerate(pages) if f"Fin{n}" in page.split()]
        assert first == last and len(first) == 1, (n, first, last)
    # The column headings come again at the top of each page of movements.
    assert sum("Où, à qui" in page for page in pages) >= 2


def test_a_label_gives_the_net_quantity_as_the_regulation_asks(client_as, world, kit):
    batch = kit.batch(
        kit.session(), [(kit.collection(kit.producer()), 5_000)], jars={370: 2, 250: 1}
    )
    soup = kit.batch(
        kit.session(DAY.replace(day=19)),
        [(kit.collection(kit.producer("Les Jardins du Bois"), produce="courges"), 5_000)],
        jars={500: 1},
        recipe=kit.soup,
        sterilisation={**GOOD, "temperature_celsius": 116, "duration_minutes": 90},
    )
    with scope(cooperation=world.coop.pk):
        kit.jam.net_weights_grams = {"370": 330}
        kit.jam.save()
    client = client_as(world.volunteer)
    jam = " ".join(pdf_pages(client.get(reverse("cannery:labels", args=[batch.pk]))))
    assert jam.count("Poids net : 330 g") == 2  # a weight for what is not a liquid
    assert jam.count("Poids net : ______ g") == 1  # unknown: room to write it by hand
    assert "370 ml" not in jam and "/ ml" not in jam
    velvet = " ".join(pdf_pages(client.get(reverse("cannery:labels", args=[soup.pk]))))
    assert "500 ml" in velvet and "Poids net" not in velvet  # a volume for a liquid
    with scope(cooperation=world.coop.pk):
        lot = batch.lots.get(jar_size_ml=370)
        assert lot.net_quantity_height_mm() == 4  # from 200 g to 1 kg, figures of 4 mm


GOOD = {
    "duration_minutes": 45,
    "temperature_celsius": 100,
    "operator": "Rose",
    "closure_checked": True,
}


def test_the_label_keeps_the_figures_and_their_unit_together(client_as, world, kit):
    with scope(cooperation=world.coop.pk):
        kit.jam.name = "Confiture d'abricots, de pêches de vigne et de lavande du Diois"
        kit.jam.save()
    batch = kit.batch(kit.session(), [(kit.collection(kit.producer()), 5_000)], jars={370: 1})
    with scope(cooperation=world.coop.pk):
        kit.jam.net_weights_grams = {"370": 330}
        kit.jam.save()
    text = (
        PdfReader(
            io.BytesIO(
                client_as(world.volunteer).get(reverse("cannery:labels", args=[batch.pk])).content
            )
        )
        .pages[0]
        .extract_text()
    )
    assert "330 g" in text.replace("\xa0", " ")


def test_one_jar_is_a_jar_and_one_farm_a_farm(client_as, world, kit):
    batch = kit.batch(kit.session(), [(kit.collection(kit.producer()), 5_000)], jars={370: 3})
    lot = batch.lots.get()
    with scope(cooperation=world.coop.pk):
        services.move_jars(
            actor=None, lot=lot, jars=1, from_location=kit.van, to_location=kit.shop, date=DAY
        )
    client = client_as(world.coordinator)
    html = client.get(reverse("cannery:lot", args=[lot.pk])).content.decode()
    assert "<strong>1</strong> bocal<" in html and "<strong>2</strong> bocaux" in html
    response = client.post(
        reverse("cannery:lot_move", args=[lot.pk, "lose"]),
        {"jars": 1, "location": kit.shop.pk, "note": "cassé"},
        follow=True,
    )
    assert "1 bocal du lot" in response.content.decode()


def test_a_place_to_store_jars_is_named_in_the_plural_as_french_does():
    assert Location._meta.verbose_name_plural == "lieux de stockage"
    assert Movement._meta.verbose_name_plural == "mouvements de stock"
    assert BatchInput._meta.verbose_name_plural == "produits utilisés"


def test_a_collection_and_what_is_left_of_it_are_weighed_in_one_unit(client_as, world, kit):
    assert [kilos(g) for g in (122_000, 40_651, 500, 1_050)] == [
        "122 kg",
        "40,651 kg",
        "0,5 kg",
        "1,05 kg",
    ]
    collection = kit.collection(kit.producer(), grams=122_000)
    kit.batch(kit.session(), [(collection, 81_349)], jars={370: 3})
    html = client_as(world.coordinator).get(reverse("cannery:index")).content.decode()
    assert "122 kg, Ferme des Chirouzes (12/07/2018) · reste 40,651 kg" in html
    # Every cannery page weighs in kilograms: the batch, the collection, the producers.
    batch = collection.inputs.get().batch
    client = client_as(world.coordinator)
    for url in (
        reverse("cannery:batch", args=[batch.pk]),
        reverse("cannery:collection", args=[collection.pk]),
        reverse("cannery:producers"),
    ):
        page = client.get(url).content.decode()
        assert " g " not in page and " g<" not in page, url
        # The unit stays with its number (a no-break space), never alone on the next line.
        assert "81,349\u00a0kg" in page or "122\u00a0kg" in page, url


def test_weights_and_soups_are_written_as_the_key_figures_count_them():
    from coope.cannery.templatetags.cannery import kilos as kilos_filter
    from coope.cannery.templatetags.cannery import litres

    assert [kilos_filter(g) for g in (13_296, 500, None)] == ["13,296\u00a0kg", "0,5\u00a0kg", ""]
    assert [litres(cl) for cl in (714, 700, 5, None)] == [
        "7,14\u00a0L",
        "7\u00a0L",
        "0,05\u00a0L",
        "",
    ]


def test_a_workshop_to_come_is_announced_but_nothing_is_made_at_it_yet(client_as, world, kit):
    held = kit.session()
    coming = kit.session(day=timezone.localdate() + datetime.timedelta(days=14), commune="Peyrins")
    page = client_as(world.coordinator).get(reverse("cannery:index")).content.decode()
    assert f"?atelier={held.pk}" in page and f"?atelier={coming.pk}" not in page
    assert "Prochains ateliers" in page and "Peyrins" in page
    with pytest.raises(ValidationError, match="n'a pas encore eu lieu"):
        kit.batch(coming, [(kit.collection(kit.producer()), 1_000)], jars={370: 1})


def test_a_lot_past_its_best_before_date_warns_before_selling(client_as, world, kit):
    batch = kit.batch(kit.session(), [(kit.collection(kit.producer()), 1_000)], jars={370: 4})
    lot = batch.lots.get()
    page = client_as(world.coordinator).get(reverse("cannery:lot", args=[lot.pk])).content.decode()
    assert batch.best_before < timezone.localdate()  # a 2018 batch, read today
    assert "Date de durabilité minimale dépassée depuis le" in page
    fresh = kit.batch(
        kit.session(day=timezone.localdate()),
        [(kit.collection(kit.producer("Ferme du jour"), day=timezone.localdate()), 1_000)],
        jars={370: 4},
    )
    page = (
        client_as(world.coordinator)
        .get(reverse("cannery:lot", args=[fresh.lots.get().pk]))
        .content.decode()
    )
    assert "Date de durabilité minimale dépassée" not in page


def test_a_batch_without_jars_has_no_labels_to_print(client_as, world, kit):
    soup = kit.batch(
        kit.session(),
        [(kit.collection(kit.producer()), 1_000)],
        jars={370: 0},
        recipe=kit.soup,
        soup_centilitres=500,
        release=False,
    )
    response = client_as(world.coordinator).get(
        reverse("cannery:labels", args=[soup.pk]), follow=True
    )
    assert "pas d'étiquette à imprimer" in html.unescape(response.content.decode())
