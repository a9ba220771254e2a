"""What was true during a period: household links and home houses, on hand-computed cases."""

import datetime

import pytest

from coope.core.models import House
from coope.lib.periods import Period
from coope.people.history import home_house_during, links_during
from coope.people.models import Household, HouseholdMember, Person, ReceptionVisit
from coope.people.services import (
    add_to_household,
    change_home_house,
    create_household,
    create_person,
    record_visit,
    remove_from_household,
)

pytestmark = pytest.mark.django_db

D = datetime.date
FIRST_HALF = Period(D(2018, 1, 1), D(2018, 6, 30))
SECOND_HALF = Period(D(2018, 7, 1), D(2018, 12, 31))
YEAR = Period.year(2018)


def person(w, first_name, house):
    return create_person(
        actor=w.alice, cooperation=w.coop, first_name=first_name, last_name="Test", home_house=house
    )


def homes(period, *people):
    """{first name: short name of the home house} during the period."""
    rows = (
        Person.objects.filter(pk__in=[p.pk for p in people])
        .annotate(home=home_house_during(period))
        .values_list("first_name", "home")
    )
    short = {None: None, **dict(House.objects.values_list("pk", "short_name"))}
    return {name: short[home] for name, home in rows}


@pytest.fixture
def moved(in_scope):
    """Paul moved from house A to house B on 1 July 2018; Rose never moved (no spell)."""
    w = in_scope
    paul = person(w, "Paul", w.house_a)
    rose = person(w, "Rose", w.house_a)
    change_home_house(actor=w.alice, person=paul, house=w.house_b, on=D(2018, 7, 1))
    return w, paul, rose


def test_the_home_house_of_someone_who_moved_on_the_first_of_july(moved):
    _w, paul, rose = moved
    assert homes(FIRST_HALF, paul, rose) == {"Paul": "A", "Rose": "A"}
    assert homes(SECOND_HALF, paul, rose) == {"Paul": "B", "Rose": "A"}
    # The whole year: the house in force on its last day.
    assert homes(YEAR, paul, rose) == {"Paul": "B", "Rose": "A"}
    # Before and after: the spell since always, then the open one.
    assert homes(Period.year(2010), paul) == {"Paul": "A"}
    assert homes(Period.year(2030), paul) == {"Paul": "B"}
    # The last day of the first spell and the first day of the second.
    assert homes(Period(D(2018, 6, 30), D(2018, 6, 30)), paul) == {"Paul": "A"}
    assert homes(Period(D(2018, 7, 1), D(2018, 7, 1)), paul) == {"Paul": "B"}


def test_someone_who_had_no_home_house_before_has_none_in_earlier_periods(in_scope):
    w = in_scope
    lou = person(w, "Lou", None)
    change_home_house(actor=w.alice, person=lou, house=w.house_a, on=D(2018, 3, 1))
    assert homes(Period.year(2017), lou) == {"Lou": None}
    assert homes(YEAR, lou) == {"Lou": "A"}


def test_a_house_given_up_during_the_period_still_counts_for_it(in_scope):
    """A until 30 June, none since: the year counts A, the second half none."""
    w = in_scope
    ines = person(w, "Inès", w.house_a)
    change_home_house(actor=w.alice, person=ines, house=None, on=D(2018, 7, 1))
    assert homes(YEAR, ines) == {"Inès": "A"}
    assert homes(SECOND_HALF, ines) == {"Inès": None}
    assert homes(Period.year(2019), ines) == {"Inès": None}


def test_three_houses_in_a_year_give_the_one_of_the_last_day(in_scope):
    w = in_scope
    yann = person(w, "Yann", w.house_a)
    change_home_house(actor=w.alice, person=yann, house=w.house_b, on=D(2018, 3, 1))
    change_home_house(actor=w.alice, person=yann, house=w.house_a, on=D(2018, 10, 1))
    assert homes(YEAR, yann) == {"Yann": "A"}
    assert homes(Period(D(2018, 2, 1), D(2018, 9, 30)), yann) == {"Yann": "B"}
    assert homes(Period(D(2018, 1, 1), D(2018, 2, 28)), yann) == {"Yann": "A"}


def test_rows_that_point_to_a_person_get_the_house_of_their_person(
    moved, django_assert_num_queries
):
    w, paul, rose = moved
    for day in (D(2018, 5, 2), D(2018, 9, 3)):
        for someone in (paul, rose):
            record_visit(
                actor=w.alice, house=w.house_a, date=day, reason="information", person=someone
            )
    with django_assert_num_queries(1):
        rows = sorted(
            ReceptionVisit.objects.annotate(
                home=home_house_during(FIRST_HALF, "person")
            ).values_list("person__first_name", "date", "home")
        )
    a, b = w.house_a.pk, w.house_b.pk
    assert rows == [
        ("Paul", D(2018, 5, 2), a),
        ("Paul", D(2018, 9, 3), a),
        ("Rose", D(2018, 5, 2), a),
        ("Rose", D(2018, 9, 3), a),
    ]
    in_second_half = ReceptionVisit.objects.annotate(
        home=home_house_during(SECOND_HALF, "person")
    ).filter(home=b)
    assert set(in_second_half.values_list("person__first_name", flat=True)) == {"Paul"}


def test_links_during_a_period_include_both_ends(in_scope):
    w = in_scope
    ana = person(w, "Ana", w.house_a)
    ben = person(w, "Ben", w.house_a)
    household = create_household(
        actor=w.alice, cooperation=w.coop, name="Famille Test", members=[(ana, "referent")]
    )
    add_to_household(actor=w.alice, household=household, person=ben, valid_from=D(2018, 3, 1))
    remove_from_household(actor=w.alice, household=household, person=ben, on=D(2018, 6, 30))

    def names(period):
        links = HouseholdMember.objects.filter(links_during(period))
        assert set(links) == set(HouseholdMember.objects.during(period.start, period.end))
        return sorted(links.values_list("person__first_name", flat=True))

    assert names(Period.year(1990)) == ["Ana"]  # with her since before Coopé knew
    assert names(Period.year(2017)) == ["Ana"]
    assert names(Period(D(2018, 3, 1), D(2018, 3, 1))) == ["Ana", "Ben"]
    assert names(Period(D(2018, 6, 30), D(2018, 12, 31))) == ["Ana", "Ben"]
    assert names(Period(D(2018, 7, 1), D(2018, 12, 31))) == ["Ana"]
    assert names(Period(D(2018, 1, 1), D(2018, 2, 28))) == ["Ana"]
    # From the household's side, with the prefix.
    households = Household.objects.filter(
        links_during(Period(D(2018, 7, 1), D(2018, 12, 31)), "links__"),
        links__person=ben,
    )
    assert not households.exists()
