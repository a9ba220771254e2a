"""Issue 11, points 1 and 6: the other person of an exchange or of a paper cheque is found by the
front desk's search (name or card number), never picked from a list of every member; staff see
what tells namesakes apart (birth year, home house)."""

import datetime

import pytest

from coope.conftest import PASSWORD
from coope.core.models import User
from coope.timebank import services
from coope.timebank.models import Account, Exchange
from coope.timebank.tests.conftest import make_member


@pytest.fixture
def ana_login(tb, world):
    return User.objects.create_user(
        username="ana", password=PASSWORD, cooperation=world.coop, person=tb.ana_person
    )


@pytest.fixture
def namesakes(tb, world):
    """Two Bens Test: the first born in 1950 in house A, the second in 1990 in house B."""
    tb.ben_person.birth_date = datetime.date(1950, 5, 1)
    tb.ben_person.home_house = world.house_a
    tb.ben_person.save()
    other = make_member(world, "Ben", house=world.house_b)
    other.birth_date = datetime.date(1990, 7, 2)
    other.save()
    return services.open_account(actor=None, person=other)


def test_the_exchange_form_lists_no_member(tb, ana_login, client_as):
    page = client_as(ana_login).get("/tic-tac/echanges/nouveau/").content.decode()
    assert "Cherchez la personne (nom, prénom ou numéro de carte)" in page
    assert "Cléo" not in page and "Ben" not in page
    assert page.count("<select") == 1  # the category; no list of people


def test_a_member_finds_the_other_person_by_name_or_card(tb, ana_login, client_as, world):
    client = client_as(ana_login)
    url = "/tic-tac/echanges/personnes/?champ=receivers&q="
    found = client.get(url + "ben").content.decode()
    assert "TEST Ben" in found and f'value="{tb.ben.pk}"' in found and 'type="checkbox"' in found
    everyone = client.get(url + "test").content.decode()
    assert "TEST Cléo" in everyone and "TEST Ana" not in everyone  # not oneself
    assert "TEST Otto" not in everyone  # another cooperation
    card = client.get(url + f"rom-{tb.cleo_person.pk}").content.decode()
    assert "TEST Cléo" in card and "TEST Ben" not in card
    assert "deux lettres" in client.get(url + "b").content.decode()
    assert "Aucun compte TIC-TAC ne correspond" in client.get(url + "zorglub").content.decode()
    # A person without an account, or with a closed one, is not offered.
    make_member(world, "Sans")
    assert "Aucun compte" in client.get(url + "sans").content.decode()
    assert client.get("/tic-tac/echanges/personnes/?champ=x&q=ben").status_code == 404


def test_members_see_the_house_but_never_the_birth_year(tb, ana_login, client_as, namesakes):
    found = client_as(ana_login).get("/tic-tac/echanges/personnes/?champ=receivers&q=ben")
    body = found.content.decode()
    assert body.count("TEST Ben") == 2 and "1950" not in body and "1990" not in body


def test_the_search_is_for_members_and_for_managers(tb, world, client_as):
    assert (
        client_as(world.alice).get("/tic-tac/echanges/personnes/?champ=receivers&q=ben").status_code
        == 404
    )
    assert (
        client_as(world.alice).get("/tic-tac/cheque/personnes/?champ=provider&q=ben").status_code
        == 403
    )
    assert (
        client_as(world.charlie).get("/tic-tac/cheque/personnes/?champ=provider&q=ben").status_code
        == 403
    )


def test_staff_tell_namesakes_apart_on_the_cheque_form(tb, world, client_as, namesakes):
    client = client_as(world.coordinator)
    form = client.get("/tic-tac/cheque/").content.decode()
    assert form.count("<select") == 1 and "Cléo" not in form
    found = client.get("/tic-tac/cheque/personnes/?champ=provider&q=ben").content.decode()
    assert 'type="radio"' in found and 'name="provider"' in found
    first, second = found.split("TEST Ben")[1:3]
    assert "1950" in first and "></span>A</span>" in first
    assert "1990" in second and "></span>B</span>" in second


def test_a_cheque_entered_through_the_search(tb, world, client_as, namesakes):
    client = client_as(world.coordinator)
    data = {
        "cheque_number": "C-9",
        "provider": namesakes.pk,
        "receiver": tb.cleo.pk,
        "category": tb.garden.pk,
        "description": "Potager",
        "duration": "2",
        "performed_on": "2018-03-01",
    }
    preview = client.post("/tic-tac/cheque/", data).content.decode()
    assert "a rendu service à" in preview
    client.post("/tic-tac/cheque/", {**data, "confirm": "1"})
    assert Account.objects.get(pk=namesakes.pk).balance_minutes == 900 + 120
    missing = client.post("/tic-tac/cheque/", {**data, "provider": ""}).content.decode()
    assert "Cherchez et choisissez qui a rendu le service." in missing
    assert Exchange.objects.count() == 1
    # Past a limit: refused before the summary; staff read the figures.
    big = client.post(
        "/tic-tac/cheque/", {**data, "cheque_number": "C-10", "duration": "40"}
    ).content.decode()
    assert "Solde insuffisant pour Cléo Test" in big and Exchange.objects.count() == 1


def test_a_former_choice_comes_back_when_the_form_has_an_error(tb, ana_login, client_as):
    page = client_as(ana_login).post(
        "/tic-tac/echanges/nouveau/",
        {"receivers": [tb.ben.pk], "category": tb.garden.pk, "duration": "0", "key": "k"},
    )
    body = page.content.decode()
    assert f'name="receivers" value="{tb.ben.pk}" checked' in body and "TEST Ben" in body


def test_a_member_told_apart_namesakes_of_one_house_by_their_card(
    tb, ana_login, client_as, namesakes, world
):
    client = client_as(ana_login)
    url = "/tic-tac/echanges/personnes/?champ=receivers&q="
    # Two Bens in two houses: the house tells them apart.
    assert "Plusieurs personnes portent ce nom" not in client.get(url + "ben").content.decode()
    namesakes.person.home_house = world.house_a
    namesakes.person.save()
    body = client.get(url + "ben").content.decode()
    assert "Plusieurs personnes portent ce nom dans la même maison" in body
    assert "numéro de sa carte" in body and "1950" not in body and "1990" not in body
