"""A person's mobility records in their export; anonymisation scrubs their name from the free
texts and moves no figure."""

import datetime

import pytest

from coope.lib.indicators import Scope, registry
from coope.lib.periods import Period
from coope.mobility import services
from coope.mobility.models import Loan, Ride
from coope.people.privacy import anonymise_person, export_person_data

from .conftest import at

pytestmark = pytest.mark.django_db
MARCH = Period(datetime.date(2018, 3, 1), datetime.date(2018, 3, 31))


def test_export_and_anonymisation(fleet):
    booking = services.book_unit(
        actor=None,
        unit=fleet.bike,
        borrower=fleet.ana,
        starts_at=at(1, 11),
        ends_at=at(1, 17),
        payment="hours",
    )
    loan = services.check_out(
        actor=None, booking=booking, checklist={}, deposit_cents=0, now=at(1, 11)
    )
    services.check_in(
        actor=None, loan=loan, checklist={}, km_in=130, damage="Rayé par Ana Test", now=at(1, 16)
    )
    ride = services.request_ride(
        actor=None,
        requested_by=fleet.ben,
        purpose="visit",
        date=datetime.date(2018, 3, 5),
        house=fleet.w.house_a,
        passengers=[fleet.ana],
        note="Chez Ana Test",
    )
    services.complete_ride(actor=None, ride=ride, duration_minutes=0)

    data = export_person_data(actor=fleet.w.director, person=fleet.ana)
    mobility = data  # the apps' sections are at the top level of the export
    assert mobility["reservations"][0]["km"] == 10
    assert mobility["reservations"][0]["degats"] == "Rayé par Ana Test"
    assert mobility["trajets"][0]["role"] == "passager"

    figures = ("mobility.loans", "mobility.kilometres", "mobility.rides_by_purpose")
    before = {key: registry()[key].value(Scope(fleet.w.coop, MARCH)) for key in figures}
    anonymise_person(actor=fleet.w.director, person=fleet.ana)
    assert "Ana" not in Loan.objects.get(pk=loan.pk).damage
    assert "Ana" not in Ride.objects.get(pk=ride.pk).note
    assert {key: registry()[key].value(Scope(fleet.w.coop, MARCH)) for key in figures} == before
