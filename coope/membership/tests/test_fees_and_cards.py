import datetime

import pytest
from django.core.exceptions import ValidationError

from coope.membership.models import Membership
from coope.membership.services import card_status, compute_fee, take_membership
from coope.people.services import create_household, create_person, record_quotient

pytestmark = pytest.mark.django_db


def test_fee_follows_the_family_quotient_tiers(in_scope):
    w = in_scope
    assert compute_fee(period=w.period, kind="individual", quotient=250).amount_cents == 0
    assert compute_fee(period=w.period, kind="individual", quotient=301).amount_cents == 500
    assert compute_fee(period=w.period, kind="individual", quotient=700).amount_cents == 500
    assert compute_fee(period=w.period, kind="individual", quotient=701).amount_cents == 1000
    assert compute_fee(period=w.period, kind="household", quotient=500).amount_cents == 1200
    # Unknown quotient: the open-ended tier.
    assert compute_fee(period=w.period, kind="household", quotient=None).amount_cents == 2000


def test_household_membership_takes_the_fee_from_its_latest_quotient(in_scope):
    w = in_scope
    mother = create_person(
        actor=w.alice, cooperation=w.coop, first_name="Amina", last_name="Benali"
    )
    household = create_household(
        actor=w.alice, cooperation=w.coop, name="Famille Benali", members=[(mother, "referent")]
    )
    record_quotient(
        actor=w.alice,
        household=household,
        value=900,
        valid_from=datetime.date(2017, 1, 1),
        source="caf",
    )
    record_quotient(
        actor=w.alice,
        household=household,
        value=450,
        valid_from=datetime.date(2018, 1, 1),
        source="caf",
    )
    membership = take_membership(
        actor=w.alice,
        house=w.house_a,
        period=w.period,
        household=household,
        payment_method="cash",
        valid_from=datetime.date(2018, 3, 1),
    )
    assert membership.fee_cents == 1200
    assert membership.card_number == "ROM-2018-00001"
    assert membership.valid_until == datetime.date(2018, 12, 31)


def test_free_membership_is_recorded_as_free(in_scope):
    w = in_scope
    person = create_person(actor=w.alice, cooperation=w.coop, first_name="Léa", last_name="Roux")
    household = create_household(
        actor=w.alice, cooperation=w.coop, name="Roux", members=[(person, "referent")]
    )
    record_quotient(
        actor=w.alice,
        household=household,
        value=200,
        valid_from=datetime.date(2018, 1, 1),
        source="caf",
    )
    membership = take_membership(
        actor=w.alice,
        house=w.house_a,
        period=w.period,
        person=person,
        payment_method="cash",
        valid_from=datetime.date(2018, 2, 1),
    )
    assert (membership.fee_cents, membership.payment_method) == (0, "free")


def test_card_validity_before_during_and_after(in_scope):
    w = in_scope
    person = create_person(actor=w.alice, cooperation=w.coop, first_name="Jean", last_name="Martin")
    membership = take_membership(
        actor=w.alice,
        house=w.house_a,
        period=w.period,
        person=person,
        payment_method="cheque",
        valid_from=datetime.date(2018, 4, 1),
    )
    number = membership.card_number.lower()  # typed in lower case at the desk
    assert card_status(number, on=datetime.date(2018, 3, 31)).valid is False
    status = card_status(number, on=datetime.date(2018, 6, 1))
    assert status.valid and status.membership == membership and "31/12/2018" in status.message
    expired = card_status(number, on=datetime.date(2019, 1, 1))
    assert not expired.valid and "renouveler" in expired.message
    assert card_status("ROM-2018-99999", on=datetime.date(2018, 6, 1)).membership is None


def test_second_membership_in_the_same_period_is_refused_and_writes_nothing(in_scope):
    w = in_scope
    person = create_person(actor=w.alice, cooperation=w.coop, first_name="Jean", last_name="Martin")
    take_membership(
        actor=w.alice,
        house=w.house_a,
        period=w.period,
        person=person,
        payment_method="cash",
        valid_from=datetime.date(2018, 4, 1),
    )
    with pytest.raises(ValidationError, match="déjà une adhésion"):
        take_membership(
            actor=w.alice,
            house=w.house_b,
            period=w.period,
            person=person,
            payment_method="cash",
            valid_from=datetime.date(2018, 5, 1),
        )
    assert Membership.objects.count() == 1


def test_a_given_card_number_is_kept_and_never_given_twice(in_scope):
    w = in_scope
    ana = create_person(actor=w.alice, cooperation=w.coop, first_name="Ana", last_name="Costa")
    omar = create_person(actor=w.alice, cooperation=w.coop, first_name="Omar", last_name="Haddad")
    kept = take_membership(
        actor=w.alice,
        house=w.house_a,
        period=w.period,
        person=ana,
        payment_method="cash",
        valid_from=datetime.date(2018, 2, 1),
        card_number="rom-2018-00042",
    )
    assert kept.card_number == "ROM-2018-00042"
    with pytest.raises(ValidationError, match="déjà pris"):
        take_membership(
            actor=w.alice,
            house=w.house_a,
            period=w.period,
            person=omar,
            payment_method="cash",
            valid_from=datetime.date(2018, 2, 1),
            card_number="ROM-2018-00042",
        )
    assert (
        take_membership(
            actor=w.alice,
            house=w.house_a,
            period=w.period,
            person=omar,
            payment_method="cash",
            valid_from=datetime.date(2018, 2, 1),
        ).card_number
        == "ROM-2018-00043"
    )
