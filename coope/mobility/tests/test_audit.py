"""Every write path of the mobility programme leaves an audit entry for each counted row it
writes: the core's coverage test's machinery (coope/core/tests/test_audit_coverage.py) run on
this app's services."""

import datetime

import pytest

from coope.core.tests.test_audit_coverage import Path, bench, run  # noqa: F401 (bench: a fixture)
from coope.mobility import services
from coope.timebank import services as timebank

DAY = datetime.date(2018, 7, 12)
START = datetime.datetime(2018, 7, 12, 14, tzinfo=datetime.UTC)
LATER = datetime.datetime(2018, 7, 12, 18, tzinfo=datetime.UTC)


class Ready:
    def __init__(self, b):
        timebank.open_account(actor=None, person=b.ana, registered_with=b.w.assoc_a)
        self.unit = services.add_unit(
            actor=None,
            cooperation=b.w.coop,
            kind="ebike",
            name="VAE",
            house=b.w.house_a,
            in_service_on=DAY,
        )
        self.rosalie = services.add_unit(
            actor=None,
            cooperation=b.w.coop,
            kind="rosalie",
            name="Rosalie",
            house=b.w.house_a,
            in_service_on=DAY,
        )


def ready(b):
    return Ready(b)


def booked(b):
    r = Ready(b)
    r.booking = services.book_unit(
        actor=None, unit=r.unit, borrower=b.ana, starts_at=START, ends_at=LATER, payment="hours"
    )
    return r


def out(b):
    r = booked(b)
    r.loan = services.check_out(
        actor=None, booking=r.booking, checklist={}, deposit_cents=0, now=START
    )
    return r


def planned(b):
    purchase = services.create_purchase(
        actor=None, cooperation=b.w.coop, name="VAE", supplier="Cycles", ordered_on=DAY
    )
    return services.create_plan(
        actor=None,
        purchase=purchase,
        buyer=b.ana,
        signed_on=DAY,
        price_cents=1000,
        deposit_cents=0,
        instalments=3,
        first_due_on=DAY,
    )


def ride(b):
    r = Ready(b)
    return services.request_ride(
        actor=None,
        requested_by=b.ana,
        purpose="shopping",
        date=DAY,
        house=b.w.house_a,
        unit=r.rosalie,
        driver=b.ben,
        payment="hours",
        price_minutes=30,
    )


PATHS = [
    Path("add_unit", lambda b, _: services.add_unit(actor=b.actor, cooperation=b.w.coop, kind="trailer", name="Remorque", house=b.w.house_a, in_service_on=DAY)),
    Path("start_downtime", lambda b, r: services.start_downtime(actor=b.actor, unit=r.unit, kind="out_of_service", starts_on=DAY), prepare=ready),
    Path("book_unit", lambda b, r: services.book_unit(actor=b.actor, unit=r.unit, borrower=b.ana, starts_at=START, ends_at=LATER, payment="hours"), prepare=ready),
    Path("cancel_booking", lambda b, r: services.cancel_booking(actor=b.actor, booking=r.booking), prepare=booked),
    Path("check_out", lambda b, r: services.check_out(actor=b.actor, booking=r.booking, checklist={}, deposit_cents=0, now=START), prepare=booked),
    Path("check_in_damaged", lambda b, r: services.check_in(actor=b.actor, loan=r.loan, checklist={}, km_in=10, damage="Pneu crevé", now=LATER), prepare=out),
    Path("create_plan", lambda b, _: planned(b)),
    Path("request_ride", lambda b, _: ride(b)),
    Path("complete_ride", lambda b, r: services.complete_ride(actor=b.actor, ride=r, duration_minutes=60), prepare=ride),
]  # fmt: skip


@pytest.fixture(autouse=True)
def _in_2018(time_machine):
    time_machine.move_to(datetime.datetime(2018, 7, 12, 9, tzinfo=datetime.UTC), tick=False)


@pytest.mark.parametrize("path", PATHS, ids=str)
def test_each_mobility_service_audits_every_row_it_writes(bench, path):  # noqa: F811
    run(bench, path)
