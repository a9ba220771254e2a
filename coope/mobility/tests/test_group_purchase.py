"""The group purchase: schedules that add up to the cent, payments, late instalments, an early
payoff and the supplier's invoice, on cases computed by hand."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from coope.core.models import AuditEntry
from coope.mobility import services
from coope.mobility.models import Instalment, PlanPayment

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def purchase(fleet):
    return services.create_purchase(
        actor=fleet.w.director,
        cooperation=fleet.w.coop,
        name="VAE 2017",
        supplier="Cycles Drôme",
        ordered_on=D(2017, 2, 15),
    )


def plan(fleet, purchase, *, price=159_999, deposit=20_000, n=12, remainder="last", buyer=None):
    return services.create_plan(
        actor=fleet.w.director,
        purchase=purchase,
        buyer=buyer or fleet.ana,
        signed_on=D(2017, 3, 1),
        price_cents=price,
        deposit_cents=deposit,
        instalments=n,
        first_due_on=D(2017, 4, 5),
        remainder_on=remainder,
    )


def schedule(p):
    return list(Instalment.objects.filter(plan=p).values_list("number", "due_on", "amount_cents"))


def pay(fleet, p, day, cents):
    return services.record_plan_payment(
        actor=fleet.w.alice, plan=p, paid_on=day, amount_cents=cents, method="cheque"
    )


def test_the_cents_left_over_go_on_the_last_instalment(fleet, purchase):
    # 1 599,99 € - 200,00 € deposit = 1 399,99 € in 12: 11 × 116,66 € and 116,73 € (7 cents more)
    p = plan(fleet, purchase)
    rows = schedule(p)
    assert rows[0] == (0, D(2017, 3, 1), 20_000)
    assert [amount for _n, _d, amount in rows[1:]] == [11_666] * 11 + [11_673]
    assert rows[1][1] == D(2017, 4, 5) and rows[-1][1] == D(2018, 3, 5)
    assert sum(amount for _n, _d, amount in rows) == 159_999


def test_or_on_the_first_one_when_the_plan_says_so(fleet, purchase):
    p = plan(fleet, purchase, remainder="first")
    assert [amount for _n, _d, amount in schedule(p)[1:]] == [11_673] + [11_666] * 11


def test_due_dates_keep_the_day_or_take_the_months_last(fleet, purchase):
    p = services.create_plan(
        actor=None,
        purchase=purchase,
        buyer=fleet.ben,
        signed_on=D(2017, 1, 20),
        price_cents=100,
        deposit_cents=0,
        instalments=3,
        first_due_on=D(2017, 1, 31),
    )
    assert schedule(p) == [
        (1, D(2017, 1, 31), 33),
        (2, D(2017, 2, 28), 33),
        (3, D(2017, 3, 31), 34),
    ]


def test_a_late_instalment_is_listed_until_it_is_paid(fleet, purchase):
    p = plan(fleet, purchase)
    pay(fleet, p, D(2017, 3, 1), 20_000)
    pay(fleet, p, D(2017, 4, 5), 11_666)
    # 10 June: May's and June's instalments are due and unpaid
    state = services.plan_state(p, D(2017, 6, 10))
    assert [(i.number, i.unpaid_cents) for i in state.late] == [(2, 11_666), (3, 11_666)]
    assert state.late_cents == 23_332
    assert [s.plan for s in services.late_plans(fleet.w.coop, D(2017, 6, 10))] == [p]
    # a partial payment pays the oldest first
    pay(fleet, p, D(2017, 6, 11), 15_000)
    state = services.plan_state(p, D(2017, 6, 11))
    assert [(i.number, i.unpaid_cents) for i in state.late] == [(3, 8_332)]
    pay(fleet, p, D(2017, 6, 12), 8_332)
    assert services.plan_state(p, D(2017, 6, 12)).late == []
    assert services.late_plans(fleet.w.coop, D(2017, 6, 12)) == []
    # paid 200,00 + 116,66 + 150,00 + 83,32 = 549,98 €
    assert services.plan_state(p, D(2017, 6, 12)).outstanding_cents == 159_999 - 54_998


def test_an_early_payoff_is_exactly_what_remains_and_no_cent_more(fleet, purchase):
    p = plan(fleet, purchase)
    pay(fleet, p, D(2017, 3, 1), 20_000)
    left = services.plan_state(p, D(2017, 5, 1)).outstanding_cents
    assert left == 139_999
    before = (PlanPayment.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError) as refused:
        pay(fleet, p, D(2017, 5, 1), left + 1)
    assert refused.value.messages[0].startswith("Il ne reste que 1\u202f399,99\u00a0€ à payer")
    assert (PlanPayment.objects.count(), AuditEntry.objects.count()) == before
    pay(fleet, p, D(2017, 5, 1), left)
    state = services.plan_state(p, D(2019, 1, 1))
    assert state.paid_off and state.late == [] and state.paid_cents == 159_999


def test_the_supplier_invoice_reconciles_with_the_plans_to_the_cent(fleet, purchase):
    plan(fleet, purchase)
    plan(fleet, purchase, price=149_900, deposit=0, n=10, buyer=fleet.ben)
    with pytest.raises(ValidationError, match="écart de 0,01"):
        services.record_supplier_invoice(
            actor=None, purchase=purchase, invoice_number="F-17-042", total_cents=309_900
        )
    purchase.refresh_from_db()
    assert purchase.invoice_total_cents is None
    services.record_supplier_invoice(
        actor=None, purchase=purchase, invoice_number="F-17-042", total_cents=309_899
    )
    purchase.refresh_from_db()
    found = services.reconciliation(purchase)
    assert (found.invoice_cents, found.plans_cents, found.schedules_cents) == (
        309_899,
        309_899,
        309_899,
    )
    assert found.balanced and found.outstanding_cents == 309_899


def test_bad_plans_are_refused_with_nothing_written(fleet, purchase):
    before = AuditEntry.objects.count()
    for kwargs, message in [
        ({"deposit": 200_000}, "acompte"),
        ({"n": 0}, "Entre 1 et 60"),
        ({"price": 0, "deposit": 0}, "positif"),
    ]:
        with pytest.raises(ValidationError, match=message):
            plan(fleet, purchase, **kwargs)
    assert AuditEntry.objects.count() == before and not Instalment.objects.exists()
