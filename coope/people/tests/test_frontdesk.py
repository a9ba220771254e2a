"""The front desk, as reception staff use it, and what other staff may not do."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from coope.core.models import AuditEntry
from coope.membership.models import Membership
from coope.membership.services import take_membership
from coope.people.models import Person
from coope.people.services import create_household, create_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def elodie(in_scope):
    w = in_scope
    return create_person(
        actor=w.alice,
        cooperation=w.coop,
        first_name="Élodie",
        last_name="Dupont-Gaël",
        birth_date=datetime.date(1980, 5, 4),
        home_house=w.house_a,
        notes="suivi RSA",
    )


def test_search_finds_part_of_a_name_without_accents_or_case(world, elodie, client_as):
    client = client_as(world.alice)
    for text in ["elodie", "ÉLO", "dupont", "gael elo"]:
        response = client.get(reverse("people:desk"), {"q": text})
        assert "DUPONT-GAËL Élodie" in response.text, text
    assert "DUPONT-GAËL" not in client.get(reverse("people:desk"), {"q": "martin"}).text


@time_machine.travel(datetime.datetime(2018, 6, 1, 10, tzinfo=datetime.UTC))
def test_search_by_card_number_shows_the_card_status(world, elodie, client_as):
    with scope(cooperation=world.coop.pk):
        membership = take_membership(
            actor=world.alice,
            house=world.house_a,
            period=world.period,
            person=elodie,
            payment_method="cash",
        )
    response = client_as(world.alice).get(
        reverse("people:desk"), {"q": membership.card_number.lower()}
    )
    assert "DUPONT-GAËL Élodie" in response.text
    assert "Carte valable" in response.text


def test_search_answers_partial_html_to_htmx(world, elodie, client_as):
    response = client_as(world.alice).get(
        reverse("people:desk"), {"q": "elo"}, headers={"HX-Request": "true"}
    )
    assert "DUPONT-GAËL" in response.text and "<html" not in response.text


def test_another_cooperation_never_finds_our_people(world, elodie, client_as):
    response = client_as(world.charlie).get(reverse("people:desk"), {"q": "elodie"})
    assert response.status_code == 200 and "DUPONT" not in response.text


def test_creating_the_same_person_twice_warns_and_writes_nothing_until_confirmed(
    world, elodie, client_as
):
    client = client_as(world.alice)
    data = {
        "first_name": "elodie",
        "last_name": "DUPONT-GAEL",
        "birth_date": "1980-05-04",
        "sex": "F",
    }
    response = client.post(reverse("people:person_create"), data)
    assert response.status_code == 200
    assert "Doublon possible" in response.text
    with scope(cooperation=world.coop.pk):
        assert Person.objects.count() == 1
    response = client.post(reverse("people:person_create"), {**data, "confirm_not_duplicate": "on"})
    assert response.status_code == 302
    with scope(cooperation=world.coop.pk):
        assert Person.objects.count() == 2


def test_different_birth_date_is_not_a_duplicate(world, elodie, client_as):
    data = {
        "first_name": "Élodie",
        "last_name": "Dupont-Gaël",
        "birth_date": "2001-01-01",
        "sex": "F",
    }
    assert client_as(world.alice).post(reverse("people:person_create"), data).status_code == 302


def test_person_creation_is_audited_with_its_author(world, client_as):
    client_as(world.alice).post(
        reverse("people:person_create"), {"first_name": "Karim", "last_name": "Benali", "sex": "M"}
    )
    with scope(cooperation=world.coop.pk):
        entry = AuditEntry.objects.get(model="people.person", action="create")
        person = Person.objects.get()
    assert entry.actor == world.alice and entry.object_id == str(person.pk)
    assert entry.changes["last_name"] == "Benali"


@time_machine.travel(datetime.datetime(2018, 3, 1, 10, tzinfo=datetime.UTC))
def test_reception_takes_a_household_membership_with_the_computed_fee(world, elodie, client_as):
    with scope(cooperation=world.coop.pk):
        household = create_household(
            actor=world.alice,
            cooperation=world.coop,
            name="Famille Dupont",
            members=[(elodie, "referent")],
        )
    client = client_as(world.alice)
    client.post(
        reverse("people:household_quotient", args=[household.pk]),
        {"value": "450", "valid_from": "2018-01-01", "source": "caf"},
    )
    url = reverse("membership:take") + f"?foyer={household.pk}"
    page = client.get(url)
    assert "12,00 €" in page.text  # household tier for QF 301-700
    response = client.post(
        url,
        {
            "house": world.house_a.pk,
            "period": world.period.pk,
            "valid_from": "2018-03-01",
            "payment_method": "cheque",
        },
    )
    assert response.status_code == 302
    with scope(cooperation=world.coop.pk):
        membership = Membership.objects.get()
        assert (membership.household, membership.fee_cents, membership.house) == (
            household,
            1200,
            world.house_a,
        )
        assert (
            AuditEntry.objects.filter(
                model="membership.membership", action="take_membership", actor=world.alice
            ).count()
            == 1
        )
    check = client.get(reverse("membership:check_card"), {"number": membership.card_number})
    assert (
        "Carte valable jusqu&#x27;au 31/12/2018" in check.text
        or "Carte valable jusqu'au 31/12/2018" in check.text
    )


@time_machine.travel(datetime.datetime(2018, 3, 1, 10, tzinfo=datetime.UTC))
def test_staff_of_another_association_cannot_take_a_membership_at_our_house(
    world, elodie, client_as
):
    url = reverse("membership:take") + f"?personne={elodie.pk}"
    response = client_as(world.bob).post(
        url,
        {
            "house": world.house_a.pk,
            "period": world.period.pk,
            "valid_from": "2018-03-01",
            "payment_method": "cash",
        },
    )
    assert response.status_code == 200 and "house" in response.context["form"].errors
    with scopes_disabled():
        assert Membership.objects.count() == 0


def test_unknown_card_is_shown_as_unknown(world, client_as):
    response = client_as(world.alice).get(
        reverse("membership:check_card"), {"number": "ROM-2018-77777"}
    )
    assert "Carte inconnue" in response.text


@time_machine.travel(datetime.datetime(2019, 1, 10, 10, tzinfo=datetime.UTC))
def test_renewals_list_shows_expired_memberships_without_a_newer_one(world, elodie, client_as):
    with scope(cooperation=world.coop.pk):
        other = create_person(
            actor=world.alice, cooperation=world.coop, first_name="Omar", last_name="Haddad"
        )
        for person in (elodie, other):
            take_membership(
                actor=world.alice,
                house=world.house_a,
                period=world.period,
                person=person,
                payment_method="cash",
                valid_from=datetime.date(2018, 2, 1),
            )
        from coope.membership.models import MembershipPeriod

        p2019 = MembershipPeriod.objects.create(
            cooperation=world.coop,
            name="2019",
            start=datetime.date(2019, 1, 1),
            end=datetime.date(2019, 12, 31),
        )
        from coope.membership.models import FeeRule

        FeeRule.objects.create(
            cooperation=world.coop, period=p2019, kind="individual", amount_cents=500
        )
        take_membership(
            actor=world.alice,
            house=world.house_a,
            period=p2019,
            person=other,
            payment_method="cash",
        )
    response = client_as(world.alice).get(reverse("membership:renewals"))
    assert "Élodie Dupont-Gaël" in response.text
    assert "Omar Haddad" not in response.text


def test_visit_is_recorded_at_a_house_of_ones_association(world, elodie, client_as):
    client = client_as(world.alice)
    response = client.post(
        reverse("people:visit_create") + f"?personne={elodie.pk}",
        {"house": world.house_a.pk, "date": "2018-05-02", "reason": "information"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("people:visit_create"),
        {"house": world.house_b.pk, "date": "2018-05-02", "reason": "information"},
    )
    assert response.status_code == 200 and "house" in response.context["form"].errors
    with scope(cooperation=world.coop.pk):
        assert elodie.visits.count() == 1


def test_notes_are_shown_only_to_roles_that_need_them(world, elodie, client_as):
    url = reverse("people:person", args=[elodie.pk])
    assert "suivi RSA" in client_as(world.alice).get(url).text  # reception
    assert "suivi RSA" not in client_as(world.coordinator).get(url).text
    assert "suivi RSA" not in client_as(world.volunteer).get(url).text
