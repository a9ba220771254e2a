"""Mobility on a phone: an inhabitant books an e-bike from her page, paid in TIC-TAC; reception
hands it out and takes it back; the hours held are taken and `coope check` passes."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scope

from coope.mobility import services
from coope.mobility.models import Booking, Loan
from coope.tests_browser.test_frontdesk_flow import live_server_screenshot_dir
from coope.tests_browser.test_timebank_flow import log_in, members  # noqa: F401 (a fixture)
from coope.timebank.models import Account, Hold

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WHEN = "%Y-%m-%dT%H:%M"


@pytest.fixture
def ana(world, members):  # noqa: F811 (the TIC-TAC flow's fixture)
    """Ana of the TIC-TAC flow (a member this year, 15 h, her login), and an e-bike at house A."""
    with scope(cooperation=world.coop.pk):
        services.add_unit(
            actor=world.director,
            cooperation=world.coop,
            kind="ebike",
            name="VAE Bleu",
            house=world.house_a,
            in_service_on=timezone.localdate() - datetime.timedelta(days=30),
            odometer_km=120,
        )
    return members[0]


def test_an_inhabitant_books_an_ebike_and_reception_hands_it_out_and_back(
    live_server, world, ana, phone
):
    page = phone
    start = timezone.localtime().replace(minute=0, second=0, microsecond=0) + datetime.timedelta(
        hours=2
    )
    end = start + datetime.timedelta(hours=5)

    # Ana books the e-bike from her phone, through the menu.
    log_in(page, live_server.url, "ana")
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Vélos à emprunter").click()
    page.get_by_label("Véhicule").select_option(label="Vélo à assistance électrique « VAE Bleu »")
    page.get_by_label("Début").fill(start.strftime(WHEN))
    page.get_by_label("Fin").fill((start - datetime.timedelta(hours=1)).strftime(WHEN))
    page.get_by_role("button", name="Réserver").click()
    page.get_by_text("La fin doit être après le début").wait_for()  # refused, nothing written
    page.get_by_label("Fin").fill(end.strftime(WHEN))
    page.get_by_role("button", name="Réserver").dblclick()  # a double tap books once
    page.get_by_text("sont réservées sur votre TIC-TAC").wait_for()
    page.get_by_test_id("my-booking").get_by_text("1 h réservé").wait_for()
    page.screenshot(path=str(live_server_screenshot_dir() / "mobility_booked.png"), full_page=True)
    with scope(cooperation=world.coop.pk):
        assert Booking.objects.count() == 1 and Hold.objects.get().minutes == 60

    # Reception hands it out, then takes it back.
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/mobilite/")
    page.get_by_role("link", name="Départ").click()
    page.get_by_label("Freins").check()
    page.get_by_label("Batterie chargée").check()
    page.get_by_label("Caution reçue (€)").fill("150")
    page.get_by_role("button", name="Enregistrer le départ").click()
    page.get_by_text("est parti avec Ana Test").wait_for()
    page.get_by_role("link", name="Retour").click()
    page.get_by_label("Freins").check()
    page.get_by_label("Compteur au retour (km)").fill("143")
    page.get_by_role("button", name="Enregistrer le retour").click()
    page.get_by_text("est rendu ; 1 h prises sur son TIC-TAC").wait_for()
    with scope(cooperation=world.coop.pk):
        loan = Loan.objects.get()
        assert (loan.deposit_cents, loan.distance_km) == (15000, 23)
        assert Hold.objects.get().status == "taken"
        assert Account.objects.get(person=ana).balance_minutes == 15 * 60 - 60

    # Ana sees her balance less the hour, and the booking returned.
    log_in(page, live_server.url, "ana")
    page.get_by_test_id("balance").get_by_text("Solde : 14 h").wait_for()
    page.goto(f"{live_server.url}/mobilite/emprunter/")
    page.get_by_test_id("my-booking").get_by_text("Rendu").wait_for()

    out = io.StringIO()
    call_command("check", stdout=out)
    assert "System check identified no issues" in out.getvalue()
