"""Anonymising a time-bank member erases their name from the audit log and from the notices
that other members received, and keeps the ledger whole."""

import pytest

from coope.core.models import AuditEntry
from coope.people.privacy import anonymise_person
from coope.people.services import create_person
from coope.timebank.invariants import cached_balances_match_entries
from coope.timebank.models import Notice
from coope.timebank.services import open_account, reverse_transfer, transfer_time

pytestmark = pytest.mark.django_db


def test_anonymising_a_member_erases_their_name_everywhere_it_was_written(in_scope):
    w = in_scope
    zelie = create_person(
        actor=w.alice, cooperation=w.coop, first_name="Zélie", last_name="Quintal"
    )
    bruno = create_person(actor=w.alice, cooperation=w.coop, first_name="Bruno", last_name="Autre")
    accounts = [
        open_account(actor=w.director, person=p, registered_with=w.assoc_a) for p in (zelie, bruno)
    ]
    transfer = transfer_time(
        actor=w.director, payer=accounts[0], payee=accounts[1], minutes=60, idempotency_key="t-1"
    )
    # The reason is free text, typed by a coordinator: it may well name someone.
    reverse_transfer(
        actor=w.director, transfer=transfer, reason="Zélie Quintal a été débitée deux fois"
    )

    def mentions():
        return (
            AuditEntry.objects.filter(object_repr__icontains="Quintal").count()
            + AuditEntry.objects.filter(changes__icontains="Quintal").count()
            + Notice.objects.filter(message__icontains="Quintal").count()
        )

    assert mentions() >= 3  # the account's audit entry, the reversal's reason, Bruno's notice
    anonymise_person(actor=w.director, person=zelie)
    assert mentions() == 0
    assert Notice.objects.filter(
        person=bruno, message__icontains=f"Anonyme #{zelie.pk} a été débitée"
    ).exists()
    assert list(cached_balances_match_entries()) == []


def test_a_payment_never_writes_a_name_into_the_append_only_ledger(in_scope):
    """The ledger's texts cannot be rewritten at anonymisation: they must not name anyone."""
    from coope.timebank.services import hold_time, pay_in_time

    w = in_scope
    zelie = create_person(
        actor=w.alice, cooperation=w.coop, first_name="Zélie", last_name="Quintal"
    )
    open_account(actor=w.director, person=zelie, registered_with=w.assoc_a)
    # A thing whose own label names its holder (as a loan or a membership may).
    paid = pay_in_time(
        actor=w.director,
        payer=zelie,
        payee_kind="bikes",
        association=w.assoc_a,
        minutes=30,
        item=zelie,
        idempotency_key="p-1",
    )
    hold = hold_time(
        actor=w.director,
        payer=zelie,
        payee_kind="carpool",
        association=w.assoc_a,
        minutes=20,
        item=zelie,
        idempotency_key="h-1",
    )
    assert paid.memo == f"personne n°{zelie.pk}" and hold.memo == f"personne n°{zelie.pk}"


def test_the_notice_of_an_exchange_to_confirm_forgets_the_anonymised_provider(in_scope):
    import datetime

    from coope.timebank.models import Category
    from coope.timebank.services import record_exchange

    w = in_scope
    zelie = create_person(
        actor=w.alice, cooperation=w.coop, first_name="Zélie", last_name="Quintal"
    )
    bruno = create_person(actor=w.alice, cooperation=w.coop, first_name="Bruno", last_name="Autre")
    for person in (zelie, bruno):
        open_account(actor=w.director, person=person, registered_with=w.assoc_a)
    record_exchange(
        actor=None,
        provider=zelie,
        receiver=bruno,
        minutes=60,
        category=Category.objects.create(cooperation=w.coop, name="Couture"),
        description="Ourlet",
        performed_on=datetime.date(2018, 3, 1),
        idempotency_key="x-1",
    )
    assert Notice.objects.filter(person=bruno, message__startswith="Zélie Quintal demande").exists()
    anonymise_person(actor=w.director, person=zelie)
    assert not Notice.objects.filter(message__icontains="Quintal").exists()
    assert Notice.objects.filter(
        person=bruno, message__startswith=f"Anonyme #{zelie.pk} demande"
    ).exists()
