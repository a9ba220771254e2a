"""A receptionist sends « Noter un passage » twice in a real browser: one visit is recorded (the
form's one-time key, `coope.core.once`).

Chromium sends one request for two clicks in the same instant (the second submission replaces
the first before it leaves), so the double click is made as it happens: the server is slow, the
first request is on its way, the person clicks again. That one runs on PostgreSQL: on SQLite the
in-memory test database is one connection shared by the live server's threads, so two requests
at once would share a transaction, which no real server does."""

import time

import pytest
from django.db import connection
from django_scopes import scope

from coope.conftest import PASSWORD
from coope.people import services
from coope.people.models import ReceptionVisit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ALREADY = "Déjà enregistré : ce formulaire avait déjà été envoyé."


@pytest.fixture
def elodie(world):
    with scope(cooperation=world.coop.pk):
        return services.create_person(
            actor=world.alice,
            cooperation=world.coop,
            first_name="Élodie",
            last_name="Dupont",
            home_house=world.house_a,
        )


def visit_form(page, live_server, person):
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill("alice")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Chercher une personne").wait_for()
    page.goto(f"{live_server.url}/accueil/passages/nouveau/?personne={person.pk}")
    page.get_by_label("Motif").select_option("information")
    return page.get_by_role("button", name="Enregistrer le passage")


def visits(world, person) -> int:
    with scope(cooperation=world.coop.pk):
        return ReceptionVisit.objects.filter(person=person).count()


def test_a_second_click_while_the_server_is_slow_records_once(
    live_server, world, elodie, phone, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("Two requests at once need their own connections: set DATABASE_URL.")
    record_visit = services.record_visit

    def slow_record_visit(**kwargs):
        time.sleep(1.5)  # a slow server: the person clicks again meanwhile
        return record_visit(**kwargs)

    monkeypatch.setattr(services, "record_visit", slow_record_visit)
    page = phone
    button = visit_form(page, live_server, elodie)
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.post_data or "") if r.method == "POST" else None)
    box = button.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    with page.expect_request(lambda r: r.method == "POST"):
        page.mouse.click(x, y)
    page.wait_for_timeout(300)  # the first request is at the server, the page still shown
    page.mouse.click(x, y)
    page.get_by_role("heading", name="Élodie DUPONT", exact=True).wait_for()
    page.get_by_text(ALREADY).wait_for()

    assert len(sent) == 2 and sent[0] == sent[1] and "once_key=" in sent[0]
    assert visits(world, elodie) == 1
