"""A past year stays as it was: every edit the screens allow today leaves 2018 answering 2018.

The family of 2018: Élodie and Marc, with a household membership for 2018, both attached to
house A. Since then (all through the services the screens call): a baby born in 2021 joined the
household, Marc moved to another household, Élodie left too, Élodie moved to house B, Marc was
attached to house B by the person form, and Élodie was anonymised.
"""

import datetime

import pytest
from django.db.models import Q
from django.urls import reverse
from django_scopes import scope

from coope.lib.periods import Period
from coope.membership.models import Membership
from coope.membership.services import take_membership
from coope.people.history import home_house_during, links_during
from coope.people.models import HomeHouseSpell, Household, HouseholdMember, Person
from coope.people.privacy import anonymise_person
from coope.people.services import (
    add_to_household,
    change_home_house,
    create_household,
    create_person,
    remove_from_household,
    update_person,
)

pytestmark = pytest.mark.django_db

YEAR_2018 = Period.year(2018)
D = datetime.date


def what_2018_says(family: Household) -> dict:
    """The answers the figures of 2018 are built on."""
    members = HouseholdMember.objects.during(YEAR_2018.start, YEAR_2018.end).filter(
        household=family
    )
    memberships = Membership.objects.overlapping(YEAR_2018.start, YEAR_2018.end)
    covered = Person.objects.filter(
        links_during(YEAR_2018, "household_links__"),
        household_links__household__in=memberships.values("household"),
    ).distinct()
    homes = Person.objects.filter(pk__in=members.values("person")).annotate(
        home=home_house_during(YEAR_2018)
    )
    return {
        "members": sorted(members.values_list("person_id", flat=True)),
        "covered by the household card": sorted(covered.values_list("pk", flat=True)),
        "home houses": dict(homes.values_list("pk", "home")),
    }


@pytest.fixture
def family(in_scope):
    w = in_scope
    elodie = create_person(
        actor=w.alice,
        cooperation=w.coop,
        first_name="Élodie",
        last_name="Dupont",
        birth_date=D(1980, 5, 4),
        home_house=w.house_a,
    )
    marc = create_person(
        actor=w.alice,
        cooperation=w.coop,
        first_name="Marc",
        last_name="Dupont",
        birth_date=D(1978, 11, 30),
        home_house=w.house_a,
    )
    household = create_household(
        actor=w.alice,
        cooperation=w.coop,
        name="Famille Dupont",
        members=[(elodie, "referent"), (marc, "partner")],
        members_since=D(2017, 9, 1),
    )
    take_membership(
        actor=w.alice,
        house=w.house_a,
        period=w.period,
        household=household,
        payment_method="cash",
        valid_from=D(2018, 1, 15),
    )
    return w, household, elodie, marc


def test_every_edit_of_today_leaves_2018_as_it_was(family):
    w, household, elodie, marc = family
    before = what_2018_says(household)
    # Hand-computed: two adults in the household, both covered by its card, both at house A.
    assert before == {
        "members": sorted([elodie.pk, marc.pk]),
        "covered by the household card": sorted([elodie.pk, marc.pk]),
        "home houses": {elodie.pk: w.house_a.pk, marc.pk: w.house_a.pk},
    }

    baby = create_person(
        actor=w.alice,
        cooperation=w.coop,
        first_name="Jade",
        last_name="Dupont",
        birth_date=D(2021, 3, 2),
        home_house=w.house_a,
    )
    add_to_household(
        actor=w.alice, household=household, person=baby, link="child", valid_from=D(2021, 3, 2)
    )
    # Marc moves to another household; then Élodie leaves too.
    remove_from_household(actor=w.alice, household=household, person=marc, on=D(2023, 6, 30))
    elsewhere = create_household(actor=w.alice, cooperation=w.coop, name="Foyer Marc")
    add_to_household(
        actor=w.alice, household=elsewhere, person=marc, link="referent", valid_from=D(2023, 7, 1)
    )
    remove_from_household(actor=w.alice, household=household, person=elodie, on=D(2024, 1, 31))
    # Home houses change: by the service, and by the person form's service.
    change_home_house(actor=w.alice, person=elodie, house=w.house_b, on=D(2024, 2, 1))
    update_person(actor=w.alice, person=marc, home_house=w.house_b, home_house_on=D(2023, 7, 1))
    anonymise_person(actor=w.director, person=elodie)

    # Today's records did change...
    assert list(household.links.current().values_list("person", flat=True)) == [baby.pk]
    assert list(marc.household_links.current().values_list("household", flat=True)) == [
        elsewhere.pk
    ]
    elodie.refresh_from_db()
    marc.refresh_from_db()
    assert (elodie.first_name, elodie.home_house, marc.home_house) == (
        "Anonyme",
        w.house_b,
        w.house_b,
    )
    # ... no link and no spell was deleted ...
    assert HouseholdMember.objects.count() == 4
    assert HomeHouseSpell.objects.filter(person__in=[elodie, marc]).count() == 4
    # ... and 2018 answers what was true in 2018.
    assert what_2018_says(household) == before
    # The baby's household appears from 2021, with both parents: the links are dated.
    in_2021 = HouseholdMember.objects.during(D(2021, 1, 1), D(2021, 12, 31))
    assert set(in_2021.filter(household=household).values_list("person", flat=True)) == {
        elodie.pk,
        marc.pk,
        baby.pk,
    }
    in_2025 = Person.objects.filter(pk__in=[elodie.pk, marc.pk]).annotate(
        home=home_house_during(Period.year(2025))
    )
    assert dict(in_2025.values_list("pk", "home")) == {
        elodie.pk: w.house_b.pk,
        marc.pk: w.house_b.pk,
    }


def test_2018_answers_the_same_through_the_screens(family, client_as):
    """The same edits made on the pages: leaving a household, changing a home house."""
    w, household, elodie, marc = family
    before = what_2018_says(household)
    client = client_as(w.alice)
    link = household.links.get(person=marc)
    response = client.post(
        reverse("people:household_remove_member", args=[household.pk, link.pk]),
        {"valid_until": "2022-08-31"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("people:person_edit", args=[elodie.pk]),
        {
            "first_name": "Élodie",
            "last_name": "Dupont",
            "birth_date": "1980-05-04",
            "sex": "X",
            "home_house": w.house_b.pk,
            "home_house_since": "2022-09-01",
        },
    )
    assert response.status_code == 302, response.text
    with scope(cooperation=w.coop.pk):
        link.refresh_from_db()
        elodie.refresh_from_db()
        assert (link.valid_until, elodie.home_house) == (D(2022, 8, 31), w.house_b)
        assert what_2018_says(household) == before
        assert dict(
            Person.objects.filter(pk=elodie.pk)
            .annotate(home=home_house_during(Period.year(2023)))
            .values_list("pk", "home")
        ) == {elodie.pk: w.house_b.pk}
        assert not (
            HouseholdMember.objects.during(D(2023, 1, 1), D(2023, 12, 31))
            .filter(person=marc, household=household)
            .exists()
        )


def test_a_household_membership_of_2018_covers_whoever_was_in_the_household_then(family):
    """The same count built from the links of the period, not from today's links."""
    w, household, elodie, marc = family
    newcomer = create_person(actor=w.alice, cooperation=w.coop, first_name="Léo", last_name="Roux")
    add_to_household(actor=w.alice, household=household, person=newcomer, valid_from=D(2019, 5, 1))
    remove_from_household(actor=w.alice, household=household, person=elodie, on=D(2019, 4, 30))
    cards = Membership.objects.overlapping(YEAR_2018.start, YEAR_2018.end)
    covered = Person.objects.filter(
        Q(links_during(YEAR_2018, "household_links__"))
        & Q(household_links__household__in=cards.values("household"))
    )
    assert sorted(covered.values_list("first_name", flat=True)) == ["Marc", "Élodie"]


def test_who_joined_a_household_after_its_card_ended_was_not_covered_by_it(family):
    """The card of 2018 ran from 15 January; Léo joined the household on 20 December 2018,
    after a card that ended on 30 November: the year counts Élodie and Marc, not Léo."""
    from coope.lib.indicators import Scope
    from coope.membership.indicators import members_queryset

    w, household, _elodie, _marc = family
    Membership.objects.filter(household=household).update(valid_until=D(2018, 11, 30))
    newcomer = create_person(actor=w.alice, cooperation=w.coop, first_name="Léo", last_name="Roux")
    add_to_household(
        actor=w.alice, household=household, person=newcomer, valid_from=D(2018, 12, 20)
    )
    counted = members_queryset(Scope(w.coop, YEAR_2018))
    assert sorted(counted.values_list("first_name", flat=True)) == ["Marc", "Élodie"]
