"""Each cooperation's membership rules give a membership its dates: calendar year, school year
or rolling months from the day it is taken; the rules are created with their defaults and
changed through an audited service."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from coope.core.models import AuditEntry
from coope.membership.models import MembershipPeriod, MembershipRules, Scheme
from coope.membership.services import (
    offers,
    planned_period,
    rules_of,
    set_rules,
    take_membership,
)
from coope.people.services import create_person

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def ana(in_scope):
    w = in_scope
    return create_person(actor=w.alice, cooperation=w.coop, first_name="Ana", last_name="Costa")


def test_the_rules_are_created_with_the_defaults_once_and_audited(in_scope):
    w = in_scope
    rules = rules_of(w.coop)
    assert (rules.scheme, rules.start_month, rules.length_months, rules.offer_weeks) == (
        Scheme.CALENDAR,
        9,
        12,
        6,
    )
    assert rules_of(w.coop).pk == rules.pk
    assert MembershipRules.objects.filter(cooperation=w.coop).count() == 1
    entry = AuditEntry.objects.get(model="membership.membershiprules")
    assert (entry.action, entry.changes["scheme"]) == ("create", "calendar")


def test_calendar_year_a_membership_taken_in_march_ends_on_31_december(in_scope, ana):
    w = in_scope
    membership = take_membership(
        actor=w.alice,
        house=w.house_a,
        period=w.period,
        person=ana,
        payment_method="cash",
        valid_from=D(2018, 3, 15),
    )
    assert (membership.valid_from, membership.valid_until) == (D(2018, 3, 15), D(2018, 12, 31))
    assert [(o.period.name, o.valid_until) for o in offers(w.coop, D(2018, 3, 15))] == [
        ("2018", D(2018, 12, 31))
    ]


def test_school_year_from_september_to_august(in_scope, ana):
    w = in_scope
    set_rules(actor=w.director, cooperation=w.coop, scheme=Scheme.SCHOOL_YEAR, start_month=9)
    # After the 2018 calendar period, the rules give September 2019 – August 2020; the months
    # between (January – August 2019) make a period of their own, clear of 2018.
    school = planned_period(w.coop, D(2019, 10, 2))
    assert (school.name, school.start, school.end) == ("2019-2020", D(2019, 9, 1), D(2020, 8, 31))
    between = planned_period(w.coop, D(2019, 3, 1))
    assert (between.name, between.start, between.end) == ("2019", D(2019, 1, 1), D(2019, 8, 31))
    membership = take_membership(
        actor=w.alice,
        house=w.house_a,
        period=school,
        person=ana,
        payment_method="cash",
        fee_cents=800,
        valid_from=D(2019, 10, 2),
    )
    assert (membership.valid_from, membership.valid_until) == (D(2019, 10, 2), D(2020, 8, 31))
    assert membership.period.name == "2019-2020" and membership.period.pk is not None
    assert membership.card_number == "ROM-2019-00001"
    # Another start month: February to January.
    set_rules(actor=w.director, cooperation=w.coop, start_month=2)
    assert rules_of(w.coop).bounds_on(D(2021, 1, 20)) == (D(2020, 2, 1), D(2021, 1, 31))


def test_rolling_12_months_from_the_day_taken(in_scope, ana):
    w = in_scope
    set_rules(actor=w.director, cooperation=w.coop, scheme=Scheme.ROLLING, length_months=12)
    membership = take_membership(
        actor=w.alice,
        house=w.house_a,
        period=w.period,
        person=ana,
        payment_method="cash",
        valid_from=D(2018, 6, 15),
    )
    # Its fee is 2018's, its validity a year: to 14 June 2019, past the period's end.
    assert (membership.period, membership.valid_until) == (w.period, D(2019, 6, 14))
    rules = rules_of(w.coop)
    assert rules.valid_until(w.period, D(2018, 1, 31)) == D(2019, 1, 30)
    set_rules(actor=w.director, cooperation=w.coop, length_months=1)
    # One month from 31 January: to the end of February, the shorter month.
    assert rules_of(w.coop).valid_until(w.period, D(2018, 1, 31)) == D(2018, 2, 28)
    assert rules_of(w.coop).valid_until(w.period, D(2018, 3, 10)) == D(2018, 4, 9)


def test_changing_the_rules_is_audited_and_keeps_the_memberships_taken(in_scope, ana):
    w = in_scope
    taken = take_membership(
        actor=w.alice,
        house=w.house_a,
        period=w.period,
        person=ana,
        payment_method="cash",
        valid_from=D(2018, 6, 15),
    )
    set_rules(actor=w.director, cooperation=w.coop, scheme=Scheme.ROLLING, offer_weeks=4)
    entry = AuditEntry.objects.filter(model="membership.membershiprules", action="update").get()
    assert entry.actor == w.director
    assert entry.changes == {"scheme": ["calendar", "rolling"], "offer_weeks": [6, 4]}
    taken.refresh_from_db()
    assert taken.valid_until == D(2018, 12, 31)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"start_month": 13}, "start_month"),
        ({"start_month": 0}, "start_month"),
        ({"length_months": 0}, "length_months"),
        ({"length_months": 120}, "length_months"),
        ({"offer_weeks": 60}, "offer_weeks"),
        ({"scheme": "lunar"}, "scheme"),
    ],
)
def test_rules_out_of_range_are_refused_and_nothing_changes(in_scope, values, field):
    w = in_scope
    rules_of(w.coop)
    with pytest.raises(ValidationError) as refused:
        set_rules(actor=w.director, cooperation=w.coop, **values)
    assert field in refused.value.message_dict
    rules = MembershipRules.objects.get(cooperation=w.coop)
    assert (rules.scheme, rules.start_month, rules.length_months, rules.offer_weeks) == (
        "calendar",
        9,
        12,
        6,
    )
    assert not AuditEntry.objects.filter(model="membership.membershiprules", action="update")


def test_a_membership_cannot_end_before_it_starts_nor_last_more_than_three_years(in_scope, ana):
    w = in_scope
    for until, message in (
        (D(2018, 2, 1), "est avant le début"),
        (D(2022, 3, 2), "au plus trois ans"),
    ):
        with pytest.raises(ValidationError, match=message):
            take_membership(
                actor=w.alice,
                house=w.house_a,
                period=w.period,
                person=ana,
                payment_method="cash",
                valid_from=D(2018, 3, 1),
                valid_until=until,
            )
    assert not MembershipPeriod.objects.exclude(pk=w.period.pk).exists()
