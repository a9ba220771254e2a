"""TIC-TAC on a phone: a member records a service, the other confirms it, a coordinator enters a
paper cheque and reverses a transfer, and the member sees the notice."""

import datetime

import pytest
from django.utils import timezone
from django_scopes import scope

from coope.conftest import PASSWORD
from coope.core.models import User
from coope.membership.models import FeeRule, MembershipPeriod
from coope.tests_browser.test_frontdesk_flow import live_server_screenshot_dir
from coope.timebank import services
from coope.timebank.models import Account, Category
from coope.timebank.tests.conftest import make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def members(world):
    today = timezone.localdate()
    with scope(cooperation=world.coop.pk):
        period = MembershipPeriod.objects.create(
            cooperation=world.coop,
            name=str(today.year),
            start=datetime.date(today.year, 1, 1),
            end=datetime.date(today.year, 12, 31),
        )
        FeeRule.objects.create(
            cooperation=world.coop, period=period, kind="individual", amount_cents=0
        )
        ana = make_member(world, "Ana", period=period)
        ben = make_member(world, "Ben", period=period)
        services.open_account(actor=None, person=ana)
        services.open_account(actor=None, person=ben)
        Category.objects.create(cooperation=world.coop, name="Jardinage")
        User.objects.create_user(
            username="ana", password=PASSWORD, cooperation=world.coop, person=ana
        )
        User.objects.create_user(
            username="ben", password=PASSWORD, cooperation=world.coop, person=ben
        )
    return ana, ben


def log_in(page, url, username):
    page.context.clear_cookies()
    page.goto(f"{url}/connexion/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def test_members_exchange_and_a_coordinator_enters_a_cheque_and_reverses(
    live_server, world, members, phone
):
    page = phone
    ana, ben = members
    # Ana lands on her page and records a service given to Ben.
    log_in(page, live_server.url, "ana")
    page.get_by_test_id("balance").get_by_text("Solde : 15 h").wait_for()
    page.get_by_role("link", name="J'ai rendu un service").click()
    # Ben is found by a search (no list of every member); the preview gives no one else's balance.
    page.get_by_role("searchbox", name="Qui a reçu le service ?").fill("ben")
    page.get_by_label("TEST Ben").check()
    page.get_by_label("Catégorie").select_option(label="Jardinage")
    page.get_by_label("Description du service").fill("Taille de haie")
    page.get_by_label("Durée (heures)").fill("1h30")
    page.get_by_role("button", name="Vérifier").click()
    page.get_by_text("Vous avez rendu service à").wait_for()
    page.get_by_role("button", name="Enregistrer l'échange").dblclick()  # a double tap records once
    page.get_by_text("à confirmer par : Ben Test").wait_for()

    # Ben is told on his page, and confirms it on his phone.
    log_in(page, live_server.url, "ben")
    page.get_by_text("Ana Test demande 1 h 30").wait_for()
    page.get_by_text("Taille de haie").first.wait_for()
    page.get_by_role("button", name="Confirmer").click()
    page.get_by_text("Échange confirmé").wait_for()
    page.get_by_test_id("balance").get_by_text("Solde : 13 h 30").wait_for()
    with scope(cooperation=world.coop.pk):
        assert Account.objects.get(person=ana).balance_minutes == 990

    # The coordinator enters a paper cheque (Ben gave Ana 2 h), then reverses it.
    log_in(page, live_server.url, "coordination")
    page.goto(f"{live_server.url}/tic-tac/cheque/")
    page.get_by_label("Numéro du chèque").fill("P-0042")
    page.get_by_role("searchbox", name="Qui a rendu le service ?").fill("ben")
    page.locator("#results-provider").get_by_label("TEST Ben").check()
    page.get_by_role("searchbox", name="Qui l'a reçu ?").fill("ana")
    page.locator("#results-receiver").get_by_label("TEST Ana").check()
    page.get_by_label("Catégorie").select_option(label="Jardinage")
    page.get_by_label("Description du service").fill("Potager")
    page.get_by_label("Durée (heures)").fill("2")
    page.get_by_role("button", name="Vérifier").click()
    page.get_by_role("button", name="Enregistrer l'échange").click()
    page.get_by_text("Chèque n° P-0042 enregistré").wait_for()
    page.get_by_role("button", name="Menu").click()  # on a phone the menu is folded
    page.get_by_role("link", name="TIC-TAC", exact=True).click()
    page.get_by_role("link", name="Ana Test").click()
    page.get_by_role("cell", name="Échange de services · Potager").wait_for()
    page.get_by_role("link", name="Annuler").first.click()
    page.get_by_label("Motif").fill("Chèque saisi sur le mauvais compte")
    page.get_by_role("button", name="Annuler ce virement").click()
    page.get_by_text("les personnes concernées sont prévenues").wait_for()
    page.screenshot(path=str(live_server_screenshot_dir() / "timebank_account.png"))

    # Ana sees the notice and her balance back.
    log_in(page, live_server.url, "ana")
    page.get_by_text("Chèque saisi sur le mauvais compte").first.wait_for()
    page.get_by_test_id("balance").get_by_text("Solde : 16 h 30").wait_for()
    page.screenshot(path=str(live_server_screenshot_dir() / "timebank_member.png"), full_page=True)
