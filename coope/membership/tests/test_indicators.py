"""Membership and people figures against small hand-computed data sets."""

import datetime

import pytest

from coope.lib.indicators import compute_figures
from coope.lib.periods import Period
from coope.membership.services import take_membership
from coope.people.services import create_household, create_person, record_visit

pytestmark = pytest.mark.django_db
Y2018 = Period.year(2018)


@pytest.fixture
def records(in_scope):
    """2017: Ana (individual). 2018: Ana again, the Roux household (Léa, Tom, and Ana's son Max,
    who also lives with Ana: two households), Omar (individual at house B). One visit without name."""
    w = in_scope
    from coope.membership.models import FeeRule, MembershipPeriod

    p2017 = MembershipPeriod.objects.create(
        cooperation=w.coop,
        name="2017",
        start=datetime.date(2017, 1, 1),
        end=datetime.date(2017, 12, 31),
    )
    FeeRule.objects.create(cooperation=w.coop, period=p2017, kind="individual", amount_cents=500)

    def person(first, last, year, sex, house):
        return create_person(
            actor=w.alice,
            cooperation=w.coop,
            first_name=first,
            last_name=last,
            birth_date=datetime.date(year, 6, 1),
            sex=sex,
            neighbourhood="Est",
            home_house=house,
        )

    ana = person("Ana", "Costa", 1980, "F", w.house_a)
    lea, tom = (
        person("Léa", "Roux", 1985, "F", w.house_a),
        person("Tom", "Roux", 1984, "M", w.house_a),
    )
    max_ = person("Max", "Roux", 2010, "M", w.house_a)
    omar = person("Omar", "Haddad", 1950, "M", w.house_b)
    create_household(
        actor=w.alice,
        cooperation=w.coop,
        name="Roux",
        members=[(lea, "referent"), (tom, "partner"), (max_, "child")],
    )
    costa = create_household(
        actor=w.alice,
        cooperation=w.coop,
        name="Costa",
        members=[(ana, "referent"), (max_, "child")],
    )
    del costa
    take_membership(
        actor=w.alice,
        house=w.house_a,
        period=p2017,
        person=ana,
        payment_method="cash",
        valid_from=datetime.date(2017, 3, 1),
    )
    take_membership(
        actor=w.alice,
        house=w.house_a,
        period=w.period,
        person=ana,
        payment_method="cash",
        valid_from=datetime.date(2018, 1, 10),
    )
    from coope.people.models import Household

    take_membership(
        actor=w.alice,
        house=w.house_a,
        period=w.period,
        household=Household.objects.get(name="Roux"),
        payment_method="cheque",
        valid_from=datetime.date(2018, 2, 1),
    )
    take_membership(
        actor=w.bob,
        house=w.house_b,
        period=w.period,
        person=omar,
        payment_method="cash",
        valid_from=datetime.date(2018, 9, 1),
    )
    record_visit(
        actor=w.alice, house=w.house_a, date=datetime.date(2018, 4, 4), reason="information"
    )
    record_visit(
        actor=w.alice,
        house=w.house_b,
        date=datetime.date(2018, 4, 5),
        reason="membership",
        person=omar,
    )
    record_visit(
        actor=w.alice,
        house=w.house_b,
        date=datetime.date(2019, 1, 5),
        reason="membership",
        person=omar,
    )
    return w


def test_membership_figures_of_2018(records):
    w = records
    f = compute_figures(w.coop, Y2018)
    assert f["membership.members"] == 5  # Ana, Léa, Tom, Max, Omar: Max counted once
    assert f["membership.households"] == 1
    assert f["membership.new_members"] == 4  # all but Ana, a member in 2017
    # Fees of 2018 memberships: Ana 10 €, Roux household 20 €, Omar 10 € (no quotient: top tier).
    assert f["membership.fees_cents"] == 1000 + 2000 + 1000
    assert f["membership.members_by_house"] == {str(w.house_a.pk): 4, str(w.house_b.pk): 1}
    assert f["membership.members_by_sex"] == {"F": 2, "M": 3}
    assert f["membership.members_by_age_band"] == {"26-59": 3, "6-11": 1, "60+": 1}
    assert f["membership.members_by_neighbourhood"] == {"Est": 5}
    assert f["people.reception_visits"] == 2
    assert f["people.reception_visits_by_reason"] == {"information": 1, "membership": 1}
    assert f["people.by_sex"] == {"F": 2, "M": 3}
    assert f["people.by_age_band"] == {"26-59": 3, "6-11": 1, "60+": 1}


def test_figures_by_house_and_association(records):
    w = records
    assert compute_figures(w.coop, Y2018, house=w.house_b)["membership.members"] == 1
    assert compute_figures(w.coop, Y2018, association=w.assoc_a)["membership.members"] == 4
    assert compute_figures(w.coop, Y2018, association=w.assoc_b)["people.reception_visits"] == 1


def test_figures_of_2017_and_of_a_part_of_the_year(records):
    w = records
    f2017 = compute_figures(w.coop, Period.year(2017))
    assert (f2017["membership.members"], f2017["membership.new_members"]) == (1, 1)
    january = compute_figures(w.coop, Period(datetime.date(2018, 1, 1), datetime.date(2018, 1, 31)))
    assert january["membership.members"] == 1  # only Ana's membership had started


def test_another_cooperation_counts_nothing_of_ours(records):
    from django_scopes import scope

    w = records
    with scope(cooperation=w.other_coop.pk):
        assert compute_figures(w.other_coop, Y2018)["membership.members"] == 0
