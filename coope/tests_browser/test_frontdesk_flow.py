"""The front-desk flow, as a receptionist does it on a phone."""

import datetime

import pytest
from django.utils import timezone
from django_scopes import scope

from coope.conftest import PASSWORD
from coope.membership.models import FeeRule, Membership, MembershipPeriod
from coope.people.services import create_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def current_period(world):
    today = timezone.localdate()
    with scope(cooperation=world.coop.pk):
        period = MembershipPeriod.objects.create(
            cooperation=world.coop,
            name=str(today.year),
            start=datetime.date(today.year, 1, 1),
            end=datetime.date(today.year, 12, 31),
        )
        FeeRule.objects.create(
            cooperation=world.coop, period=period, kind="household", amount_cents=1500
        )
        FeeRule.objects.create(
            cooperation=world.coop, period=period, kind="individual", amount_cents=800
        )
        create_person(
            actor=world.alice,
            cooperation=world.coop,
            first_name="Élodie",
            last_name="Dupont",
            home_house=world.house_a,
        )
    return period


def test_reception_searches_creates_a_household_takes_a_membership_and_opens_the_card(
    live_server, world, current_period, phone
):
    page = phone
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill("alice")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    # Search as you type, without accents.
    page.get_by_label("Chercher une personne").fill("elod")
    page.get_by_role("link", name="DUPONT Élodie").click()
    page.get_by_text("Pas d'adhésion en cours").first.wait_for()

    # A household around her, with a family quotient.
    page.get_by_role("link", name="Créer un foyer avec cette personne").click()
    page.get_by_role("button", name="Créer le foyer").click()
    page.get_by_role("heading", name="Famille Dupont").wait_for()
    page.get_by_label("Quotient familial (€)").fill("450")
    page.get_by_role("button", name="Enregistrer le quotient").click()
    page.get_by_text("Quotient familial enregistré.").wait_for()

    # The family membership, with the fee from the rules.
    page.get_by_role("link", name="Adhésion familiale").click()
    page.get_by_text("15,00 €", exact=True).wait_for()  # the fee; the periods offered say it too
    page.get_by_label("Chèque").check()
    page.get_by_role("button", name="Enregistrer l'adhésion").click()
    page.get_by_text("Adhésion enregistrée").wait_for()

    with scope(cooperation=world.coop.pk):
        membership = Membership.objects.get()
    assert membership.household.name == "Famille Dupont"
    assert (membership.fee_cents, membership.payment_method) == (1500, "cheque")

    # The card opens as a PDF.
    link = page.get_by_role("link", name="Imprimer la carte")
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    # And any house checks it by its number.
    page.goto(f"{live_server.url}/adhesions/carte/?number={membership.card_number}")
    page.get_by_text("Carte valable jusqu'au").wait_for()
    page.screenshot(path=str(live_server_screenshot_dir() / "check_card.png"))


def live_server_screenshot_dir():
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "var" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
