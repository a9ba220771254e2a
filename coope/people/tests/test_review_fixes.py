"""Mistakes a front desk can make, refused with a message it can act on."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_scopes import scope

from coope.membership.models import Membership
from coope.membership.services import take_membership
from coope.people.services import create_household, create_person, record_visit

pytestmark = pytest.mark.django_db


def test_free_is_refused_when_a_fee_is_due(in_scope):
    w = in_scope
    ana = create_person(actor=w.alice, cooperation=w.coop, first_name="Ana", last_name="Costa")
    with pytest.raises(ValidationError, match="Gratuit"):
        take_membership(
            actor=w.alice,
            house=w.house_a,
            period=w.period,
            person=ana,
            payment_method="free",
            valid_from=datetime.date(2018, 2, 1),
        )
    assert Membership.objects.count() == 0


def test_a_person_covered_by_the_household_card_gets_no_second_card(in_scope):
    w = in_scope
    zoe = create_person(actor=w.alice, cooperation=w.coop, first_name="Zoé", last_name="Roux")
    household = create_household(
        actor=w.alice, cooperation=w.coop, name="Roux", members=[(zoe, "child")]
    )
    card = take_membership(
        actor=w.alice,
        house=w.house_a,
        period=w.period,
        household=household,
        payment_method="cash",
        valid_from=datetime.date(2018, 2, 1),
    )
    with pytest.raises(ValidationError, match=card.card_number):
        take_membership(
            actor=w.bob,
            house=w.house_b,
            period=w.period,
            person=zoe,
            payment_method="cash",
            valid_from=datetime.date(2018, 3, 1),
        )


@pytest.mark.parametrize(
    "url", ["membership:take", "people:visit_create", "people:household_create"]
)
def test_a_malformed_link_answers_not_found(world, client_as, url):
    assert client_as(world.alice).get(reverse(url) + "?personne=abc").status_code == 404
    assert (
        client_as(world.alice).get(reverse("people:person_create") + "?foyer=abc").status_code
        == 404
    )


def test_a_birth_date_in_the_future_is_refused(world, client_as):
    response = client_as(world.alice).post(
        reverse("people:person_create"),
        {"first_name": "Léo", "last_name": "Futur", "sex": "M", "birth_date": "2090-01-01"},
    )
    assert response.status_code == 200 and "dans le futur" in response.text


def test_visit_comments_are_shown_only_to_roles_that_see_sensitive_data(world, client_as):
    with scope(cooperation=world.coop.pk):
        ana = create_person(
            actor=world.alice, cooperation=world.coop, first_name="Ana", last_name="Costa"
        )
        record_visit(
            actor=world.alice,
            house=world.house_a,
            date=datetime.date(2018, 5, 2),
            reason="admin_help",
            person=ana,
            comment="Difficultés avec la CAF",
        )
    url = reverse("people:person", args=[ana.pk])
    assert "Difficultés avec la CAF" in client_as(world.alice).get(url).text
    assert "Difficultés avec la CAF" not in client_as(world.coordinator).get(url).text


def test_each_role_lands_on_a_page_it_may_open(world, client_as):
    assert client_as(world.alice).get("/")["Location"] == reverse("people:desk")
    client = client_as(world.evaluator)
    assert client.get("/")["Location"] == reverse("figures")
    page = client.get(reverse("figures"), {"du": "2018-01-01", "au": "2018-12-31"})
    assert page.status_code == 200 and "membership.members" in page.text
    assert client.get(reverse("people:desk")).status_code == 403
    assert "pas pour votre rôle" in client.get(reverse("people:desk")).text
