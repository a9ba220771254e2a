"""Anonymisation erases who a person is, keeps every figure, leaves no trace in the audit log."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope

from coope.core.models import AuditEntry
from coope.lib import encryption
from coope.lib.indicators import compute_figures
from coope.lib.periods import Period
from coope.membership.models import FeeRule, MembershipPeriod
from coope.membership.services import take_membership
from coope.people.models import Household, Person
from coope.people.privacy import anonymise_person
from coope.people.services import (
    create_household,
    create_person,
    record_consent,
    record_quotient,
    record_visit,
    update_person,
)

pytestmark = pytest.mark.django_db


class Data:
    pass


@pytest.fixture
def data(in_scope):
    """A small cooperation: a family with a household membership, a member on their own over two
    years, a visitor who never joined; visits at both houses."""
    w, d = in_scope, Data()
    d.w = w
    d.period_2017 = MembershipPeriod.objects.create(
        cooperation=w.coop,
        name="2017",
        start=datetime.date(2017, 1, 1),
        end=datetime.date(2017, 12, 31),
    )
    FeeRule.objects.create(
        cooperation=w.coop, period=d.period_2017, kind="individual", amount_cents=500
    )
    d.elodie = create_person(
        actor=w.alice,
        cooperation=w.coop,
        first_name="Élodie",
        last_name="Dupond",
        birth_date=datetime.date(1980, 5, 4),
        sex="F",
        email="elodie.dupont@example.org",
        phone="06 12 34 56 78",
        address="3 rue Magnard",
        postcode="26100",
        city="Romans-sur-Isère",
        neighbourhood="Centre historique",
        home_house=w.house_a,
        occupation="employed",
        notes="Suivi RSA, très isolée",
    )
    d.elodie = update_person(actor=w.alice, person=d.elodie, last_name="Dupont")  # a typo corrected
    d.marc = create_person(
        actor=w.alice,
        cooperation=w.coop,
        first_name="Marc",
        last_name="Dupont",
        birth_date=datetime.date(1978, 11, 30),
        sex="M",
        neighbourhood="Centre historique",
        home_house=w.house_a,
        occupation="jobseeker",
    )
    d.lea = create_person(
        actor=w.alice,
        cooperation=w.coop,
        first_name="Léa",
        last_name="Dupont",
        birth_date=datetime.date(2010, 2, 14),
        sex="F",
        neighbourhood="Centre historique",
        home_house=w.house_a,
        occupation="student",
    )
    d.family = create_household(
        actor=w.alice,
        cooperation=w.coop,
        name="Famille Dupont",
        address="3 rue Magnard",
        postcode="26100",
        city="Romans-sur-Isère",
        members=[(d.elodie, "referent"), (d.marc, "partner"), (d.lea, "child")],
    )
    record_quotient(
        actor=w.alice,
        household=d.family,
        value=450,
        valid_from=datetime.date(2018, 1, 1),
        source="caf",
    )
    d.family_card = take_membership(
        actor=w.alice,
        house=w.house_a,
        period=w.period,
        household=d.family,
        payment_method="cash",
        valid_from=datetime.date(2018, 3, 1),
    )
    d.paul = create_person(
        actor=w.bob,
        cooperation=w.coop,
        first_name="Paul",
        last_name="Martineau",
        birth_date=datetime.date(1950, 7, 1),
        sex="M",
        neighbourhood="Les Ors",
        home_house=w.house_b,
        occupation="retired",
        email="paul@example.org",
    )
    take_membership(
        actor=w.bob,
        house=w.house_b,
        period=d.period_2017,
        person=d.paul,
        payment_method="cash",
        valid_from=datetime.date(2017, 2, 1),
    )
    take_membership(
        actor=w.bob,
        house=w.house_b,
        period=w.period,
        person=d.paul,
        payment_method="cheque",
        fee_cents=1000,
        valid_from=datetime.date(2018, 2, 1),
    )
    d.visitor = create_person(
        actor=w.bob,
        cooperation=w.coop,
        first_name="Nadia",
        last_name="Benali",
        birth_date=datetime.date(1995, 9, 9),
        sex="F",
        neighbourhood="La Monnaie",
    )
    for person, house, day, reason in [
        (d.elodie, w.house_a, datetime.date(2018, 3, 1), "membership"),
        (d.elodie, w.house_b, datetime.date(2018, 5, 12), "admin_help"),
        (d.paul, w.house_b, datetime.date(2017, 6, 3), "digital"),
        (d.paul, w.house_b, datetime.date(2018, 6, 3), "digital"),
        (d.visitor, w.house_b, datetime.date(2018, 9, 20), "listening"),
        (None, w.house_a, datetime.date(2018, 9, 21), "information"),
    ]:
        record_visit(
            actor=w.alice,
            house=house,
            date=day,
            reason=reason,
            person=person,
            comment=f"Aide dossier CAF de {person}" if person else "",
        )
    record_consent(
        actor=w.alice,
        person=d.elodie,
        kind="newsletter",
        given=True,
        date=datetime.date(2018, 3, 1),
        source="paper",
    )
    return d


def all_figures(d):
    w = d.w
    figures = {}
    for year in (2017, 2018):
        period = Period.year(year)
        figures[year] = compute_figures(w.coop, period)
        for house in (w.house_a, w.house_b):
            figures[(year, house.pk)] = compute_figures(w.coop, period, house=house)
        figures[(year, "assoc")] = compute_figures(w.coop, period, association=w.assoc_b)
    return figures


def test_anonymising_everyone_leaves_every_figure_unchanged(data):
    before = all_figures(data)
    # The data set is not empty: the comparison below could fail.
    assert before[2018]["membership.members"] == 4
    assert before[2018]["membership.new_members"] == 3
    assert before[2018]["people.reception_visits"] == 5
    assert before[2018]["people.by_age_band"] == {"6-11": 1, "18-25": 1, "26-59": 2, "60+": 1}
    assert before[2018]["membership.members_by_neighbourhood"] == {
        "Centre historique": 3,
        "Les Ors": 1,
    }
    assert before[2017]["membership.fees_cents"] == 500

    for person in (data.elodie, data.paul, data.marc, data.lea, data.visitor):
        anonymise_person(actor=data.w.director, person=person)

    assert all_figures(data) == before
    assert not Person.objects.filter(anonymised_at__isnull=True).exists()


def test_anonymisation_erases_identity_and_keeps_what_figures_use(data):
    w = data.w
    anonymise_person(actor=w.director, person=data.elodie)
    elodie = Person.objects.get(pk=data.elodie.pk)
    assert (elodie.first_name, elodie.last_name) == ("Anonyme", f"#{elodie.pk}")
    assert (elodie.email, elodie.phone, elodie.address, elodie.notes) == ("", "", "", "")
    assert elodie.birth_date == datetime.date(1980, 1, 1)
    assert elodie.anonymised_at is not None
    assert (elodie.sex, elodie.neighbourhood, elodie.home_house, elodie.occupation) == (
        "F",
        "Centre historique",
        w.house_a,
        "employed",
    )
    assert elodie.household_links.get().household == data.family
    assert elodie.visits.count() == 2 and not elodie.visits.exclude(comment="").exists()
    assert elodie.consents.count() == 1
    assert not Person.objects.search("elodie").exists()
    # Marc and Léa still live there: the household keeps its name and address.
    family = Household.objects.get(pk=data.family.pk)
    assert (family.name, family.address) == ("Famille Dupont", "3 rue Magnard")


def audit_text() -> str:
    """The log as read with the keys (notes and quotients are kept encrypted in it)."""

    def read(changes):
        if isinstance(changes, dict):
            return {key: encryption.revealed(value) for key, value in changes.items()}
        return changes

    return json.dumps(
        [[e.object_repr, read(e.changes)] for e in AuditEntry.objects.all()], ensure_ascii=False
    ).casefold()


def test_the_audit_log_keeps_no_trace_of_the_erased_identity(data):
    w = data.w
    text = audit_text()
    for secret in [
        "Élodie",
        "Dupond",
        "elodie.dupont@example.org",
        "06 12 34 56 78",
        "Suivi RSA",
        "1980-05-04",
    ]:
        assert secret.casefold() in text  # the log did hold it

    anonymise_person(actor=w.director, person=data.elodie)

    text = audit_text()
    for secret in [
        "Élodie",
        "Dupond",
        "elodie.dupont@example.org",
        "06 12 34 56 78",
        "Suivi RSA",
        "1980-05-04",
    ]:
        assert secret.casefold() not in text, secret
    entry = AuditEntry.objects.get(action="anonymise")
    assert (entry.actor, entry.object_id, entry.object_repr) == (
        w.director,
        str(data.elodie.pk),
        f"Anonyme #{data.elodie.pk}",
    )
    # What was not identity stays in the log: who did it, when, and the non-identifying values.
    create = AuditEntry.objects.get(
        action="create", model="people.person", object_id=str(data.elodie.pk)
    )
    assert create.actor == w.alice
    assert create.changes["sex"] == "F" and create.changes["occupation"] == "employed"
    assert create.changes["first_name"] == "[effacé]"
    # The others keep their names.
    assert "paul" in text and "marc" in text


def test_a_household_whose_members_are_all_anonymised_loses_its_name_and_address(data):
    w = data.w
    for person in (data.elodie, data.marc, data.lea):
        anonymise_person(actor=w.director, person=person)
    family = Household.objects.get(pk=data.family.pk)
    assert family.name == f"Foyer anonyme #{family.pk}" and family.address == ""
    assert family.postcode == "26100"
    assert family.memberships.get() == data.family_card
    assert family.current_quotient().value == 450
    text = audit_text()
    assert "dupont" not in text and "magnard" not in text
    card_entry = AuditEntry.objects.get(
        action="take_membership", object_id=str(data.family_card.pk)
    )
    assert card_entry.object_repr == f"{data.family_card.card_number} — Foyer anonyme #{family.pk}"


def test_anonymising_twice_is_refused_with_a_clear_message(data):
    anonymise_person(actor=data.w.director, person=data.paul)
    with pytest.raises(ValidationError, match="déjà été anonymisée"):
        anonymise_person(actor=data.w.director, person=data.paul)
    assert AuditEntry.objects.filter(action="anonymise").count() == 1


def test_anonymisation_is_all_or_nothing(data, monkeypatch):
    from coope.people import privacy

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(privacy.audit, "record", broken)
    with pytest.raises(RuntimeError):
        anonymise_person(actor=data.w.director, person=data.elodie)
    elodie = Person.objects.get(pk=data.elodie.pk)
    assert elodie.first_name == "Élodie" and elodie.anonymised_at is None
    assert "suivi rsa" in audit_text()


def test_another_cooperation_cannot_reach_the_person(data, world):
    with scope(cooperation=world.other_coop.pk), pytest.raises(Person.DoesNotExist):
        anonymise_person(actor=world.charlie, person=data.elodie)
