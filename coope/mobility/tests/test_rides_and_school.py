"""Rides paid in hours or free, the driver's time as volunteer hours; the cycling school's cycles
and each learner's progress; outings with their attendance."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from coope.activities import services as activities
from coope.activities.models import Session
from coope.core.models import AuditEntry
from coope.mobility import services
from coope.mobility.models import Progress, Ride
from coope.timebank.models import Account
from coope.volunteering.models import VolunteerHours

from .conftest import at

pytestmark = pytest.mark.django_db
DAY = datetime.date(2018, 3, 2)


def test_a_health_ride_by_a_volunteer_driver_counts_their_time(fleet):
    ride = services.request_ride(
        actor=fleet.w.alice,
        requested_by=fleet.ana,
        purpose="health",
        date=DAY,
        house=fleet.w.house_a,
        passengers=[fleet.ana],
        driver=fleet.ben,
    )
    services.complete_ride(actor=fleet.w.alice, ride=ride, duration_minutes=90)
    [hours] = VolunteerHours.objects.filter(person=fleet.ben)
    assert (hours.duration_minutes, hours.programme, hours.date) == (90, "mobility", DAY)
    assert Ride.objects.get(pk=ride.pk).status == "done"
    with pytest.raises(ValidationError, match="déjà"):
        services.complete_ride(actor=fleet.w.alice, ride=ride, duration_minutes=90)
    assert VolunteerHours.objects.count() == 1


def test_a_rosalie_ride_paid_in_hours_pays_the_fleet(fleet):
    ride = services.request_ride(
        actor=fleet.w.alice,
        requested_by=fleet.ana,
        purpose="shopping",
        date=DAY,
        house=fleet.w.house_a,
        unit=fleet.rosalie,
        driver=fleet.ben,
        payment="hours",
        price_minutes=30,
    )
    services.complete_ride(actor=fleet.w.alice, ride=ride, duration_minutes=60)
    ride.refresh_from_db()
    assert ride.transfer is not None
    assert Account.objects.get(pk=fleet.ana_account.pk).balance_minutes == 15 * 60 - 30
    payee = Account.objects.get(kind="bikes", association=fleet.w.assoc_a)
    assert payee.balance_minutes == 30


def test_bad_rides_are_refused_with_nothing_written(fleet):
    before = (Ride.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError, match="rosalie"):
        services.request_ride(
            actor=None,
            requested_by=fleet.ana,
            purpose="visit",
            date=DAY,
            house=fleet.w.house_a,
            unit=fleet.bike,
        )
    with pytest.raises(ValidationError, match="prix"):
        services.request_ride(
            actor=None,
            requested_by=fleet.ana,
            purpose="visit",
            date=DAY,
            house=fleet.w.house_a,
            payment="hours",
        )
    assert (Ride.objects.count(), AuditEntry.objects.count()) == before


def test_a_cycle_of_the_cycling_school_and_its_learners_progress(fleet):
    cycle = services.create_cycle(
        actor=fleet.w.alice,
        cooperation=fleet.w.coop,
        title="Vélo-école printemps",
        house=fleet.w.house_a,
        first_start=at(13, 14),
        weeks=6,
    )
    assert (cycle.programme, cycle.kind) == ("mobility", "course")
    sessions = list(Session.objects.filter(activity=cycle).order_by("starts_at"))
    assert len(sessions) == 6
    activities.record_attendance(actor=fleet.w.alice, session=sessions[0], person=fleet.ana)
    services.note_progress(
        actor=fleet.w.alice, cycle=cycle, learner=fleet.ana, noted_on=DAY, level="balance"
    )
    services.note_progress(
        actor=fleet.w.alice,
        cycle=cycle,
        learner=fleet.ana,
        noted_on=DAY + datetime.timedelta(weeks=5),
        level="traffic",
    )
    assert list(Progress.objects.filter(learner=fleet.ana).values_list("level", flat=True)) == [
        "traffic",
        "balance",
    ]
    outing = services.create_outing(
        actor=fleet.w.alice,
        cooperation=fleet.w.coop,
        title="Voie verte",
        house=fleet.w.house_a,
        starts_at=at(20, 9),
        duration=datetime.timedelta(hours=6),
    )
    with pytest.raises(ValidationError, match="vélo-école"):
        services.note_progress(
            actor=None, cycle=outing.activity, learner=fleet.ana, noted_on=DAY, level="balance"
        )
