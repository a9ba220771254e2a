"""TIC-TAC key figures on a small hand-computed set."""

import datetime

import pytest

from coope.lib.indicators import registry
from coope.lib.periods import Period
from coope.membership.models import Membership
from coope.timebank import indicators, services

DAY = datetime.date(2018, 3, 1)


@pytest.fixture
def figures_set(tb, world):
    def exchange(provider, receiver, minutes, category, key):
        e = services.record_exchange(
            actor=None,
            provider=provider,
            receiver=receiver,
            minutes=minutes,
            category=category,
            description="Service",
            performed_on=DAY,
            idempotency_key=key,
        )
        return services.confirm_exchange(actor=None, exchange=e)

    exchange(tb.ana, tb.ben, 90, tb.garden, "e1")  # Ana (house A) gives 1 h 30 of gardening
    exchange(tb.ben, tb.cleo, 60, tb.computing, "e2")  # Ben (house B) gives 1 h of computing
    reversed_one = exchange(tb.cleo, tb.ana, 30, tb.garden, "e3")
    services.reverse_transfer(
        actor=None, transfer=reversed_one.transfer, reason="Erreur"
    )  # does not count
    membership = Membership.objects.get(person=tb.ana_person)
    services.pay_in_time(
        actor=None,
        payer=tb.ana_person,
        payee_kind="shop",
        association=world.assoc_a,
        minutes=30,
        item=tb.ana,
        idempotency_key="p1",
        memo="Pots",
    )
    services.pay_in_time(
        actor=None,
        payer=tb.ana_person,
        payee_kind="bikes",
        association=world.assoc_b,
        minutes=60,
        item=tb.ben,
        idempotency_key="p2",
    )
    services.pay_in_time(
        actor=None,
        payer=tb.ana_person,
        payee_kind="association",
        association=world.assoc_a,
        minutes=120,
        item=membership,
        idempotency_key="p3",
    )
    services.transfer_time(
        actor=None, payer=tb.ben, payee=tb.cleo, minutes=900, idempotency_key="t1"
    )
    return tb


def test_figures_of_2018(figures_set, world):
    year = Period.year(2018)
    c = world.coop
    assert indicators.hours_exchanged(c, year) == 2.5
    assert indicators.hours_by_category(c, year) == {"Informatique": 1.0, "Jardinage": 1.5}
    assert indicators.hours_by_house(c, year) == {world.house_a.name: 1.5, world.house_b.name: 1.0}
    assert indicators.exchanges(c, year) == 2
    assert indicators.active_accounts(c, year) == 3
    assert indicators.new_members(c, year) == 3
    assert indicators.hours_paid_by_programme(c, year) == {
        "Adhésions": 2.0,
        "Flotte de vélos": 1.0,
        "La P'tite Coopé (boutique)": 0.5,
    }
    # Ana 13 h, Ben -0 h 30, Cléo 29 h.
    assert indicators.balance_spread(c, year) == {
        "-10 h à 0 h": 1,
        "10 h à 20 h": 1,
        "20 h à 50 h": 1,
    }


def test_figures_by_house_and_association(figures_set, world):
    year = Period.year(2018)
    c = world.coop
    assert indicators.hours_exchanged(c, year, house=world.house_a) == 1.5
    assert indicators.active_accounts(c, year, house=world.house_a) == 2  # Ana, Cléo
    assert indicators.new_members(c, year, association=world.assoc_b) == 1
    assert indicators.hours_paid_by_programme(c, year, association=world.assoc_b) == {
        "Flotte de vélos": 1.0
    }


def test_figures_of_another_year_and_records(figures_set, world):
    c, next_year = world.coop, Period.year(2019)
    assert indicators.hours_exchanged(c, next_year) == 0
    assert indicators.exchanges(c, next_year) == 0
    assert indicators.new_members(c, next_year) == 0
    assert sum(indicators.balance_spread(c, next_year).values()) == 3
    assert indicators.balance_spread(c, Period.year(2017)) == {}
    keys = {
        "timebank.hours_exchanged",
        "timebank.hours_by_category",
        "timebank.hours_by_house",
        "timebank.exchanges",
        "timebank.active_accounts",
        "timebank.new_members",
        "timebank.hours_paid_by_programme",
        "timebank.balance_spread",
    }
    found = registry()
    assert keys <= found.keys()
    year = Period.year(2018)
    for key in keys:
        assert found[key].records is not None
    assert found["timebank.exchanges"].records(c, year).count() == 2
    assert found["timebank.active_accounts"].records(c, year).count() == 3
    assert found["timebank.hours_paid_by_programme"].records(c, year).count() == 3
