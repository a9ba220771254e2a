"""TIC-TAC pages: a member on a phone, coordinators; permissions and query counts."""

import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from coope.conftest import PASSWORD
from coope.core.models import AuditEntry, User
from coope.timebank import services
from coope.timebank.models import Account, Exchange, Listing, Transfer
from coope.timebank.tests.conftest import make_member


@pytest.fixture
def member(tb, world):
    """Ana's own login (an inhabitant, no staff role)."""
    return User.objects.create_user(
        username="ana", password=PASSWORD, cooperation=world.coop, person=tb.ana_person
    )


def exchange(tb, provider, receiver, minutes=60, key=None, category=None):
    return services.record_exchange(
        actor=None,
        provider=provider,
        receiver=receiver,
        minutes=minutes,
        category=category or tb.garden,
        description="Coup de main",
        performed_on=datetime.date(2018, 3, 1),
        idempotency_key=key or f"x{Exchange.objects.count()}",
    )


def test_an_inhabitant_lands_on_their_page_and_sees_balance_and_exchanges(tb, member, client_as):
    exchange(tb, tb.ben, tb.ana, 90)
    client = client_as(member)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/tic-tac/"
    body = response.content.decode()
    assert (
        "Solde : 15 h" in body
        and "Ben Test" in body
        and "1 h 30" in body
        and "Crédit de départ" in body
    )


def test_the_member_page_makes_the_same_number_of_queries_with_more_rows(tb, member, client_as):
    client = client_as(member)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/tic-tac/").status_code == 200
        return len(ctx.captured_queries)

    exchange(tb, tb.ben, tb.ana, 30)
    services.transfer_time(actor=None, payer=tb.ana, payee=tb.cleo, minutes=5, idempotency_key="t0")
    few = count()
    for i in range(8):
        exchange(tb, tb.ben, tb.ana, 30)
        exchange(tb, tb.cleo, tb.ana, 30)
        services.transfer_time(
            actor=None, payer=tb.ana, payee=tb.cleo, minutes=5, idempotency_key=f"t{i + 1}"
        )
    services.reverse_transfer(
        actor=None, transfer=Transfer.objects.filter(kind="transfer").first(), reason="x"
    )
    assert count() == few


def test_confirming_and_refusing_exchanges(tb, member, client_as):
    first, second = exchange(tb, tb.ben, tb.ana, 90), exchange(tb, tb.cleo, tb.ana, 30)
    foreign = exchange(tb, tb.ana, tb.ben, 30)
    client = client_as(member)
    response = client.post(f"/tic-tac/echanges/{first.pk}/confirmer/", follow=True)
    assert "Échange confirmé" in response.content.decode()
    client.post(f"/tic-tac/echanges/{first.pk}/confirmer/")  # a second click records nothing more
    client.post(f"/tic-tac/echanges/{second.pk}/refuser/")
    assert Account.objects.get(pk=tb.ana.pk).balance_minutes == 900 - 90
    assert Exchange.objects.get(pk=second.pk).status == "refused"
    # Ana cannot confirm an exchange where she is the provider.
    assert client.post(f"/tic-tac/echanges/{foreign.pk}/confirmer/").status_code == 404


def test_recording_a_service_shows_a_warning_then_records_once(tb, member, client_as):
    client = client_as(member)
    form = client.get("/tic-tac/echanges/nouveau/").content.decode()
    assert "Qui a reçu le service" in form
    data = {
        "receivers": [tb.ben.pk],
        "category": tb.garden.pk,
        "description": "Tonte",
        "duration": "34h",
        "performed_on": "2018-03-01",
        "key": "abc",
    }
    preview = client.post("/tic-tac/echanges/nouveau/", data).content.decode()
    # Ben would come near his limit: Ana is not told his balance (see test_exchange_limits).
    assert "Vous avez rendu service à" in preview and Exchange.objects.count() == 0
    assert "limite" not in preview
    data["confirm"] = "1"
    client.post("/tic-tac/echanges/nouveau/", data)
    client.post("/tic-tac/echanges/nouveau/", data)  # double click
    [recorded] = Exchange.objects.all()
    assert (recorded.provider, recorded.receiver, recorded.minutes) == (tb.ana, tb.ben, 34 * 60)
    bad = client.post("/tic-tac/echanges/nouveau/", {**data, "duration": "0"}).content.decode()
    assert "plus grande que zéro" in bad


def test_a_group_exchange_from_the_member_page(tb, member, client_as):
    client = client_as(member)
    data = {
        "receivers": [tb.ben.pk, tb.cleo.pk],
        "category": tb.computing.pk,
        "description": "Atelier smartphone",
        "duration": "1,5",
        "performed_on": "2018-03-01",
        "key": "grp",
    }
    assert (
        "chacun·e paie la durée" in client.post("/tic-tac/echanges/nouveau/", data).content.decode()
    )
    client.post("/tic-tac/echanges/nouveau/", {**data, "confirm": "1"})
    client.post("/tic-tac/echanges/nouveau/", {**data, "confirm": "1"})
    exchanges = Exchange.objects.order_by("receiver_id")
    assert [(e.receiver, e.minutes) for e in exchanges] == [(tb.ben, 90), (tb.cleo, 90)]
    assert len({e.group for e in exchanges}) == 1


def test_statement_as_csv_and_pdf(tb, member, client_as):
    services.transfer_time(
        actor=None, payer=tb.ana, payee=tb.ben, minutes=90, idempotency_key="s1", memo="Guitare"
    )
    client = client_as(member)
    csv = client.get("/tic-tac/releve/?format=csv").content.decode("utf-8-sig")
    lines = csv.strip().splitlines()
    assert lines[0].startswith("Date;Nature")
    # The hours cell may carry the spreadsheet guard of a text starting with "-" and a digit.
    assert re.search(r"Guitare;Ben Test;-90;'?-1 h 30;810", lines[1])
    assert "Crédit de départ" in lines[2] and lines[2].endswith(";900")
    pdf = client.get("/tic-tac/releve/?format=pdf")
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Relevé TIC-TAC" in text and "Guitare" in text


def test_offers_and_requests(tb, member, client_as):
    client = client_as(member)
    client.post(
        "/tic-tac/annonces/",
        {"kind": "offer", "category": tb.computing.pk, "description": "Aide ordinateur"},
    )
    assert Listing.objects.get().account == tb.ana
    assert "Aide ordinateur" in client.get("/tic-tac/annonces/?type=offer").content.decode()
    assert "Aide ordinateur" not in client.get("/tic-tac/annonces/?type=request").content.decode()


def test_staff_without_a_person_are_led_to_the_accounts_from_member_pages(tb, world, client_as):
    # /tic-tac/, a member's exchange form and the offers lead staff to the accounts they may
    # see (else home), never to a « page not found »; a member's own statement file is a 404.
    assert client_as(world.alice).get("/tic-tac/releve/").status_code == 404
    for url in ("/tic-tac/echanges/nouveau/", "/tic-tac/annonces/"):
        response = client_as(world.alice).get(url)
        assert (response.status_code, response["Location"]) == (302, "/tic-tac/comptes/"), url
    assert client_as(world.volunteer).get("/tic-tac/annonces/")["Location"] == "/"


def test_accounts_list_filters_and_permissions(tb, world, client_as):
    services.transfer_time(
        actor=None, payer=tb.ana, payee=tb.ben, minutes=33 * 60, idempotency_key="near"
    )
    reception = client_as(world.alice)
    body = reception.get("/tic-tac/comptes/?filtre=limite").content.decode()
    assert "Ana Test" in body and "Ben Test" not in body
    assert "Ana Test" in reception.get("/tic-tac/comptes/?q=ana").content.decode()
    assert client_as(world.volunteer).get("/tic-tac/comptes/").status_code == 403
    assert client_as(world.charlie).get(f"/tic-tac/comptes/{tb.ana.pk}/").status_code == 404
    assert client_as(world.alice).get("/tic-tac/cheque/").status_code == 403


def test_inactive_accounts(tb, world, client_as, time_machine):
    time_machine.shift(datetime.timedelta(days=200))
    services.transfer_time(
        actor=None, payer=tb.ana, payee=tb.ben, minutes=30, idempotency_key="recent"
    )
    body = client_as(world.coordinator).get("/tic-tac/comptes/?filtre=inactifs").content.decode()
    assert "Cléo Test" in body and "Ana Test" not in body


def test_accounts_list_makes_the_same_number_of_queries_with_more_accounts(tb, world, client_as):
    client = client_as(world.coordinator)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/tic-tac/comptes/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(6):
        services.open_account(actor=None, person=make_member(world, f"P{i}"))
    assert count() == few
    with CaptureQueriesContext(connection) as ctx:
        client.get(f"/tic-tac/comptes/{tb.ana.pk}/")
    before = len(ctx.captured_queries)
    for i in range(5):
        services.transfer_time(
            actor=None, payer=tb.ana, payee=tb.ben, minutes=5, idempotency_key=f"q{i}"
        )
    with CaptureQueriesContext(connection) as ctx:
        client.get(f"/tic-tac/comptes/{tb.ana.pk}/")
    assert len(ctx.captured_queries) == before


def test_coordinator_enters_a_cheque_reverses_it_and_sets_limits(tb, world, client_as):
    client = client_as(world.coordinator)
    data = {
        "cheque_number": "C-1",
        "provider": tb.ben.pk,
        "receiver": tb.cleo.pk,
        "category": tb.garden.pk,
        "description": "Potager",
        "duration": "2",
        "performed_on": "2018-03-01",
        "confirm": "1",
    }
    client.post("/tic-tac/cheque/", data)
    client.post("/tic-tac/cheque/", data)
    transfer = Transfer.objects.get(kind="exchange")
    assert Account.objects.get(pk=tb.ben.pk).balance_minutes == 1020
    page = client.get(f"/tic-tac/virements/{transfer.pk}/annuler/").content.decode()
    assert "Annuler le virement" in page
    assert (
        "motif"
        in client.post(f"/tic-tac/virements/{transfer.pk}/annuler/", {"reason": "", "key": "k"})
        .content.decode()
        .lower()
    )
    client.post(
        f"/tic-tac/virements/{transfer.pk}/annuler/", {"reason": "Chèque non signé", "key": "k"}
    )
    double = client.post(
        f"/tic-tac/virements/{transfer.pk}/annuler/", {"reason": "Chèque non signé"}, follow=True
    )
    assert "annulé ; les personnes concernées sont prévenues" in double.content.decode()
    assert Account.objects.get(pk=tb.ben.pk).balance_minutes == 900
    assert Transfer.objects.filter(kind="reversal").count() == 1
    again = client.post(
        f"/tic-tac/virements/{transfer.pk}/annuler/", {"reason": "x", "key": "k2"}
    ).content.decode()
    assert "déjà été annulé" in again
    client.post(
        f"/tic-tac/comptes/{tb.ben.pk}/limites/",
        {"min_hours": "-5", "max_hours": "", "reason": "Demande"},
    )
    assert Account.objects.get(pk=tb.ben.pk).min_balance_minutes == -300
    assert AuditEntry.objects.filter(action="timebank_set_limits", actor=world.coordinator).exists()


def test_opening_an_account_from_the_person(tb, world, client_as):
    person = make_member(world, "Nouveau")
    client = client_as(world.coordinator)
    found = client.get("/tic-tac/comptes/?q=nouv").content.decode()
    assert f"/tic-tac/comptes/ouvrir/?personne={person.pk}" in found
    assert (
        "15 h de crédit de départ"
        in client.get(f"/tic-tac/comptes/ouvrir/?personne={person.pk}").content.decode()
    )
    client.post(f"/tic-tac/comptes/ouvrir/?personne={person.pk}")
    assert Account.objects.get(person=person).balance_minutes == 900
    assert client.get("/tic-tac/comptes/ouvrir/?personne=abc").status_code == 404


def test_notices_of_a_reversal_are_shown_until_read(tb, member, client_as):
    transfer = services.transfer_time(
        actor=None, payer=tb.ben, payee=tb.ana, minutes=60, idempotency_key="n"
    )
    services.reverse_transfer(actor=None, transfer=transfer, reason="Erreur de saisie")
    client = client_as(member)
    assert "a été annulé : Erreur de saisie" in client.get("/tic-tac/").content.decode()
    client.post("/tic-tac/avis/lus/")
    page = client.get("/tic-tac/").content.decode()
    assert "a été annulé : Erreur de saisie" not in page.split("Relevé")[0]


def test_staff_with_a_person_still_land_on_the_front_desk(tb, world, client_as):
    world.alice.person = tb.cleo_person
    world.alice.save()
    assert client_as(world.alice).get("/").url == "/accueil/"
    assert client_as(world.alice).get("/tic-tac/").status_code == 200  # and may open their own page
