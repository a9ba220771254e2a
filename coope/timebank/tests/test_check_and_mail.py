"""`coope check` reports a corrupted ledger; reversals are told by e-mail through a real SMTP server;
the membership fee paid in hours."""

import datetime
import email
import email.policy
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection

from coope.membership.models import Membership, PaymentMethod
from coope.membership.services import take_membership
from coope.people.models import Person
from coope.timebank import services
from coope.timebank.models import Account, Transfer


def run_check():
    out = StringIO()
    try:
        call_command("check", stdout=out)
    except CommandError as error:
        return False, out.getvalue() + str(error)
    return True, out.getvalue()


def test_check_passes_on_a_sound_ledger(tb):
    services.transfer_time(actor=None, payer=tb.ana, payee=tb.ben, minutes=30, idempotency_key="a")
    ok, report = run_check()
    assert ok, report
    assert "TIC-TAC : chaque virement s'équilibre" in report


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="corrupts the ledger with raw SQL (PostgreSQL refuses it)"
)
def test_check_fails_with_a_readable_report_on_a_corrupted_ledger(tb):
    transfer = services.transfer_time(
        actor=None, payer=tb.ana, payee=tb.ben, minutes=30, idempotency_key="a"
    )
    other = services.transfer_time(
        actor=None, payer=tb.ben, payee=tb.cleo, minutes=45, idempotency_key="b"
    )
    reversal = services.reverse_transfer(actor=None, transfer=other, reason="Erreur")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE timebank_entry SET amount_minutes = 40 WHERE transfer_id = %s AND amount_minutes = 30",
            [transfer.pk],
        )
        cursor.execute(
            "UPDATE timebank_account SET balance_minutes = balance_minutes + 7 WHERE id = %s",
            [tb.cleo.pk],
        )
        # A reversal whose entries repeat the original instead of negating it.
        cursor.execute(
            "UPDATE timebank_entry SET amount_minutes = -amount_minutes WHERE transfer_id = %s",
            [reversal.pk],
        )
        cursor.execute("PRAGMA foreign_keys = OFF")
        cursor.execute(
            "INSERT INTO timebank_entry (cooperation_id, transfer_id, account_id, amount_minutes) "
            "VALUES (%s, 999999, %s, 5)",
            [tb.ana.cooperation_id, tb.ana.pk],
        )
    ok, report = run_check()
    with (
        connection.cursor() as cursor
    ):  # remove the orphan, or the test database's closing check fails
        cursor.execute("DELETE FROM timebank_entry WHERE transfer_id = 999999")
    assert not ok
    assert (
        f"Virement n°{transfer.pk} (romans) : ses écritures font 10 minutes au lieu de 0." in report
    )
    # Ben: 900 + 30 - 45 + 45 cached; 900 + 40 - 45 - 45 in the corrupted entries.
    assert (
        f"Compte n°{tb.ben.pk} (Ben Test) : solde enregistré 930 minutes, somme des écritures 850 minutes."
        in report
    )
    assert (
        f"Compte n°{tb.cleo.pk} (Cléo Test) : solde enregistré 907 minutes, somme des écritures 990 minutes."
        in report
    )
    assert "Coopération romans : les soldes font 7 minutes au lieu de 0." in report
    assert "son virement n°999999 n'existe pas" in report
    assert (
        f"Virement n°{other.pk} et son annulation : sur le compte n°{tb.ben.pk} il reste -90 minutes au lieu "
        "de 0."
    ) in report
    assert "problème(s) trouvé(s)" in report


def test_check_reports_an_account_past_its_limit(tb):
    Account.objects.filter(pk=tb.ana.pk).update(
        max_balance_minutes=100
    )  # bypasses the service on purpose
    ok, report = run_check()
    assert not ok and "au-dessus de sa limite haute 1 h 40" in report


@pytest.mark.django_db(transaction=True)
def test_both_parties_get_an_email_when_a_transfer_is_reversed(tb, smtp_server, world):
    tb.cleo_person.email = ""
    tb.cleo_person.save()
    transfer = services.transfer_time(
        actor=None, payer=tb.ana, payee=tb.ben, minutes=30, idempotency_key="m"
    )
    services.reverse_transfer(
        actor=world.director, transfer=transfer, reason="Échange saisi deux fois"
    )
    recipients = sorted(r for m in smtp_server.envelopes for r in m.rcpt_tos)
    assert recipients == ["ana@example.org", "ben@example.org"]
    message = email.message_from_bytes(
        smtp_server.envelopes[0].content, policy=email.policy.default
    )
    assert message["Subject"] == "TIC-TAC : un virement a été annulé"
    assert "a été annulé : Échange saisi deux fois" in message.get_content()
    other = services.transfer_time(
        actor=None, payer=tb.ana, payee=tb.cleo, minutes=30, idempotency_key="n"
    )
    services.reverse_transfer(actor=world.director, transfer=other, reason="Erreur")
    assert len(smtp_server.envelopes) == 3  # Cléo has no address: only Ana is written to


def test_the_membership_fee_paid_in_hours(tb, world):
    person = Person.objects.create(cooperation=world.coop, first_name="Dora", last_name="Test")
    services.open_account(actor=None, person=person, registered_with=world.assoc_b)
    membership = take_membership(
        actor=world.alice,
        house=world.house_a,
        period=world.period,
        person=person,
        payment_method=PaymentMethod.TIME,
        fee_cents=500,
        valid_from=datetime.date(2018, 3, 1),
    )
    transfer = Transfer.objects.get(kind="membership_fee")
    assert transfer.item == membership and transfer.amount_minutes == 120
    assert Account.objects.get(person=person).balance_minutes == 900 - 120
    assert Account.objects.get(kind="association", association=world.assoc_a).balance_minutes == 120

    poor = Person.objects.create(cooperation=world.coop, first_name="Eli", last_name="Test")
    with pytest.raises(ValidationError, match="pas de compte TIC-TAC"):
        take_membership(
            actor=world.alice,
            house=world.house_a,
            period=world.period,
            person=poor,
            payment_method=PaymentMethod.TIME,
            fee_cents=500,
            valid_from=datetime.date(2018, 3, 1),
        )
    assert not Membership.objects.filter(person=poor).exists()
