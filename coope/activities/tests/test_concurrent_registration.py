"""On PostgreSQL, people registering at the same moment never overfill a session."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django_scopes import scope

from coope.activities import services
from coope.activities.models import Activity, Registration, RegistrationStatus
from coope.people.services import create_person

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
PEOPLE, CAPACITY = 16, 5


def test_concurrent_registrations_fill_exactly_the_capacity(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are tested on PostgreSQL")
    with scope(cooperation=world.coop.pk):
        activity = Activity.objects.create(
            cooperation=world.coop, house=world.house_a, title="Sortie", capacity=CAPACITY
        )
        [session] = services.schedule_sessions(
            actor=world.alice,
            activity=activity,
            duration=datetime.timedelta(hours=3),
            first_start=datetime.datetime(2018, 6, 2, 9, tzinfo=datetime.UTC),
        )
        people = [
            create_person(
                actor=world.alice, cooperation=world.coop, first_name=f"P{i}", last_name="T"
            )
            for i in range(PEOPLE)
        ]
    barrier = threading.Barrier(PEOPLE)
    errors = []

    def register(person):
        try:
            with scope(cooperation=world.coop.pk):
                barrier.wait()
                services.register(actor=world.alice, session=session, person=person)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with scope(cooperation=world.coop.pk):
        statuses = list(
            Registration.objects.filter(session=session).values_list("status", flat=True)
        )
    assert statuses.count(RegistrationStatus.CONFIRMED) == CAPACITY
    assert statuses.count(RegistrationStatus.WAITING) == PEOPLE - CAPACITY
