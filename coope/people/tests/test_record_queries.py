"""The person record, the household record and the desk's results: the same few queries
whatever the number of memberships, households and members, each served by an index."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django_scopes import scope

from coope.membership.tests.query_bounds import (
    MAX_QUERIES,
    assert_index_served,
    make_membership,
    page_queries,
)
from coope.people import privacy
from coope.people.services import (
    add_to_household,
    create_household,
    create_person,
    remove_from_household,
)

pytestmark = pytest.mark.django_db

JAN_2019 = datetime.datetime(2019, 1, 10, 10, tzinfo=datetime.UTC)
d = datetime.date


class Numbers:
    """Card numbers not yet used in the test."""

    def __init__(self):
        self.last = 0

    def __call__(self) -> str:
        self.last += 1
        return f"ROM-R-{self.last:05d}"


_membership = make_membership


def _person(w, name):
    return create_person(actor=w.alice, cooperation=w.coop, first_name=name, last_name="Record")


def _grow(w, person, numbers, *, households: int, members: int, years: int):
    """`person` in `households` households (the first ones left), each of `members` members,
    each household and the person with a membership per year for `years` years."""
    for h in range(households):
        others = [(_person(w, f"Membre{h}-{m}"), "child") for m in range(members - 1)]
        household = create_household(
            actor=w.alice,
            cooperation=w.coop,
            name=f"Famille {numbers()}",
            members=[(person, "other"), *others],
            members_since=d(2010, 1, 1),
        )
        if h < households - 1:
            remove_from_household(
                actor=w.alice, household=household, person=person, on=d(2015, 1, 1)
            )
        for y in range(years):
            _membership(w, numbers(), d(2018 - y, 12, 31), household=household)
    for y in range(years):
        _membership(w, numbers(), d(2019 - y, 6, 30), person=person)


@pytest.fixture
def grown(world, director, client_as):
    """A small and a large person record, built by `_grow`, and the director's client."""

    def build(small: dict, large: dict):
        numbers = Numbers()
        with scope(cooperation=world.coop.pk):
            people = _person(world, "Petite"), _person(world, "Grande")
            for person, sizes in zip(people, (small, large), strict=True):
                _grow(world, person, numbers, **sizes)
        return (*people, client_as(director))

    return build


@time_machine.travel(JAN_2019)
def test_the_person_record_in_the_same_few_queries_for_1_or_6_memberships_and_households(grown):
    small, large, client = grown(
        {"households": 1, "members": 2, "years": 1}, {"households": 6, "members": 4, "years": 6}
    )
    few, response = page_queries(client, reverse("people:person", args=[small.pk]))
    assert len(response.context["memberships"]) == 2
    many, response = page_queries(client, reverse("people:person", args=[large.pk]))
    assert len(response.context["memberships"]) == 6 + 6 * 6
    assert len(response.context["former_links"]) == 5
    assert few == many <= MAX_QUERIES


@time_machine.travel(JAN_2019)
def test_the_household_record_in_the_same_few_queries_for_2_or_8_members(world, grown):
    w = world
    small, large, client = grown(
        {"households": 1, "members": 2, "years": 1}, {"households": 2, "members": 8, "years": 5}
    )
    with scope(cooperation=w.coop.pk):
        small_home = small.household_links.get().household
        large_home = large.household_links.current().get().household
        # Former members are listed too.
        remove_from_household(
            actor=w.alice, household=large_home, person=large_home.links.last().person
        )
    few, response = page_queries(client, reverse("people:household", args=[small_home.pk]))
    assert len(response.context["links"]) == 2
    many, response = page_queries(client, reverse("people:household", args=[large_home.pk]))
    assert len(response.context["links"]) == 7 and len(response.context["former_links"]) == 1
    assert len(response.context["memberships"]) == 5
    assert few == many <= MAX_QUERIES
    searching, _ = page_queries(
        client, reverse("people:household", args=[large_home.pk]), q="membre"
    )
    assert searching <= MAX_QUERIES


@time_machine.travel(JAN_2019)
def test_the_desk_shows_cards_in_the_same_few_queries_for_1_or_30_results(
    world, director, client_as
):
    w = world
    numbers = Numbers()
    client = client_as(director)
    with scope(cooperation=w.coop.pk):
        lone = create_person(actor=w.alice, cooperation=w.coop, first_name="Seule", last_name="Zed")
        _membership(w, numbers(), d(2019, 6, 30), person=lone)
        crowd = [
            create_person(actor=w.alice, cooperation=w.coop, first_name=f"P{i}", last_name="Foule")
            for i in range(30)
        ]
        for person in crowd[:10]:
            _membership(w, numbers(), d(2019, 6, 30), person=person)
        family = create_household(
            actor=w.alice,
            cooperation=w.coop,
            name="Famille Foule",
            members=[(p, "child") for p in crowd[10:20]],
        )
        _membership(w, numbers(), d(2019, 6, 30), household=family)
    one, response = page_queries(client, reverse("people:desk"), q="zed")
    assert [p.current_membership is not None for p in response.context["results"]] == [True]
    thirty, response = page_queries(client, reverse("people:desk"), q="foule")
    results = response.context["results"]
    assert len(results) == 30
    covered = {p.pk for p in results if p.current_membership is not None}
    assert covered == {p.pk for p in crowd[:20]}
    assert one == thirty <= MAX_QUERIES


@time_machine.travel(JAN_2019)
def test_todays_card_is_the_persons_own_else_a_household_they_are_in_today(in_scope, client_as):
    w = in_scope
    numbers = Numbers()
    person = _person(w, "Mover")
    left = create_household(
        actor=w.alice,
        cooperation=w.coop,
        name="Ancien foyer",
        members=[(person, "child")],
        members_since=d(2010, 1, 1),
    )
    remove_from_household(actor=w.alice, household=left, person=person, on=d(2018, 6, 30))
    joined = create_household(actor=w.alice, cooperation=w.coop, name="Nouveau foyer")
    add_to_household(actor=w.alice, household=joined, person=person, valid_from=d(2018, 7, 1))
    old_card = _membership(w, numbers(), d(2019, 6, 30), household=left)
    url = reverse("people:person", args=[person.pk])
    client = client_as(w.alice)
    # The household they left still has a valid card: it no longer covers them, it is listed.
    response = client.get(url)
    assert response.context["person"].current_membership is None
    assert [m.pk for m in response.context["memberships"]] == [old_card.pk]
    new_card = _membership(w, numbers(), d(2019, 3, 31), household=joined)
    assert client.get(url).context["person"].current_membership == new_card
    own = _membership(w, numbers(), d(2019, 2, 28), person=person)
    response = client.get(url)
    assert response.context["person"].current_membership == own
    assert own.card_number in response.text
    # The desk gives the same card.
    desk = client.get(reverse("people:desk"), {"q": "mover"})
    assert [p.current_membership for p in desk.context["results"]] == [own]


@time_machine.travel(JAN_2019)
def test_a_persons_memberships_are_served_by_indexes(in_scope):
    w = in_scope
    person = _person(w, "Indexée")
    _grow(w, person, Numbers(), households=2, members=2, years=2)
    memberships = privacy.memberships_of(person)
    assert memberships.count() == 2 + 2 * 2
    assert_index_served(memberships)
    assert_index_served(person.household_links.all(), "people_householdmember")
