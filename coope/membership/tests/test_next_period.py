"""The next period is opened when it is needed, with a copy of the last fee grid; taken in the
last weeks of a period, the next one is offered (front desk and renewals), the current one
still chosen when the person wants it."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from coope.core.models import AuditEntry
from coope.membership.models import FeeRule, Membership, MembershipPeriod
from coope.membership.services import (
    offers,
    open_next_period,
    open_period,
    renewal_options,
    take_membership,
)
from coope.people.services import create_person

pytestmark = pytest.mark.django_db
D = datetime.date
FIRST_DECEMBER = datetime.datetime(2018, 12, 1, 10, tzinfo=datetime.UTC)


def grid(period) -> list[tuple]:
    return sorted(
        FeeRule.objects.filter(period=period).values_list(
            "kind", "quotient_min", "quotient_max", "amount_cents"
        ),
        key=str,
    )


@pytest.fixture
def ana(world):
    with scope(cooperation=world.coop.pk):
        return create_person(
            actor=world.alice, cooperation=world.coop, first_name="Ana", last_name="Costa"
        )


@time_machine.travel(FIRST_DECEMBER)
def test_on_1_december_the_front_desk_offers_next_year(world, ana, client_as):
    client = client_as(world.alice)
    url = reverse("membership:take") + f"?personne={ana.pk}"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    # Next year first, valid from today to its end; this year still offered, to 31 December.
    assert form.initial["period"] == "nouvelle-2019-01-01"
    assert [label for _key, label in form.fields["period"].choices] == [
        "2019 · du 01/12/2018 au 31/12/2019 · 10,00 € · proposée",
        "2018 · du 01/12/2018 au 31/12/2018 · 10,00 €",
    ]
    assert "La période 2018 finit le 31/12/2018" in page.text
    assert "Vous pouvez encore choisir 2018" in page.text
    with scopes_disabled():
        assert not MembershipPeriod.objects.filter(name="2019").exists()  # nothing written yet

    response = client.post(
        url,
        {
            "house": world.house_a.pk,
            "period": "nouvelle-2019-01-01",
            "valid_from": "2018-12-01",
            "payment_method": "cash",
        },
    )
    assert response.status_code == 302
    with scope(cooperation=world.coop.pk):
        membership = Membership.objects.get(person=ana)
        p2019 = MembershipPeriod.objects.get(name="2019")
        assert (membership.period, membership.valid_from, membership.valid_until) == (
            p2019,
            D(2018, 12, 1),
            D(2019, 12, 31),
        )
        assert (membership.fee_cents, membership.card_number) == (1000, "ROM-2019-00001")
        # The period came with 2018's fee grid, and both are in the journal.
        assert (p2019.start, p2019.end) == (D(2019, 1, 1), D(2019, 12, 31))
        assert grid(p2019) == grid(world.period) and len(grid(p2019)) == 6
        opened = AuditEntry.objects.get(model="membership.membershipperiod", action="open_period")
        assert (opened.actor, opened.changes["fee_grid_from"]) == (world.alice, "2018")
        assert AuditEntry.objects.filter(action="copy_fee_grid").count() == 6


@time_machine.travel(FIRST_DECEMBER)
def test_on_1_december_the_person_may_still_choose_this_year(world, ana, client_as):
    url = reverse("membership:take") + f"?personne={ana.pk}"
    response = client_as(world.alice).post(
        url,
        {
            "house": world.house_a.pk,
            "period": str(world.period.pk),
            "valid_from": "2018-12-01",
            "payment_method": "cash",
        },
    )
    assert response.status_code == 302
    with scope(cooperation=world.coop.pk):
        membership = Membership.objects.get(person=ana)
        assert (membership.period, membership.valid_until) == (world.period, D(2018, 12, 31))
        assert not MembershipPeriod.objects.filter(name="2019").exists()


@time_machine.travel(datetime.datetime(2018, 11, 1, 10, tzinfo=datetime.UTC))
def test_before_the_last_weeks_only_the_current_period_is_offered(world, ana, client_as):
    page = client_as(world.alice).get(reverse("membership:take") + f"?personne={ana.pk}")
    assert [key for key, _label in page.context["form"].fields["period"].choices] == [
        str(world.period.pk)
    ]
    assert "est proposée" not in page.text


@time_machine.travel(datetime.datetime(2019, 2, 10, 10, tzinfo=datetime.UTC))
def test_a_day_without_period_opens_it_when_the_membership_is_taken(world, ana, client_as):
    client = client_as(world.alice)
    url = reverse("membership:take") + f"?personne={ana.pk}"
    page = client.get(url)
    assert page.context["form"].initial["period"] == "nouvelle-2019-01-01"
    assert "aucune période" not in page.text.lower()
    client.post(
        url,
        {
            "house": world.house_a.pk,
            "period": "nouvelle-2019-01-01",
            "valid_from": "2019-02-10",
            "payment_method": "cheque",
        },
    )
    with scope(cooperation=world.coop.pk):
        membership = Membership.objects.get(person=ana)
        assert membership.period.name == "2019"
        assert (membership.valid_from, membership.valid_until) == (D(2019, 2, 10), D(2019, 12, 31))


@time_machine.travel(FIRST_DECEMBER)
def test_renewing_on_1_december_offers_next_year_and_the_current_one(world, ana, client_as):
    with scope(cooperation=world.coop.pk):
        p2017 = MembershipPeriod.objects.create(
            cooperation=world.coop, name="2017", start=D(2017, 1, 1), end=D(2017, 12, 31)
        )
        old = take_membership(
            actor=world.alice,
            house=world.house_a,
            period=p2017,
            person=ana,
            payment_method="cash",
            fee_cents=500,
            valid_from=D(2017, 3, 1),
        )
        options = renewal_options(old)
    assert [(o.period.name, o.valid_from, o.valid_until, o.offered) for o in options] == [
        ("2019", D(2018, 12, 1), D(2019, 12, 31), True),
        ("2018", D(2018, 12, 1), D(2018, 12, 31), False),
    ]
    client = client_as(world.alice)
    url = reverse("membership:renew", args=[old.pk])
    assert f'href="{url}"' in client.get(reverse("membership:renewals")).text
    page = client.get(url)
    assert "La période 2018 finit le 31/12/2018" in page.text
    assert "2019 · du 01/12/2018 au 31/12/2019 · 10,00 € · proposée" in page.text
    assert page.context["form"].fields["period"].initial == "nouvelle-2019-01-01"
    response = client.post(url, {"house": world.house_a.pk, "payment_method": "cash"})
    assert response.status_code == 302
    with scope(cooperation=world.coop.pk):
        renewed = Membership.objects.get(person=ana, valid_from=D(2018, 12, 1))
        assert (renewed.period.name, renewed.valid_until) == ("2019", D(2019, 12, 31))


@time_machine.travel(FIRST_DECEMBER)
def test_a_renewal_may_still_be_for_this_year(world, ana, client_as):
    with scope(cooperation=world.coop.pk):
        p2017 = MembershipPeriod.objects.create(
            cooperation=world.coop, name="2017", start=D(2017, 1, 1), end=D(2017, 12, 31)
        )
        old = take_membership(
            actor=world.alice,
            house=world.house_a,
            period=p2017,
            person=ana,
            payment_method="cash",
            fee_cents=500,
            valid_from=D(2017, 3, 1),
        )
    url = reverse("membership:renew", args=[old.pk])
    client = client_as(world.alice)
    unknown = client.post(
        url, {"house": world.house_a.pk, "payment_method": "cash", "period": "nouvelle-2031"}
    )
    assert unknown.status_code == 200 and "period" in unknown.context["form"].errors
    with scope(cooperation=world.coop.pk):
        assert Membership.objects.filter(person=ana).count() == 1
    client.post(
        url, {"house": world.house_a.pk, "payment_method": "cash", "period": world.period.pk}
    )
    with scope(cooperation=world.coop.pk):
        renewed = Membership.objects.get(person=ana, period=world.period)
        assert renewed.valid_until == D(2018, 12, 31)
        assert not MembershipPeriod.objects.filter(name="2019").exists()


def test_the_next_period_is_opened_once_with_the_last_grid(in_scope):
    w = in_scope
    opened = open_next_period(actor=w.director, cooperation=w.coop)
    assert (opened.name, opened.start, opened.end) == ("2019", D(2019, 1, 1), D(2019, 12, 31))
    assert grid(opened) == grid(w.period)
    # Asked again for a day of that period: the same one, nothing copied twice.
    assert open_period(actor=w.director, cooperation=w.coop, day=D(2019, 7, 1)) == opened
    assert FeeRule.objects.filter(period=opened).count() == 6
    # The following one copies 2019's grid, changed meanwhile.
    FeeRule.objects.filter(period=opened, kind="household").update(amount_cents=2500)
    after = open_next_period(actor=w.director, cooperation=w.coop)
    assert after.name == "2020"
    assert grid(after) == grid(opened) != grid(w.period)


def test_offers_follow_the_weeks_set_in_the_rules(in_scope):
    w = in_scope
    from coope.membership.services import set_rules

    assert [o.period.name for o in offers(w.coop, D(2018, 11, 25))] == ["2019", "2018"]
    set_rules(actor=w.director, cooperation=w.coop, offer_weeks=0)
    assert [o.period.name for o in offers(w.coop, D(2018, 12, 31))] == ["2018"]
    set_rules(actor=w.director, cooperation=w.coop, offer_weeks=10)
    assert [o.period.name for o in offers(w.coop, D(2018, 10, 25))] == ["2019", "2018"]


@time_machine.travel(datetime.datetime(2018, 12, 15, 10, tzinfo=datetime.UTC))
def test_a_holder_still_covered_is_offered_the_membership_that_follows(world, ana, client_as):
    with scope(cooperation=world.coop.pk):
        take_membership(
            actor=world.alice,
            house=world.house_a,
            period=world.period,
            person=ana,
            payment_method="cash",
            valid_from=D(2018, 3, 1),
        )
    client = client_as(world.alice)
    url = reverse("membership:take") + f"?personne={ana.pk}"
    form = client.get(url).context["form"]
    assert form.initial["valid_from"] == D(2019, 1, 1)
    assert [label for _key, label in form.fields["period"].choices] == [
        "2019 · du 01/01/2019 au 31/12/2019 · 10,00 €"
    ]
    # Starting today instead would overlap the card she has: refused, in French.
    refused = client.post(
        url,
        {
            "house": world.house_a.pk,
            "period": "nouvelle-2019-01-01",
            "valid_from": "2018-12-15",
            "payment_method": "cash",
        },
    )
    assert "Ana Costa a déjà une adhésion valable" in refused.text
    client.post(
        url,
        {
            "house": world.house_a.pk,
            "period": "nouvelle-2019-01-01",
            "valid_from": "2019-01-01",
            "payment_method": "cash",
        },
    )
    with scope(cooperation=world.coop.pk):
        follows = Membership.objects.get(person=ana, period__name="2019")
        assert (follows.valid_from, follows.valid_until) == (D(2019, 1, 1), D(2019, 12, 31))
