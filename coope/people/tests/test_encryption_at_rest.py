"""Family quotients, notes about a person and visit comments are encrypted at rest: the raw
columns hold no plaintext, Coopé reads them as before (fees, exports, anonymisation), the
migration encrypts the rows written before, and the keys rotate."""

import datetime
import html
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django_scopes import scopes_disabled

from coope.core.models import House
from coope.lib import encryption
from coope.lib.indicators import compute_figures
from coope.lib.periods import Period
from coope.membership import services as membership
from coope.people import privacy, services
from coope.people.forms import VisitForm
from coope.people.models import FamilyQuotient, Person, ReceptionVisit

pytestmark = pytest.mark.django_db

migration = importlib.import_module(
    "coope.people.migrations.0004_sensitive_fields_encrypted_at_rest"
)
NOTE = "Suivi RSA, dettes de loyer"
COMMENT = "Vient pour un dossier de surendettement"


def raw(model, field: str) -> list[str]:
    """The column as stored, read past the ORM."""
    column = model._meta.get_field(field).column
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} ORDER BY id")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def write_raw(model, pk: int, field: str, value) -> None:
    """A value as a version of Coopé before encryption stored it."""
    column = model._meta.get_field(field).column
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {model._meta.db_table} SET {column} = %s WHERE id = %s",  # noqa: S608
            [str(value), pk],
        )


@pytest.fixture
def family(in_scope):
    w = in_scope
    person = services.create_person(
        actor=w.alice, cooperation=w.coop, first_name="Élodie", last_name="Martin", notes=NOTE
    )
    household = services.create_household(
        actor=w.alice, cooperation=w.coop, name="Foyer Martin", members=[(person, "referent")]
    )
    services.record_quotient(
        actor=w.alice,
        household=household,
        value=512,
        valid_from=datetime.date(2018, 1, 1),
        source="caf",
    )
    services.record_quotient(
        actor=w.alice,
        household=household,
        value=0,
        valid_from=datetime.date(2018, 6, 1),
        source="caf",
    )
    services.record_visit(
        actor=w.alice,
        house=w.house_a,
        date=datetime.date(2018, 3, 2),
        reason="information",
        person=person,
        comment=COMMENT,
    )
    services.record_visit(
        actor=w.alice, house=w.house_a, date=datetime.date(2018, 3, 3), reason="information"
    )
    w.person, w.household = person, household
    return w


def test_the_raw_columns_hold_no_plaintext_and_coope_reads_them(family):
    stored = raw(Person, "notes") + raw(ReceptionVisit, "comment") + raw(FamilyQuotient, "value")
    assert not any(NOTE in value or COMMENT in value for value in stored if value)
    assert raw(FamilyQuotient, "value")[0].startswith(encryption.TOKEN_START)
    assert all(v.startswith(encryption.TOKEN_START) for v in raw(FamilyQuotient, "value"))
    assert "512" not in raw(FamilyQuotient, "value")
    # Empty stays empty (so "no comment" is still a query), 0 is encrypted like any number.
    assert raw(ReceptionVisit, "comment")[1] == ""
    person = Person.objects.get(pk=family.person.pk)
    assert person.notes == NOTE
    assert ReceptionVisit.objects.exclude(comment="").get().comment == COMMENT
    assert sorted(FamilyQuotient.objects.values_list("value", flat=True)) == [0, 512]
    assert services.quotient_of(household=family.household, on=datetime.date(2018, 3, 1)) == 512
    assert services.quotient_of(person=family.person, on=datetime.date(2018, 7, 1)) == 0


def test_the_fee_is_computed_from_the_encrypted_quotient(family):
    w = family
    taken = membership.take_membership(
        actor=w.alice,
        house=w.house_a,
        period=w.period,
        payment_method="cash",
        household=w.household,
        valid_from=datetime.date(2018, 3, 1),
    )
    assert taken.fee_cents == 1200  # the household grid: 301 to 700 € of quotient
    july = services.quotient_of(household=w.household, on=datetime.date(2018, 7, 1))
    later = membership.compute_fee(period=w.period, kind="household", quotient=july)
    assert later.amount_cents == 0  # a quotient of 0: the first tier


def test_the_forms_bound_the_plaintext(family):
    long_comment = "x" * 301
    form = VisitForm(
        houses=House.objects.all(),
        data={
            "house": family.house_a.pk,
            "date": "2018-03-02",
            "reason": "information",
            "comment": long_comment,
        },
    )
    assert not form.is_valid() and "comment" in form.errors
    quotient = FamilyQuotient(
        cooperation=family.coop,
        household=family.household,
        value=1_000_000,
        valid_from=datetime.date(2018, 1, 1),
        source="caf",
    )
    with pytest.raises(Exception, match="999"):
        quotient.full_clean(exclude=["cooperation", "household"])


def test_the_personal_data_export_and_the_anonymisation_read_through(family):
    w = family
    data = privacy.export_person_data(actor=w.director, person=w.person)
    assert data["personne"]["notes"] == NOTE
    values = [q["valeur_euros"] for h in data["foyers"] for q in h["quotients_familiaux"]]
    assert sorted(values) == [0, 512]
    privacy.anonymise_person(actor=w.director, person=w.person)
    person = Person.objects.get(pk=w.person.pk)
    assert person.notes == "" and raw(Person, "notes") == [""]
    assert not ReceptionVisit.objects.exclude(comment="").exists()
    assert sorted(FamilyQuotient.objects.values_list("value", flat=True)) == [0, 512]


def test_the_migration_encrypts_the_rows_written_before_and_figures_do_not_move(family):
    w = family
    quotients = list(FamilyQuotient.objects.order_by("pk"))
    visit = ReceptionVisit.objects.exclude(comment="").get()
    for quotient in quotients:
        write_raw(FamilyQuotient, quotient.pk, "value", quotient.value)
    write_raw(Person, w.person.pk, "notes", NOTE)
    write_raw(ReceptionVisit, visit.pk, "comment", COMMENT)
    assert raw(FamilyQuotient, "value") == ["512", "0"]
    # Before the migration, plaintext rows read as they are: Coopé keeps running.
    before = (
        services.quotient_of(household=w.household, on=datetime.date(2018, 3, 1)),
        membership.compute_fee(period=w.period, kind="household", quotient=512).amount_cents,
        Person.objects.get(pk=w.person.pk).notes,
    )
    with scopes_disabled():
        migration.encrypt_existing_rows(apps, connection.schema_editor())
    assert all(v.startswith(encryption.TOKEN_START) for v in raw(FamilyQuotient, "value"))
    assert raw(Person, "notes")[0].startswith(encryption.TOKEN_START)
    assert COMMENT not in raw(ReceptionVisit, "comment")
    after = (
        services.quotient_of(household=w.household, on=datetime.date(2018, 3, 1)),
        membership.compute_fee(period=w.period, kind="household", quotient=512).amount_cents,
        Person.objects.get(pk=w.person.pk).notes,
    )
    assert after == before == (512, 1200, NOTE)
    # And back: the reverse migration writes plaintext again.
    with scopes_disabled():
        migration.decrypt_existing_rows(apps, connection.schema_editor())
    assert raw(FamilyQuotient, "value") == ["512", "0"]
    assert raw(Person, "notes") == [NOTE]


def test_the_keys_rotate_and_a_lost_key_is_said(family, settings):
    old_key = settings.SALT_KEY[0]
    settings.SALT_KEY = ["une-nouvelle-cle-de-chiffrement-de-32-caracteres", old_key]
    assert Person.objects.get(pk=family.person.pk).notes == NOTE  # the former key still reads
    settings.SALT_KEY = ["une-autre-cle-sans-l-ancienne-de-32-caracteres"]
    with pytest.raises(ImproperlyConfigured, match="ENCRYPTION_KEY"):
        Person.objects.get(pk=family.person.pk)


def test_the_figures_are_the_same_as_before_encryption(family):
    """The key figures read no sensitive field in SQL: same values on plaintext and encrypted
    rows of the same data."""
    w = family
    membership.take_membership(
        actor=w.alice,
        house=w.house_a,
        period=w.period,
        payment_method="cash",
        household=w.household,
        valid_from=datetime.date(2018, 3, 1),
    )
    year = Period(datetime.date(2018, 1, 1), datetime.date(2018, 12, 31))
    encrypted = compute_figures(w.coop, year)
    for quotient in FamilyQuotient.objects.all():
        write_raw(FamilyQuotient, quotient.pk, "value", quotient.value)
    write_raw(Person, w.person.pk, "notes", NOTE)
    for visit in ReceptionVisit.objects.exclude(comment=""):
        write_raw(ReceptionVisit, visit.pk, "comment", visit.comment)
    assert raw(FamilyQuotient, "value") == ["512", "0"]
    plain = compute_figures(w.coop, year)
    assert encrypted == plain
    assert plain["membership.members"] >= 1


def test_the_audit_log_keeps_no_plaintext_and_the_journal_shows_it_to_the_director(
    family, client_as
):
    w = family
    services.update_person(actor=w.alice, person=w.person, notes="Relogée en juin")
    with connection.cursor() as cursor:
        cursor.execute("SELECT changes FROM core_auditentry")
        logged = " ".join(str(row[0]) for row in cursor.fetchall())
    for secret in (NOTE, COMMENT, "Relogée en juin", '"value": 512', '"value": "512"'):
        assert secret not in logged, secret
    page = client_as(w.director).get(f"/rgpd/personnes/{w.person.pk}/journal/")
    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    assert NOTE in text and "Relogée en juin" in text
    assert encryption.TOKEN_START not in text
