"""The renewals list: by house, with phones, renewed in one confirmed step, exported."""

import datetime
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from coope.core.models import AuditEntry
from coope.lib.spreadsheets import read_spreadsheet
from coope.membership.models import FeeRule, Membership, MembershipPeriod
from coope.membership.services import take_membership
from coope.people.services import create_household, create_person

pytestmark = pytest.mark.django_db

JAN_2019 = datetime.datetime(2019, 1, 10, 10, tzinfo=datetime.UTC)


class Renewals:
    pass


def _period_2019(w):
    period = MembershipPeriod.objects.create(
        cooperation=w.coop,
        name="2019",
        start=datetime.date(2019, 1, 1),
        end=datetime.date(2019, 12, 31),
    )
    for kind, cents in (("individual", 700), ("household", 2500)):
        FeeRule.objects.create(cooperation=w.coop, period=period, kind=kind, amount_cents=cents)
    return period


@pytest.fixture
def renewals(world):
    """2018 memberships at house A (a person with a phone, a household whose referent has one)
    and at house B, and the 2019 period with its fees."""
    w = world
    r = Renewals()
    r.w = w
    with scope(cooperation=w.coop.pk):
        r.nadia = create_person(
            actor=w.alice,
            cooperation=w.coop,
            first_name="Nadia",
            last_name="Ferrand",
            phone="06 11 22 33 44",
        )
        referent = create_person(
            actor=w.alice,
            cooperation=w.coop,
            first_name="Paul",
            last_name="Marchal",
            phone="06 55 66 77 88",
        )
        r.family = create_household(
            actor=w.alice,
            cooperation=w.coop,
            name="Famille Marchal",
            members=[(referent, "referent")],
        )
        r.yves = create_person(
            actor=w.bob, cooperation=w.coop, first_name="Yves", last_name="Bastide"
        )
        r.m_nadia = take_membership(
            actor=w.alice,
            house=w.house_a,
            period=w.period,
            person=r.nadia,
            payment_method="cash",
            valid_from=datetime.date(2018, 3, 1),
        )
        r.m_family = take_membership(
            actor=w.alice,
            house=w.house_a,
            period=w.period,
            household=r.family,
            payment_method="cash",
            valid_from=datetime.date(2018, 3, 1),
        )
        r.m_yves = take_membership(
            actor=w.bob,
            house=w.house_b,
            period=w.period,
            person=r.yves,
            payment_method="cash",
            valid_from=datetime.date(2018, 3, 1),
        )
        r.p2019 = _period_2019(w)
    return r


@time_machine.travel(JAN_2019)
def test_the_list_is_filtered_by_the_house_where_the_membership_was_taken(renewals, client_as):
    r = renewals
    client = client_as(r.w.alice)
    everyone = client.get(reverse("membership:renewals"))
    assert all(
        name in everyone.text for name in ("Nadia Ferrand", "Famille Marchal", "Yves Bastide")
    )
    only_b = client.get(reverse("membership:renewals"), {"maison": r.w.house_b.pk})
    assert "Yves Bastide" in only_b.text
    assert "Nadia Ferrand" not in only_b.text and "Famille Marchal" not in only_b.text
    assert only_b.context["count"] == 1
    # The houses offered are the cooperation's; another cooperation's house is refused in French.
    assert f'value="{r.w.house_b.pk}"' in only_b.text
    assert f'value="{r.w.other_house.pk}"' not in only_b.text
    foreign = client.get(reverse("membership:renewals"), {"maison": r.w.other_house.pk})
    assert foreign.status_code == 200 and "Cette maison n&#x27;existe pas" in foreign.text
    assert client.get(reverse("membership:renewals"), {"maison": "x"}).status_code == 200


@time_machine.travel(JAN_2019)
def test_the_list_gives_the_phone_of_the_person_or_of_the_household_referent(renewals, client_as):
    response = client_as(renewals.w.alice).get(reverse("membership:renewals"))
    assert 'href="tel:0611223344"' in response.text  # Nadia's own
    assert 'href="tel:0655667788"' in response.text  # the referent of Famille Marchal
    rows = {m.card_number: m.phone for m in response.context["memberships"]}
    assert rows[renewals.m_yves.card_number] == ""


@time_machine.travel(JAN_2019)
def test_card_numbers_do_not_break_over_two_lines(renewals, client_as):
    response = client_as(renewals.w.alice).get(reverse("membership:renewals"))
    assert (
        f'<span class="nowrap card-number">{renewals.m_nadia.card_number}</span>' in response.text
    )
    css = (Path(__file__).parents[2] / "static" / "coope" / "coope.css").read_text("utf-8")
    assert ".nowrap { white-space: nowrap; }" in css


@time_machine.travel(JAN_2019)
def test_renew_shows_the_fee_then_takes_the_renewal_once_confirmed(renewals, client_as):
    r = renewals
    client = client_as(r.w.alice)
    listing = client.get(reverse("membership:renewals"))
    url = reverse("membership:renew", args=[r.m_nadia.pk])
    assert f'href="{url}"' in listing.text
    page = client.get(url)
    # Nothing is written before the confirmation; the fee is the 2019 grid's.
    assert page.status_code == 200 and "7,00 €" in page.text and "2019" in page.text
    with scopes_disabled():
        assert Membership.objects.filter(period=r.p2019).count() == 0
    response = client.post(url, {"house": r.w.house_a.pk, "payment_method": "cheque"})
    with scopes_disabled():
        renewed = Membership.objects.get(period=r.p2019)
        actions = set(
            AuditEntry.objects.filter(
                model="membership.membership", object_id=str(renewed.pk)
            ).values_list("action", flat=True)
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("membership:done", args=[renewed.pk])
    assert renewed.person == r.nadia and renewed.house == r.w.house_a
    assert (renewed.fee_cents, renewed.payment_method) == (700, "cheque")
    # Expired: the renewal starts today, not back on the first of the period.
    assert renewed.valid_from == datetime.date(2019, 1, 10)
    assert renewed.taken_by == r.w.alice
    assert {"take_membership", "renew_membership"} <= actions
    # Renewed: gone from the list; a second click renews nothing and says why.
    assert "Nadia Ferrand" not in client.get(reverse("membership:renewals")).text
    again = client.post(url, {"house": r.w.house_a.pk, "payment_method": "cheque"}, follow=True)
    assert "a déjà renouvelé son adhésion" in again.text
    with scopes_disabled():
        assert Membership.objects.filter(period=r.p2019).count() == 1


@time_machine.travel(JAN_2019)
def test_a_household_is_renewed_with_the_household_fee(renewals, client_as):
    r = renewals
    client_as(r.w.alice).post(
        reverse("membership:renew", args=[r.m_family.pk]),
        {"house": r.w.house_a.pk, "payment_method": "cash"},
    )
    with scopes_disabled():
        renewed = Membership.objects.get(period=r.p2019)
    assert (renewed.household, renewed.fee_cents) == (r.family, 2500)


@time_machine.travel(datetime.datetime(2018, 12, 15, 10, tzinfo=datetime.UTC))
def test_a_membership_still_valid_is_renewed_from_the_day_after_it_ends(renewals, client_as):
    r = renewals
    client_as(r.w.alice).post(
        reverse("membership:renew", args=[r.m_nadia.pk]),
        {"house": r.w.house_a.pk, "payment_method": "cash"},
    )
    with scopes_disabled():
        renewed = Membership.objects.get(period=r.p2019)
    assert (renewed.valid_from, renewed.valid_until) == (
        datetime.date(2019, 1, 1),
        datetime.date(2019, 12, 31),
    )


@time_machine.travel(JAN_2019)
def test_renewal_is_taken_at_a_house_of_ones_own_association_only(renewals, client_as):
    r = renewals
    url = reverse("membership:renew", args=[r.m_nadia.pk])
    # Bob (reception at B) renews a membership taken at A, at his own house only.
    client = client_as(r.w.bob)
    page = client.get(url)
    assert f'value="{r.w.house_a.pk}"' not in page.text
    refused = client.post(url, {"house": r.w.house_a.pk, "payment_method": "cash"})
    assert refused.status_code == 200 and "house" in refused.context["form"].errors
    assert client.post(url, {"house": r.w.house_b.pk, "payment_method": "cash"}).status_code == 302


@time_machine.travel(JAN_2019)
def test_who_may_renew(renewals, client_as):
    r = renewals
    url = reverse("membership:renew", args=[r.m_nadia.pk])
    listing = client_as(r.w.volunteer).get(reverse("membership:renewals"))
    assert listing.status_code == 200 and url not in listing.text
    assert client_as(r.w.volunteer).post(url, {}).status_code == 403
    assert client_as(r.w.charlie).get(url).status_code == 404
    with scopes_disabled():
        assert Membership.objects.filter(period=r.p2019).count() == 0


@time_machine.travel(JAN_2019)
def test_without_a_fee_grid_to_open_the_next_period_with_the_renewal_says_what_to_do(
    world, client_as
):
    # The next period is opened when needed, with the last fee grid (test_next_period.py); with
    # no grid at all, the renewal says where a director sets one.
    w = world
    with scope(cooperation=w.coop.pk):
        person = create_person(actor=w.alice, cooperation=w.coop, first_name="Ana", last_name="Roy")
        membership = take_membership(
            actor=w.alice,
            house=w.house_a,
            period=w.period,
            person=person,
            payment_method="cash",
            fee_cents=500,
            valid_from=datetime.date(2018, 3, 1),
        )
        FeeRule.objects.filter(period=w.period).delete()
    response = client_as(w.alice).get(
        reverse("membership:renew", args=[membership.pk]), follow=True
    )
    assert response.status_code == 200
    assert "Configuration, « Périodes et tarifs d&#x27;adhésion »" in response.text
    with scopes_disabled():
        assert not MembershipPeriod.objects.filter(cooperation=w.coop, name="2019").exists()


@time_machine.travel(JAN_2019)
def test_the_list_is_exported_with_its_filter(renewals, client_as):
    r = renewals
    client = client_as(r.w.director)
    listing = client.get(reverse("membership:renewals"), {"maison": r.w.house_a.pk})
    url = reverse("membership:renewals_export", args=["xlsx"])
    assert f'href="{url}?maison={r.w.house_a.pk}"' in listing.text
    response = client.get(url, {"maison": r.w.house_a.pk})
    assert response.status_code == 200
    assert "a-renouveler-romans-a-2019-01-10.xlsx" in response["Content-Disposition"]
    sheet = read_spreadsheet(response.content, "a.xlsx")
    assert sheet.headers[:4] == ["Adhérent", "Adhésion", "Carte", "Téléphone"]
    rows = {row.get("Carte"): row for row in sheet.rows}
    assert set(rows) == {r.m_nadia.card_number, r.m_family.card_number}
    assert rows[r.m_family.card_number].get("Téléphone") == "06 55 66 77 88"
    csv = client.get(reverse("membership:renewals_export", args=["csv"]))
    assert "Yves Bastide" in csv.content.decode("utf-8-sig")
    ods = client.get(reverse("membership:renewals_export", args=["ods"]))
    assert len(read_spreadsheet(ods.content, "a.ods").rows) == 3
    assert client.get(reverse("membership:renewals_export", args=["pdf"])).status_code == 404


@time_machine.travel(JAN_2019)
def test_reception_exports_the_list_it_calls_and_a_volunteer_does_not(renewals, client_as):
    # Reception calls the members to renew: it takes the list with the phones as a spreadsheet.
    client = client_as(renewals.w.alice)
    url = reverse("membership:renewals_export", args=["csv"])
    assert f'href="{url}"' in client.get(reverse("membership:renewals")).text
    assert "Yves Bastide" in client.get(url).content.decode("utf-8-sig")
    # A volunteer sees the list on screen but may not take it away; another cooperation's
    # reception exports its own list, with none of these members.
    volunteer = client_as(renewals.w.volunteer)
    assert f'href="{url}"' not in volunteer.get(reverse("membership:renewals")).text
    assert volunteer.get(url).status_code == 403
    elsewhere = client_as(renewals.w.charlie).get(url).content.decode("utf-8-sig")
    assert "Carte" in elsewhere and "Bastide" not in elsewhere
