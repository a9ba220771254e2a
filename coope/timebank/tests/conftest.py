"""Builders for TIC-TAC tests: members with open accounts in the test cooperation, and a real SMTP
server (aiosmtpd) whose inbox the mail tests read."""

import datetime

import pytest
from django_scopes import scope

from coope.membership.models import Membership
from coope.people.models import Person
from coope.timebank import services
from coope.timebank.models import Category


def make_member(world, first_name, *, cooperation=None, house=None, email="", period=None):
    cooperation = cooperation or world.coop
    house = house or world.house_a
    person = Person.objects.create(
        cooperation=cooperation,
        first_name=first_name,
        last_name="Test",
        home_house=house,
        email=email,
    )
    period = period or world.period
    Membership.objects.create(
        cooperation=cooperation,
        period=period,
        person=person,
        house=house,
        card_number=f"{cooperation.card_prefix}-{person.pk}",
        fee_cents=0,
        payment_method="free",
        valid_from=period.start,
        valid_until=period.end,
    )
    return person


class TimeBank:
    """Three members of the main cooperation with open accounts (15 h each), one of the other."""


@pytest.fixture
def tb(world, time_machine):
    time_machine.move_to(datetime.datetime(2018, 3, 1, 10, tzinfo=datetime.UTC), tick=True)
    t = TimeBank()
    t.world = world
    with scope(cooperation=world.other_coop.pk):
        t.other_person = make_member(
            world,
            "Otto",
            cooperation=world.other_coop,
            house=world.other_house,
            period=world.other_period,
        )
        t.other = services.open_account(actor=None, person=t.other_person)
    with scope(cooperation=world.coop.pk):
        t.ana_person = make_member(world, "Ana", email="ana@example.org")
        t.ben_person = make_member(world, "Ben", email="ben@example.org", house=world.house_b)
        t.cleo_person = make_member(world, "Cléo")
        t.ana = services.open_account(actor=world.director, person=t.ana_person)
        t.ben = services.open_account(actor=world.director, person=t.ben_person)
        t.cleo = services.open_account(actor=world.director, person=t.cleo_person)
        t.garden = Category.objects.create(cooperation=world.coop, name="Jardinage")
        t.computing = Category.objects.create(cooperation=world.coop, name="Informatique")
        yield t


@pytest.fixture
def smtp_server(smtp_inbox):
    """The real SMTP server of coope/conftest.py, by the name these tests know it."""
    return smtp_inbox
