"""A coordinator runs the cannery from a phone during a workshop, as a person would."""

import datetime
import io

import pytest
from django.utils import timezone
from django_scopes import scope
from pypdf import PdfReader

from coope.activities.models import Activity, Session
from coope.cannery.models import (
    Batch,
    Cannery,
    Collection,
    Movement,
    Producer,
    Recipe,
    RecipeIngredient,
)
from coope.conftest import PASSWORD
from coope.people.services import create_person
from coope.tests_browser.test_frontdesk_flow import live_server_screenshot_dir
from coope.timebank.models import Transfer
from coope.timebank.services import open_account

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def workshop(world):
    with scope(cooperation=world.coop.pk):
        activity = Activity.objects.create(
            cooperation=world.coop, title="Conserverie mobile", kind="workshop"
        )
        Cannery.objects.create(cooperation=world.coop, activity=activity)
        start = timezone.now().replace(minute=0, second=0, microsecond=0)
        session = Session.objects.create(
            cooperation=world.coop,
            activity=activity,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=3),
            commune="Triors",
        )
        Producer.objects.create(
            cooperation=world.coop, name="Ferme des Chirouzes", commune="Triors"
        )
        recipe = Recipe.objects.create(
            cooperation=world.coop,
            code="CONF",
            name="Confiture d'abricots",
            jar_sizes_ml=[370],
            sterilisation_minutes=40,
            sterilisation_celsius=100,
            shelf_life_days=365,
        )
        RecipeIngredient.objects.create(
            cooperation=world.coop, recipe=recipe, name="abricots", percent=60
        )
        RecipeIngredient.objects.create(
            cooperation=world.coop, recipe=recipe, name="sucre", percent=40
        )
        payer = create_person(
            actor=world.coordinator, cooperation=world.coop, first_name="Inès", last_name="Tictac"
        )
        open_account(actor=world.coordinator, person=payer, registered_with=world.assoc_a)
    return session


def test_a_coordinator_records_a_collection_a_batch_labels_and_sales_on_a_phone(
    live_server, world, workshop, phone
):
    page = phone
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill("coordination")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("button", name="Menu").click()  # on a phone the menu is folded
    page.get_by_role("link", name="Conserverie", exact=True).first.click()

    # The apricots the farm brought, weighed.
    page.get_by_role("link", name="Nouvelle collecte").first.click()
    page.get_by_label("Producteur").select_option(label="Ferme des Chirouzes")
    page.get_by_label("Produit").fill("abricots")
    page.get_by_label("Poids (kg)").fill("12,5")
    page.get_by_label("Déclassé").check()
    page.get_by_label("Pendant l'atelier").select_option(str(workshop.pk))
    page.get_by_role("button", name="Enregistrer la collecte").click()
    page.get_by_text("Collecte enregistrée").wait_for()

    # The batch made from 10 kg of them, with its sterilisation.
    page.get_by_role("link", name="Nouvelle fabrication").first.click()
    page.get_by_label("Atelier").select_option(str(workshop.pk))
    page.get_by_label("Recette").select_option(label="Confiture d'abricots")
    page.get_by_label("Collecte utilisée n° 1").select_option(index=1)
    page.get_by_label("Poids utilisé n° 1 (kg)").fill("10")
    page.get_by_label("Bocaux de 370 ml").fill("18")
    page.get_by_label("Stérilisation : durée (minutes)").fill("45")
    page.get_by_label("Stérilisation : température (°C)").fill("100")
    page.get_by_label("Stérilisation : opérateur·rice").fill("Rose")
    page.get_by_label("Fermeture des bocaux vérifiée").check()
    page.get_by_role("button", name="Enregistrer la fabrication").click()
    page.get_by_text("Pas encore libérée").wait_for()
    page.get_by_role("button", name="Libérer la fabrication").click()
    page.get_by_text("Fabrication libérée").wait_for()

    # The labels, one per jar.
    link = page.get_by_role("link", name="Imprimer les étiquettes")
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(response.body())).pages[0].extract_text().split())
    with scope(cooperation=world.coop.pk):
        batch = Batch.objects.get()
        lot = batch.lots.get()
    assert text.count(f"Lot {lot.code}") == 18 and "abricots 60 %, sucre 40 %" in text

    # Sold at the workshop: 2 jars for 9 €, then 1 jar for an hour of TIC-TAC.
    page.get_by_role("link", name=f"{lot.code}").click()
    page.get_by_role("link", name="Vente en euros").click()
    page.get_by_label("Nombre de bocaux").fill("2")
    page.get_by_label("Prix total (€)").fill("9")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Vente en euros enregistrée").wait_for()
    page.get_by_role("link", name="Vente en monnaie-temps").click()
    page.get_by_label("Nombre de bocaux").fill("1")
    page.get_by_label("Qui paie").fill("ines tictac")
    page.get_by_label("Prix (minutes de TIC-TAC)").fill("60")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Vente en monnaie-temps enregistrée").wait_for()
    page.get_by_text("En stock").wait_for()
    page.get_by_text("15", exact=True).wait_for()
    page.screenshot(path=str(live_server_screenshot_dir() / "cannery_lot.png"), full_page=True)

    with scope(cooperation=world.coop.pk):
        collection = Collection.objects.get()
        assert (collection.weight_grams, collection.remaining_grams, collection.quality) == (
            12_500,
            2_500,
            "downgraded",
        )
        sales = {m.kind: m for m in Movement.objects.exclude(kind="made")}
        assert (sales["sold_euros"].jars, sales["sold_euros"].price_cents) == (2, 900)
        assert sales["sold_time"].transfer == Transfer.objects.get(kind="payment")
        assert sales["sold_time"].transfer.amount_minutes == 60
