"""Each key figure of the mobility programme on records counted by hand, by period and house."""

import datetime

import pytest

from coope.activities import services as activities
from coope.lib.indicators import Scope, registry
from coope.lib.periods import Period
from coope.mobility import services

from .conftest import at

pytestmark = pytest.mark.django_db
MARCH = Period(datetime.date(2018, 3, 1), datetime.date(2018, 3, 31))
YEAR_2017 = Period.year(2017)


def value(fleet, key, period=MARCH, house=None):
    return registry()[key].value(Scope(fleet.w.coop, period, house=house))


def test_fleet_loans_and_kilometres(fleet):
    services.add_unit(
        actor=None,
        cooperation=fleet.w.coop,
        kind="ebike",
        name="VAE 2",
        house=fleet.w.house_b,
        in_service_on=datetime.date(2018, 4, 1),  # after March: not counted in March
    )
    booking = services.book_unit(
        actor=None,
        unit=fleet.bike,
        borrower=fleet.ana,
        starts_at=at(1, 11),
        ends_at=at(2, 18),
        payment="hours",
    )
    loan = services.check_out(
        actor=None, booking=booking, checklist={}, deposit_cents=0, now=at(1, 11)
    )
    services.check_in(actor=None, loan=loan, checklist={}, km_in=150, now=at(2, 17))
    services.start_downtime(
        actor=None, unit=fleet.rosalie, kind="out_of_service", starts_on=datetime.date(2018, 3, 2)
    )
    assert value(fleet, "mobility.ebikes_for_loan") == 1
    assert value(fleet, "mobility.ebikes_for_loan", period=Period.year(2018)) == 2
    assert value(fleet, "mobility.ebikes_for_loan", house=fleet.w.house_b) == 0
    assert value(fleet, "mobility.rosalies") == 1
    assert value(fleet, "mobility.units_out_of_service") == 1
    assert value(fleet, "mobility.units_out_of_service", period=YEAR_2017) == 0
    assert value(fleet, "mobility.loans") == 1
    assert value(fleet, "mobility.loans", house=fleet.w.house_b) == 0
    assert value(fleet, "mobility.kilometres") == 30  # 120 to 150
    assert value(fleet, "mobility.loan_time") == 30 * 60  # 1 March 11 h 00 to 2 March 17 h 00
    assert value(fleet, "mobility.loan_days") == 2
    assert value(fleet, "mobility.hours_paid") == 120  # two started days at 1 h
    assert value(fleet, "mobility.loans", period=YEAR_2017) == 0


def test_rides_outings_cycles_and_the_group_purchase(fleet):
    for purpose in ("health", "health", "shopping"):
        ride = services.request_ride(
            actor=None,
            requested_by=fleet.ana,
            purpose=purpose,
            date=datetime.date(2018, 3, 5),
            house=fleet.w.house_a,
        )
        services.complete_ride(actor=None, ride=ride, duration_minutes=0)
    services.request_ride(
        actor=None,
        requested_by=fleet.ana,
        purpose="visit",
        date=datetime.date(2018, 3, 5),
        house=fleet.w.house_a,
    )  # not done
    assert value(fleet, "mobility.rides_by_purpose") == {
        "shopping": 1,
        "visit": 0,
        "delivery": 0,
        "health": 2,
    }
    assert value(fleet, "mobility.health_rides") == 2

    outing = services.create_outing(
        actor=None,
        cooperation=fleet.w.coop,
        title="Sortie",
        house=fleet.w.house_a,
        starts_at=at(10, 9),
        duration=datetime.timedelta(hours=5),
    )
    for person in (fleet.ana, fleet.ben):
        activities.record_attendance(actor=None, session=outing, person=person)
    services.create_cycle(
        actor=None,
        cooperation=fleet.w.coop,
        title="Vélo-école",
        house=fleet.w.house_a,
        first_start=at(27, 14),
        weeks=3,
    )
    assert value(fleet, "mobility.outings") == 1
    assert value(fleet, "mobility.outing_participants") == 2
    assert value(fleet, "mobility.cycling_school_cycles") == 1  # three sessions, one cycle
    assert value(fleet, "mobility.cycling_school_cycles", house=fleet.w.house_b) == 0

    purchase = services.create_purchase(
        actor=None,
        cooperation=fleet.w.coop,
        name="VAE",
        supplier="Cycles",
        ordered_on=datetime.date(2018, 2, 1),
    )
    for person in (fleet.ana, fleet.ben):
        services.create_plan(
            actor=None,
            purchase=purchase,
            buyer=person,
            signed_on=datetime.date(2018, 3, 3),
            price_cents=100_000,
            deposit_cents=0,
            instalments=10,
            first_due_on=datetime.date(2018, 4, 1),
        )
    assert value(fleet, "mobility.ebikes_bought") == 2
    assert value(fleet, "mobility.ebikes_bought", period=YEAR_2017) == 0
