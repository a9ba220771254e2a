"""Builders for the mobility tests: a fleet at house A and members with TIC-TAC accounts."""

import datetime

import pytest
from django_scopes import scope

from coope.mobility import services
from coope.timebank import services as timebank
from coope.timebank.tests.conftest import make_member

NOW = datetime.datetime(2018, 3, 1, 10, tzinfo=datetime.UTC)


def at(day: int, hour: int, month: int = 3) -> datetime.datetime:
    return datetime.datetime(2018, month, day, hour, tzinfo=datetime.UTC)


class Fleet:
    """An e-bike and a rosalie at house A, Ana and Ben with 15 h each on TIC-TAC."""


@pytest.fixture
def fleet(world, time_machine):
    time_machine.move_to(NOW, tick=True)
    f = Fleet()
    f.w = world
    with scope(cooperation=world.coop.pk):
        f.ana = make_member(world, "Ana")
        f.ben = make_member(world, "Ben", house=world.house_b)
        f.ana_account = timebank.open_account(actor=None, person=f.ana)
        f.ben_account = timebank.open_account(actor=None, person=f.ben)
        f.bike = services.add_unit(
            actor=world.director,
            cooperation=world.coop,
            kind="ebike",
            name="VAE 1",
            house=world.house_a,
            in_service_on=datetime.date(2017, 6, 1),
            odometer_km=120,
        )
        f.rosalie = services.add_unit(
            actor=world.director,
            cooperation=world.coop,
            kind="rosalie",
            name="Rosalie des Ors",
            house=world.house_a,
            in_service_on=datetime.date(2017, 6, 1),
        )
        yield f
