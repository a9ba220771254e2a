"""Household links and home houses are dated: leaving closes, coming back opens, moving keeps
the former house; the pages, the services and the admin all do it the same way."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django_scopes import scope

from coope.core.models import AuditEntry
from coope.people.models import HomeHouseSpell, HouseholdMember, Person
from coope.people.services import (
    add_to_household,
    change_home_house,
    create_household,
    create_person,
    remove_from_household,
    update_person,
)

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = datetime.datetime(2024, 5, 15, 10, tzinfo=datetime.UTC)


@pytest.fixture
def family(in_scope):
    w = in_scope
    ana = create_person(
        actor=w.alice, cooperation=w.coop, first_name="Ana", last_name="Roux", home_house=w.house_a
    )
    ben = create_person(
        actor=w.alice, cooperation=w.coop, first_name="Ben", last_name="Roux", home_house=w.house_a
    )
    household = create_household(
        actor=w.alice,
        cooperation=w.coop,
        name="Famille Roux",
        members=[(ana, "referent"), (ben, "partner")],
    )
    return w, household, ana, ben


def spells(person):
    return list(
        HomeHouseSpell.objects.filter(person=person)
        .order_by("pk")
        .values_list("house__short_name", "valid_from", "valid_until")
    )


# -- household links -------------------------------------------------------------------------------


def test_the_people_a_household_is_created_with_were_there_before_coope_knew(family):
    _w, household, _ana, _ben = family
    assert list(household.links.values_list("valid_from", "valid_until")) == [(None, None)] * 2


@time_machine.travel(TODAY)
def test_leaving_closes_the_link_and_keeps_it(family):
    w, household, ana, ben = family
    link = remove_from_household(actor=w.alice, household=household, person=ben)
    assert link.valid_until == D(2024, 5, 15)  # today by default
    assert HouseholdMember.objects.filter(household=household).count() == 2
    assert list(household.links.current().values_list("person", flat=True)) == [ana.pk]
    entry = AuditEntry.objects.get(action="remove_member")
    assert entry.changes == {"person": ben.pk, "valid_until": "2024-05-15"}
    # Leaving again does nothing: there is no open link left.
    assert remove_from_household(actor=w.alice, household=household, person=ben) is None


@time_machine.travel(TODAY)
def test_someone_who_left_can_come_back_on_a_later_day(family):
    w, household, _ana, ben = family
    remove_from_household(actor=w.alice, household=household, person=ben, on=D(2020, 1, 31))
    for day in (D(2020, 1, 31), D(2019, 6, 1), None):
        with pytest.raises(ValidationError, match="a quitté ce foyer le 31/01/2020"):
            add_to_household(actor=w.alice, household=household, person=ben, valid_from=day)
    back = add_to_household(actor=w.alice, household=household, person=ben, link="partner")
    assert (back.valid_from, back.valid_until) == (D(2024, 5, 15), None)
    assert list(household.links.filter(person=ben).values_list("valid_from", "valid_until")) == [
        (None, D(2020, 1, 31)),
        (D(2024, 5, 15), None),
    ]
    # Adding someone who is already there keeps their link as it is.
    assert add_to_household(actor=w.alice, household=household, person=ben) == back
    assert AuditEntry.objects.filter(action="add_member", changes__person=ben.pk).count() == 2


def test_a_departure_before_the_arrival_is_refused(family):
    w, household, _ana, _ben = family
    cleo = create_person(actor=w.alice, cooperation=w.coop, first_name="Cléo", last_name="Roux")
    add_to_household(actor=w.alice, household=household, person=cleo, valid_from=D(2021, 3, 2))
    with pytest.raises(ValidationError, match="depuis le 02/03/2021"):
        remove_from_household(actor=w.alice, household=household, person=cleo, on=D(2021, 3, 1))
    assert household.links.get(person=cleo).valid_until is None


def test_the_database_refuses_two_open_links_and_dates_out_of_order(family):
    w, household, ana, _ben = family
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdMember.objects.create(cooperation=w.coop, household=household, person=ana)
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdMember.objects.create(
            cooperation=w.coop,
            household=household,
            person=ana,
            valid_from=D(2020, 1, 1),
            valid_until=D(2019, 1, 1),
        )


def test_deleting_a_person_or_a_household_with_links_is_refused(family):
    from django.db.models import ProtectedError

    _w, household, ana, _ben = family
    with pytest.raises(ProtectedError):
        Person.objects.filter(pk=ana.pk).delete()
    with pytest.raises(ProtectedError):
        household.delete()


# -- home houses -----------------------------------------------------------------------------------


def test_a_first_change_keeps_the_former_house_since_always(family):
    w, _household, ana, _ben = family
    change_home_house(actor=w.alice, person=ana, house=w.house_b, on=D(2022, 9, 1))
    assert spells(ana) == [("A", None, D(2022, 8, 31)), ("B", D(2022, 9, 1), None)]
    change_home_house(actor=w.alice, person=ana, house=None, on=D(2023, 1, 1))
    assert spells(ana) == [
        ("A", None, D(2022, 8, 31)),
        ("B", D(2022, 9, 1), D(2022, 12, 31)),
        (None, D(2023, 1, 1), None),
    ]
    ana.refresh_from_db()
    assert ana.home_house is None
    entries = AuditEntry.objects.filter(action="change_home_house", object_id=str(ana.pk))
    assert [e.changes for e in entries.order_by("pk")] == [
        {"home_house_id": [w.house_a.pk, w.house_b.pk], "on": "2022-09-01"},
        {"home_house_id": [w.house_b.pk, None], "on": "2023-01-01"},
    ]


def test_a_second_change_on_the_same_day_corrects_the_first(family):
    w, _household, ana, _ben = family
    change_home_house(actor=w.alice, person=ana, house=w.house_b, on=D(2022, 9, 1))
    change_home_house(actor=w.alice, person=ana, house=None, on=D(2022, 9, 1))
    assert spells(ana) == [("A", None, D(2022, 8, 31)), (None, D(2022, 9, 1), None)]


def test_a_change_before_the_last_one_is_refused_and_the_same_house_changes_nothing(family):
    w, _household, ana, _ben = family
    change_home_house(actor=w.alice, person=ana, house=w.house_b, on=D(2022, 9, 1))
    with pytest.raises(ValidationError, match="a déjà changé le 01/09/2022"):
        change_home_house(actor=w.alice, person=ana, house=w.house_a, on=D(2022, 8, 1))
    change_home_house(actor=w.alice, person=ana, house=w.house_b, on=D(2023, 1, 1))
    assert spells(ana) == [("A", None, D(2022, 8, 31)), ("B", D(2022, 9, 1), None)]
    # Same for someone without spells: no spell is written.
    _w, _h, _a, ben = family
    assert change_home_house(actor=w.alice, person=ben, house=w.house_a) is None
    assert spells(ben) == []


def test_a_house_of_another_cooperation_is_refused(family):
    w, _household, ana, _ben = family
    with pytest.raises(ValidationError, match="autre coopération"):
        change_home_house(actor=w.alice, person=ana, house=w.other_house)
    assert spells(ana) == []


@time_machine.travel(TODAY)
def test_update_person_goes_through_the_home_house_history(family):
    w, _household, ana, _ben = family
    update_person(actor=w.alice, person=ana, phone="06 00 00 00 00", home_house=w.house_b)
    assert spells(ana) == [("A", None, D(2024, 5, 14)), ("B", D(2024, 5, 15), None)]
    update_person(
        actor=w.alice, person=ana, home_house_id=w.house_a.pk, home_house_on=D(2024, 5, 20)
    )
    assert spells(ana)[-2:] == [("B", D(2024, 5, 15), D(2024, 5, 19)), ("A", D(2024, 5, 20), None)]
    ana.refresh_from_db()
    assert (ana.phone, ana.home_house) == ("06 00 00 00 00", w.house_a)


def test_creating_a_person_writes_no_spell(in_scope):
    w = in_scope
    zoe = create_person(
        actor=w.alice, cooperation=w.coop, first_name="Zoé", last_name="Roux", home_house=w.house_b
    )
    assert spells(zoe) == []


# -- the pages -------------------------------------------------------------------------------------


@time_machine.travel(TODAY)
def test_the_household_page_shows_former_members_apart(family, client_as):
    w, household, _ana, ben = family
    link = household.links.get(person=ben)
    client = client_as(w.alice)
    url = reverse("people:household_remove_member", args=[household.pk, link.pk])
    response = client.post(url, {"valid_until": "2024-02-29"}, follow=True)
    assert "ne fait plus partie du foyer depuis le 29/02/2024" in response.text
    current, former = response.text.split("<h2>Membres</h2>")[1].split("Anciens membres")
    assert "Ana Roux" in current and "Ben Roux" not in current
    assert "Ben Roux" in former and "a quitté le foyer le 29/02/2024" in former
    with scope(cooperation=w.coop.pk):
        assert HouseholdMember.objects.filter(household=household).count() == 2
    # The link is closed: it cannot be closed again from the page.
    assert client.post(url, {"valid_until": "2024-03-01"}).status_code == 404


@time_machine.travel(TODAY)
def test_a_departure_in_the_future_or_before_the_arrival_is_refused_on_the_page(family, client_as):
    w, household, _ana, _ben = family
    cleo = create_person(actor=w.alice, cooperation=w.coop, first_name="Cléo", last_name="Roux")
    link = add_to_household(
        actor=w.alice, household=household, person=cleo, valid_from=D(2021, 3, 2)
    )
    client = client_as(w.alice)
    url = reverse("people:household_remove_member", args=[household.pk, link.pk])
    for day, message in [
        ("2024-05-16", "pas dans le futur"),
        ("2021-03-01", "depuis le 02/03/2021"),
        ("", "Indiquez le jour"),
    ]:
        response = client.post(url, {"valid_until": day}, follow=True)
        assert response.status_code == 200 and message in response.text, day
    with scope(cooperation=w.coop.pk):
        link.refresh_from_db()
    assert link.valid_until is None


@time_machine.travel(TODAY)
def test_a_former_member_comes_back_from_the_page(family, client_as):
    w, household, _ana, ben = family
    remove_from_household(actor=w.alice, household=household, person=ben, on=D(2023, 1, 31))
    client = client_as(w.alice)
    page = client.get(reverse("people:household", args=[household.pk]), {"q": "ben"})
    assert f'name="person" value="{ben.pk}"' in page.text  # proposed again
    add = reverse("people:household_add_member", args=[household.pk])
    response = client.post(
        add, {"person": ben.pk, "link": "partner", "valid_from": "2023-01-15"}, follow=True
    )
    assert "a quitté ce foyer le 31/01/2023" in response.text
    client.post(add, {"person": ben.pk, "link": "partner", "valid_from": "2024-04-01"})
    with scope(cooperation=w.coop.pk):
        assert list(
            household.links.filter(person=ben).values_list("valid_from", "valid_until")
        ) == [(None, D(2023, 1, 31)), (D(2024, 4, 1), None)]


def test_who_may_close_a_link(family, client_as):
    w, household, _ana, ben = family
    link = household.links.get(person=ben)
    url = reverse("people:household_remove_member", args=[household.pk, link.pk])
    data = {"valid_until": "2022-01-01"}
    assert client_as(w.volunteer).post(url, data).status_code == 403
    assert client_as(w.charlie).post(url, data).status_code == 404
    assert client_as(w.bob).post(url, data).status_code == 302  # people are the cooperation's
    with scope(cooperation=w.coop.pk):
        link.refresh_from_db()
    assert link.valid_until == D(2022, 1, 1)


@time_machine.travel(TODAY)
def test_the_person_form_asks_from_when_the_new_house_holds(family, client_as):
    w, _household, ana, _ben = family
    client = client_as(w.alice)
    url = reverse("people:person_edit", args=[ana.pk])
    assert "Rattaché·e à cette maison depuis le" in client.get(url).text
    assert "depuis le" not in client.get(reverse("people:person_create")).text
    data = {"first_name": "Ana", "last_name": "Roux", "sex": "X", "home_house": w.house_b.pk}
    assert client.post(url, {**data, "home_house_since": "2024-03-01"}).status_code == 302
    response = client.post(url, {**data, "home_house": "", "home_house_since": "2024-02-01"})
    assert "a déjà changé le 01/03/2024" in response.text
    response = client.post(url, {**data, "home_house": "", "home_house_since": "2024-06-01"})
    assert "dans le futur" in response.text
    with scope(cooperation=w.coop.pk):
        ana.refresh_from_db()
        assert ana.home_house == w.house_b
        assert spells(ana) == [("A", None, D(2024, 2, 29)), ("B", D(2024, 3, 1), None)]
    page = client.get(reverse("people:person", args=[ana.pk])).text
    assert "Maisons de rattachement successives" in page and "au 29/02/2024" in page


# -- the admin -------------------------------------------------------------------------------------


def test_the_admin_shows_household_links_read_only(family, director, client_as):
    _w, household, _ana, _ben = family
    page = client_as(director).get(reverse("admin:people_household_change", args=[household.pk]))
    assert page.status_code == 200
    assert "Ana Roux" in page.text
    assert "links-0-DELETE" not in page.text and 'name="links-0-person"' not in page.text


@time_machine.travel(TODAY)
def test_the_admin_changes_a_home_house_through_its_history(family, director, client_as):
    w, _household, ana, _ben = family
    response = client_as(director).post(
        reverse("admin:people_person_change", args=[ana.pk]),
        {
            "first_name": "Ana",
            "last_name": "Roux",
            "sex": "X",
            "home_house": w.house_b.pk,
            "occupation": "",
            "home_house_spells-TOTAL_FORMS": "0",
            "home_house_spells-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.text
    with scope(cooperation=w.coop.pk):
        ana.refresh_from_db()
        assert ana.home_house == w.house_b
        assert spells(ana) == [("A", None, D(2024, 5, 14)), ("B", D(2024, 5, 15), None)]
        assert AuditEntry.objects.filter(action="change_home_house").count() == 1


def test_the_personal_data_export_gives_the_dates(family):
    from coope.people.privacy import export_person_data

    w, household, _ana, ben = family
    remove_from_household(actor=w.alice, household=household, person=ben, on=D(2023, 1, 31))
    change_home_house(actor=w.alice, person=ben, house=w.house_b, on=D(2023, 2, 1))
    data = export_person_data(actor=w.director, person=ben)
    [foyer] = data["foyers"]
    assert (foyer["dans_le_foyer_depuis"], foyer["a_quitte_le_foyer_le"]) == (None, "2023-01-31")
    assert data["personne"]["maisons_de_rattachement_successives"] == [
        {"maison": w.house_a.name, "du": None, "au": "2023-01-31"},
        {"maison": w.house_b.name, "du": "2023-02-01", "au": None},
    ]
