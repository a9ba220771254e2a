"""TIC-TAC key figures on a small hand-computed set."""

import datetime

import pytest

from coope.lib.indicators import Scope, registry
from coope.lib.periods import Period
from coope.membership.models import Membership
from coope.timebank import services

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


def figure(key, cooperation, period, **dimensions):
    return registry()[key](cooperation, period, **dimensions)


def test_figures_of_2018(figures_set, world):
    year = Period.year(2018)
    c = world.coop
    assert figure("timebank.hours_exchanged", c, year) == 150  # minutes: 1 h 30 + 1 h
    category = figure("timebank.hours_by_category", c, year)
    assert category == {str(figures_set.computing.pk): 60, str(figures_set.garden.pk): 90}
    labels = registry()["timebank.hours_by_category"].labels(Scope(c, year), category)
    assert sorted(labels.values()) == ["Informatique", "Jardinage"]
    assert figure("timebank.hours_by_house", c, year) == {
        str(world.house_a.pk): 90,
        str(world.house_b.pk): 60,
    }
    assert figure("timebank.exchanges", c, year) == 2
    assert figure("timebank.active_accounts", c, year) == 3
    assert figure("timebank.new_members", c, year) == 3
    paid = figure("timebank.hours_paid_by_programme", c, year)
    assert paid == {"membership_fee": 120, "bikes": 60, "shop": 30}
    assert registry()["timebank.hours_paid_by_programme"].labels(Scope(c, year), paid) == {
        "membership_fee": "Adhésions",
        "bikes": "Flotte de vélos",
        "shop": "Boutique de la conserverie",
    }
    # Ana 13 h, Ben -0 h 30, Cléo 29 h.
    spread = figure("timebank.balance_spread", c, year)
    # Every band, lowest first (« -10 h à 0 h » before the positive ones), empty ones at 0.
    assert list(spread.items()) == [
        ("below-10", 0),
        ("-10to0", 1),
        ("0to10", 0),
        ("10to20", 1),
        ("20to50", 1),
        ("50plus", 0),
    ]


def test_figures_by_house_and_association(figures_set, world):
    year = Period.year(2018)
    c = world.coop
    assert figure("timebank.hours_exchanged", c, year, house=world.house_a) == 90
    assert figure("timebank.active_accounts", c, year, house=world.house_a) == 2  # Ana, Cléo
    assert figure("timebank.new_members", c, year, association=world.assoc_b) == 1
    assert figure("timebank.hours_paid_by_programme", c, year, association=world.assoc_b) == {
        "bikes": 60
    }


def test_figures_of_another_year_and_records(figures_set, world):
    c, next_year = world.coop, Period.year(2019)
    assert figure("timebank.hours_exchanged", c, next_year) == 0
    assert figure("timebank.exchanges", c, next_year) == 0
    assert figure("timebank.new_members", c, next_year) == 0
    assert sum(figure("timebank.balance_spread", c, next_year).values()) == 3
    assert sum(figure("timebank.balance_spread", c, Period.year(2017)).values()) == 0
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
    scope = Scope(c, Period.year(2018))
    for key in keys:
        assert found[key].records is not None
    assert found["timebank.exchanges"].records_for(scope).count() == 2
    assert found["timebank.active_accounts"].records_for(scope).count() == 3
    # Paid: the credits of the shop, the bikes and the association (the membership fee).
    assert found["timebank.hours_paid_by_programme"].records_for(scope).count() == 3
