"""Booking a unit, checking it out and in, and every refusal with nothing written."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from coope.core.models import AuditEntry
from coope.mobility import services
from coope.mobility.models import Booking, BookingStatus, Downtime, Loan, Rules, UnitState
from coope.timebank.models import Account, Hold

from .conftest import at

pytestmark = pytest.mark.django_db


def book(f, start, end, who=None, payment="hours", unit=None):
    return services.book_unit(
        actor=f.w.alice,
        unit=unit or f.bike,
        borrower=who or f.ana,
        starts_at=start,
        ends_at=end,
        payment=payment,
    )


def balance(account) -> int:
    return Account.objects.get(pk=account.pk).balance_minutes


def written() -> tuple[int, int, int, int]:
    return (
        Booking.objects.count(),
        Hold.objects.count(),
        Loan.objects.count(),
        AuditEntry.objects.count(),
    )


def refused(f, start, end, match, **kwargs) -> None:
    before = written()
    with pytest.raises(ValidationError, match=match):
        book(f, start, end, **kwargs)
    assert written() == before


def test_a_booking_in_hours_holds_the_price_and_blocks_the_unit(fleet):
    booking = book(fleet, at(2, 9), at(3, 18))  # two started days at 1 h a day
    assert booking.price_minutes == 120
    assert booking.blocked_until == at(3, 19)  # the hour of buffer
    assert booking.hold.minutes == 120 and booking.hold.status == "held"
    assert balance(fleet.ana_account) == 15 * 60  # held, not taken yet


def test_overlaps_are_refused_buffer_included_and_the_next_slot_is_free(fleet):
    book(fleet, at(2, 9), at(2, 12))
    refused(fleet, at(2, 11), at(2, 14), "déjà réservé", who=fleet.ben)
    refused(
        fleet,
        at(
            2,
            12,
        ),
        at(2, 14),
        "déjà réservé",
        who=fleet.ben,
    )  # inside the buffer
    refused(fleet, at(2, 7), at(2, 9), "déjà réservé", who=fleet.ben)  # its buffer reaches 9 h 00
    later = book(fleet, at(2, 13), at(2, 15), who=fleet.ben)  # after the buffer
    earlier = book(fleet, at(2, 6), at(2, 8), who=fleet.ben)  # its buffer ends at 9 h 00
    assert later.pk and earlier.pk
    book(fleet, at(2, 10), at(2, 11), unit=fleet.rosalie)  # another unit: no conflict


def test_cancelling_releases_the_hours_and_the_slot(fleet):
    booking = book(fleet, at(2, 9), at(2, 12))
    services.cancel_booking(actor=fleet.w.alice, booking=booking)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert Hold.objects.get(pk=booking.hold_id).status == "released"
    assert book(fleet, at(2, 9), at(2, 12), who=fleet.ben).pk


def test_end_before_start_is_refused_with_nothing_written(fleet):
    refused(fleet, at(2, 12), at(2, 9), "La fin doit être après le début")
    refused(fleet, at(2, 12), at(2, 12), "La fin doit être après le début")


def test_a_booking_longer_than_the_cooperation_allows_is_refused(fleet):
    services.rules_of(fleet.w.coop)
    Rules.objects.filter(cooperation=fleet.w.coop).update(max_booking_minutes=48 * 60)
    refused(fleet, at(2, 9), at(4, 10), "au plus 48 h")
    assert book(fleet, at(2, 9), at(4, 9)).pk


def test_a_unit_in_maintenance_is_refused_then_bookable_once_back(fleet):
    services.start_downtime(
        actor=fleet.w.director,
        unit=fleet.bike,
        kind="maintenance",
        starts_on=datetime.date(2018, 3, 1),
    )
    fleet.bike.refresh_from_db()
    refused(fleet, at(2, 9), at(2, 12), "en entretien")
    services.end_downtime(
        actor=fleet.w.director, unit=fleet.bike, ends_on=datetime.date(2018, 3, 1)
    )
    fleet.bike.refresh_from_db()
    assert book(fleet, at(2, 9), at(2, 12)).pk
    downtime = Downtime.objects.get(unit=fleet.bike)
    assert downtime.ends_on == datetime.date(2018, 3, 1)  # closed, kept


def test_an_overdue_loan_blocks_its_unit_and_its_borrower(fleet, time_machine):
    booking = book(fleet, at(1, 11), at(1, 15))
    services.check_out(
        actor=fleet.w.alice, booking=booking, checklist={"freins": True}, deposit_cents=15000
    )
    time_machine.move_to(at(2, 9), tick=True)  # not back at 15 h 00 the day before
    fleet.bike.refresh_from_db()
    refused(fleet, at(3, 9), at(3, 12), "pas été rendu à temps", who=fleet.ben)
    refused(fleet, at(3, 9), at(3, 12), "Ana Test n'a pas rendu", unit=fleet.rosalie)
    assert book(fleet, at(3, 9), at(3, 12), who=fleet.ben, unit=fleet.rosalie).pk


def test_check_out_and_in_take_the_hours_and_read_the_odometer(fleet, time_machine):
    booking = book(fleet, at(1, 11), at(1, 17))
    loan = services.check_out(
        actor=fleet.w.alice,
        booking=booking,
        checklist={"freins": True, "batterie": True},
        deposit_cents=15000,
    )
    assert loan.km_out == 120
    time_machine.move_to(at(1, 16), tick=True)
    with pytest.raises(ValidationError, match="ne recule pas"):
        services.check_in(actor=fleet.w.alice, loan=loan, checklist={}, km_in=100)
    loan = services.check_in(actor=fleet.w.alice, loan=loan, checklist={"freins": True}, km_in=163)
    assert (loan.distance_km, loan.minutes_paid) == (43, 60)
    assert balance(fleet.ana_account) == 15 * 60 - 60
    assert Hold.objects.get(pk=booking.hold_id).status == "taken"
    fleet.bike.refresh_from_db()
    assert fleet.bike.odometer_km == 163 and fleet.bike.state == UnitState.AVAILABLE
    booking.refresh_from_db()
    assert booking.status == BookingStatus.RETURNED


def test_damage_at_check_in_puts_the_unit_in_maintenance(fleet):
    booking = book(fleet, at(1, 11), at(1, 17), payment="free")
    loan = services.check_out(actor=fleet.w.alice, booking=booking, checklist={}, deposit_cents=0)
    services.check_in(
        actor=fleet.w.alice, loan=loan, checklist={}, km_in=130, damage="Garde-boue cassé"
    )
    fleet.bike.refresh_from_db()
    assert fleet.bike.state == UnitState.MAINTENANCE
    assert Downtime.objects.get(unit=fleet.bike, ends_on__isnull=True).reason.startswith("Dégâts")


def test_overdue_maintenance_blocks_the_loan_until_it_is_done(fleet):
    rule = services.add_maintenance_rule(
        actor=fleet.w.director, unit=fleet.bike, label="Révision", every_km=100
    )
    booking = book(fleet, at(1, 11), at(1, 17), payment="free")
    with pytest.raises(ValidationError, match="Entretien en retard .*Révision, 120 km"):
        services.check_out(actor=fleet.w.alice, booking=booking, checklist={}, deposit_cents=0)
    assert not Loan.objects.exists()
    services.record_maintenance(
        actor=fleet.w.director, unit=fleet.bike, rule=rule, done_at=at(1, 10), odometer_km=120
    )
    assert services.check_out(
        actor=fleet.w.alice, booking=booking, checklist={}, deposit_cents=0
    ).pk


def test_maintenance_by_months_and_after_each_loan(fleet, time_machine):
    monthly = services.add_maintenance_rule(
        actor=None, unit=fleet.rosalie, label="Freins", every_months=6
    )
    # in service on 1 June 2017: due on 1 December 2017, so due on 1 March 2018
    assert [d.rule for d in services.due_maintenance(fleet.rosalie)] == [monthly]
    services.record_maintenance(
        actor=None, unit=fleet.rosalie, rule=monthly, done_at=at(1, 9), odometer_km=0
    )
    assert services.due_maintenance(fleet.rosalie) == []
    after = services.add_maintenance_rule(
        actor=None, unit=fleet.rosalie, label="Nettoyage", after_each_loan=True
    )
    booking = book(fleet, at(1, 11), at(1, 17), payment="free", unit=fleet.rosalie)
    loan = services.check_out(actor=None, booking=booking, checklist={}, deposit_cents=0)
    services.check_in(actor=None, loan=loan, checklist={}, km_in=5)
    assert [d.rule for d in services.due_maintenance(fleet.rosalie)] == [after]
    time_machine.move_to(datetime.datetime(2018, 9, 2, 10, tzinfo=datetime.UTC), tick=True)
    assert {d.rule for d in services.due_maintenance(fleet.rosalie)} == {after, monthly}


def test_the_database_itself_refuses_an_overlap_on_postgresql(fleet):
    if connection.vendor != "postgresql":
        pytest.skip("the exclusion constraint is PostgreSQL's")
    first = book(fleet, at(2, 9), at(2, 12), payment="free")
    with pytest.raises(IntegrityError, match="mobility_booking_no_overlap"), transaction.atomic():
        Booking.objects.create(
            cooperation=fleet.w.coop,
            unit=fleet.bike,
            borrower=fleet.ben,
            starts_at=at(
                2,
                12,
            ),
            ends_at=at(2, 14),
            blocked_until=at(2, 15),
            payment="free",
        )
    first.status = BookingStatus.CANCELLED
    first.save()
    Booking.objects.create(  # a cancelled booking holds nothing
        cooperation=fleet.w.coop,
        unit=fleet.bike,
        borrower=fleet.ben,
        starts_at=at(2, 10),
        ends_at=at(2, 14),
        blocked_until=at(2, 15),
        payment="free",
    )
