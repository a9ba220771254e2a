"""A former member of a household is no longer covered by its card, printed on it, found by it,
or asked to pay for it; the lists give each member's dates.

The Benali family: Karim left on 28 February 2018, Salma and Inès are still there; the
household's card is valid from 1 March 2018. The Diallo family: Amina was its referent until 31
May 2018, Moussa is since 1 June. Today is 15 June 2018.
"""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from openpyxl import load_workbook
from pypdf import PdfReader

from coope.imports.framework import person_of_row
from coope.membership.models import Membership, PaymentMethod
from coope.membership.services import take_membership
from coope.membership.views_card import card_pdf
from coope.people.exporting import export_file
from coope.people.services import (
    add_to_household,
    create_household,
    create_person,
    remove_from_household,
)
from coope.timebank import services as timebank
from coope.timebank.models import Account, Transfer

pytestmark = pytest.mark.django_db

D = datetime.date


class Families:
    pass


@pytest.fixture
def families(in_scope, time_machine):
    time_machine.move_to(datetime.datetime(2018, 6, 15, 10, tzinfo=datetime.UTC), tick=False)
    w = in_scope
    f = Families()
    f.w = w

    def person(first, last):
        return create_person(actor=w.alice, cooperation=w.coop, first_name=first, last_name=last)

    f.karim, f.salma, f.ines = (
        person("Karim", "Benali"),
        person("Salma", "Benali"),
        person("Inès", "Benali"),
    )
    f.benali = create_household(
        actor=w.alice,
        cooperation=w.coop,
        name="Famille Benali",
        members=[(f.karim, "referent"), (f.salma, "partner"), (f.ines, "child")],
    )
    remove_from_household(actor=w.alice, household=f.benali, person=f.karim, on=D(2018, 2, 28))
    f.card = take_membership(
        actor=w.alice,
        house=w.house_a,
        period=w.period,
        payment_method="cash",
        household=f.benali,
        fee_cents=1200,
        valid_from=D(2018, 3, 1),
        card_number="ROM-2018-00077",
    )
    return f


def test_a_former_member_may_take_their_own_card_a_current_one_is_covered(families):
    f, w = families, families.w
    own = take_membership(
        actor=w.alice,
        house=w.house_a,
        period=w.period,
        payment_method="cash",
        person=f.karim,
        fee_cents=500,
        valid_from=D(2018, 3, 1),
    )
    assert own.person == f.karim
    with pytest.raises(ValidationError, match="ROM-2018-00077"):
        take_membership(
            actor=w.alice,
            house=w.house_a,
            period=w.period,
            payment_method="cash",
            person=f.salma,
            fee_cents=500,
            valid_from=D(2018, 4, 1),
        )


def test_a_former_member_is_not_printed_on_the_household_card(families):
    f, w = families, families.w
    request = RequestFactory().get(f"/adhesions/{f.card.pk}/carte.pdf")
    request.user = w.alice
    request.cooperation = w.coop
    response = card_pdf(request, f.card.pk)
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Salma" in text and "Inès" in text
    assert "Karim" not in text


def test_a_former_member_cannot_open_a_time_account_on_the_household_card(families):
    f, w = families, families.w
    with pytest.raises(ValidationError, match="n'a pas d'adhésion valable"):
        timebank.open_account(actor=w.director, person=f.karim)
    assert not Account.objects.filter(person=f.karim).exists()
    assert timebank.open_account(actor=w.director, person=f.salma).person == f.salma


def test_a_household_card_in_an_import_names_its_members_not_a_former_one(families):
    def find(first):
        problems: list[tuple[str, str]] = []
        values = {"prenom": first, "nom": "Benali", "carte": "rom-2018-00077"}
        return person_of_row(None, values, problems), problems

    assert find("Salma") == (families.salma, [])
    person, problems = find("Karim")
    assert person is None
    assert problems == [
        (
            "carte",
            "La carte ROM-2018-00077 est celle de Famille Benali, pas de « Karim Benali » : "
            "corrigez l'un des deux.",
        )
    ]


def test_the_household_fee_in_hours_is_paid_by_the_referent_of_today(families):
    w = families.w
    amina = create_person(actor=w.alice, cooperation=w.coop, first_name="Amina", last_name="Diallo")
    moussa = create_person(
        actor=w.alice, cooperation=w.coop, first_name="Moussa", last_name="Diallo"
    )
    diallo = create_household(
        actor=w.alice, cooperation=w.coop, name="Famille Diallo", members=[(amina, "referent")]
    )
    remove_from_household(actor=w.alice, household=diallo, person=amina, on=D(2018, 5, 31))
    for person in (amina, moussa):
        timebank.open_account(actor=w.director, person=person, registered_with=w.assoc_a)
    start = Account.objects.get(person=amina).balance_minutes

    def take():
        return take_membership(
            actor=w.alice,
            house=w.house_a,
            period=w.period,
            payment_method=PaymentMethod.TIME,
            household=diallo,
            fee_cents=1200,
        )

    # Amina, the former referent, is not asked to pay: without a referent today, the household
    # cannot pay in hours, and nothing is written.
    with pytest.raises(ValidationError, match="un·e responsable"):
        take()
    assert not Membership.objects.filter(household=diallo).exists()

    add_to_household(
        actor=w.alice, household=diallo, person=moussa, link="referent", valid_from=D(2018, 6, 1)
    )
    membership = take()
    transfer = Transfer.objects.get(kind="membership_fee")
    assert transfer.item == membership
    assert Account.objects.get(person=amina).balance_minutes == start
    assert Account.objects.get(person=moussa).balance_minutes == start - transfer.amount_minutes


def test_the_households_list_gives_current_then_former_members_with_their_dates(families):
    w = families.w
    sheet = load_workbook(
        io.BytesIO(export_file("households", "xlsx", cooperation=w.coop, include_sensitive=False))
    ).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    since, left = rows[0].index("Dans le foyer depuis"), rows[0].index("A quitté le foyer le")
    assert [(r[1], r[since], r[left] and r[left].date()) for r in rows[1:]] == [
        ("Inès", None, None),
        ("Salma", None, None),
        ("Karim", None, D(2018, 2, 28)),
    ]
