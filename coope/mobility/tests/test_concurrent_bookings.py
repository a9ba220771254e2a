"""Sixteen people book one unit for overlapping ranges at the same moment, each on their own
connection: exactly one booking is written, the fifteen others get the French message.

On PostgreSQL the exclusion constraint decides; on SQLite the write lock (the test copies the
test database into a real file, so that the threads' connections lock it as the web server's
would: WAL, IMMEDIATE transactions, a 20 s busy timeout)."""

import datetime
import sqlite3
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django_scopes import scope

from coope.mobility import services
from coope.mobility.models import Booking
from coope.timebank import services as timebank
from coope.timebank.models import Hold
from coope.timebank.tests.conftest import make_member

from .conftest import at

pytestmark = pytest.mark.django_db(transaction=True)
PEOPLE = 16


def race(fleet, people) -> tuple[list[str], list[str]]:
    """Everyone books the e-bike at once, each asking a range that overlaps everyone else's."""
    barrier, won, lost = threading.Barrier(PEOPLE), [], []

    def attempt(index, person):
        try:
            with scope(cooperation=fleet.w.coop.pk):
                barrier.wait()
                services.book_unit(
                    actor=None,
                    unit=fleet.bike,
                    borrower=person,
                    starts_at=at(5, 9) + datetime.timedelta(minutes=10 * index),
                    ends_at=at(5, 14) + datetime.timedelta(minutes=10 * index),
                    payment="hours",
                )
            won.append(person.first_name)
        except ValidationError as error:
            lost.append(" ".join(error.messages))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=pair) for pair in enumerate(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return won, lost


def the_people(fleet):
    with scope(cooperation=fleet.w.coop.pk):
        people = [make_member(fleet.w, f"Personne{n}") for n in range(PEOPLE)]
        for person in people:
            timebank.open_account(actor=None, person=person)
        return people


def check(won, lost) -> None:
    assert len(won) == 1, (won, lost)
    assert len(lost) == PEOPLE - 1
    assert all("déjà réservé sur ce créneau" in message for message in lost), lost


def test_sixteen_concurrent_bookings_on_postgresql_one_wins(fleet):
    if connection.vendor != "postgresql":
        pytest.skip("this one is PostgreSQL's exclusion constraint; SQLite's guard is below")
    people = the_people(fleet)
    won, lost = race(fleet, people)
    check(won, lost)
    with scope(cooperation=fleet.w.coop.pk):
        [booking] = Booking.objects.filter(unit=fleet.bike)
        assert booking.borrower.first_name == won[0]
        assert Hold.objects.get().pk == booking.hold_id  # the losers held nothing


def test_sixteen_concurrent_bookings_on_sqlite_one_wins(fleet, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("this one is SQLite's guard; PostgreSQL's constraint is above")
    people = the_people(fleet)
    path = tmp_path / "coope.sqlite3"
    target = sqlite3.connect(path)
    connection.ensure_connection()
    connection.connection.backup(target)
    target.close()
    settings_dict = connections.settings["default"]
    in_memory = settings_dict["NAME"]
    settings_dict["NAME"] = str(path)
    try:
        won, lost = race(fleet, people)
    finally:
        settings_dict["NAME"] = in_memory
    check(won, lost)
    with sqlite3.connect(path) as written:
        rows = written.execute("SELECT borrower_id, hold_id FROM mobility_booking").fetchall()
        holds = written.execute("SELECT id FROM timebank_hold").fetchall()
    winner = next(p for p in people if p.first_name == won[0])
    assert rows == [(winner.pk, holds[0][0])] and len(holds) == 1
