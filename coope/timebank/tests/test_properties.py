"""Random sequences of transfers, reversals and holds: the ledger invariants hold after every step."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django_scopes import scope, scopes_disabled
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from coope.core.models import Association, Cooperation
from coope.lib.invariants import invariants
from coope.people.models import Person
from coope.timebank import services
from coope.timebank.models import Account, Hold, Transfer

ACCOUNTS = 4


class Ledger(RuleBasedStateMachine):
    """Drives the services; keeps an independent model of the balances to compare with."""

    @initialize()
    def setup(self):
        # Each example runs in its own savepoint, rolled back at teardown: examples never see each other.
        self.savepoint = transaction.atomic()
        self.savepoint.__enter__()
        self.scope = scope(cooperation=COOPERATION["pk"])
        self.scope.__enter__()
        cooperation = Cooperation.objects.get(pk=COOPERATION["pk"])
        self.association = Association.objects.filter(cooperation=cooperation).first()
        self.accounts = []
        for i in range(ACCOUNTS):
            person = Person.objects.create(
                cooperation=cooperation, first_name=f"P{i}", last_name="Hyp"
            )
            self.accounts.append(
                services.open_account(actor=None, person=person, registered_with=self.association)
            )
        self.expected = {a.pk: 900 for a in self.accounts}
        self.holds: list[Hold] = []
        self.transfers: list[Transfer] = []
        self.keys = 0

    def teardown(self):
        if hasattr(self, "savepoint"):
            self.scope.__exit__(None, None, None)
            transaction.set_rollback(True)
            self.savepoint.__exit__(None, None, None)

    def key(self):
        self.keys += 1
        return f"k{self.keys}"

    @rule(
        payer=st.integers(0, ACCOUNTS - 1),
        payee=st.integers(0, ACCOUNTS - 1),
        minutes=st.integers(-30, 3000),
        replay=st.booleans(),
    )
    def transfer(self, payer, payee, minutes, replay):
        key = self.key()
        try:
            transfer = services.transfer_time(
                actor=None,
                payer=self.accounts[payer],
                payee=self.accounts[payee],
                minutes=minutes,
                idempotency_key=key,
            )
        except ValidationError:
            return
        self.expected[self.accounts[payer].pk] -= minutes
        self.expected[self.accounts[payee].pk] += minutes
        self.transfers.append(transfer)
        if replay:
            assert (
                services.transfer_time(
                    actor=None,
                    payer=self.accounts[payer],
                    payee=self.accounts[payee],
                    minutes=minutes,
                    idempotency_key=key,
                ).pk
                == transfer.pk
            )

    @rule(index=st.integers(0, 50))
    def reverse(self, index):
        if not self.transfers:
            return
        transfer = self.transfers[index % len(self.transfers)]
        try:
            reversal = services.reverse_transfer(actor=None, transfer=transfer, reason="test")
        except ValidationError:
            return
        for entry in reversal.entries.all():
            if entry.account_id in self.expected:  # the members' accounts (not the bikes')
                self.expected[entry.account_id] += entry.amount_minutes
        self.transfers.append(reversal)  # reversing it again must be refused

    @rule(payer=st.integers(0, ACCOUNTS - 1), minutes=st.integers(1, 2500))
    def hold(self, payer, minutes):
        try:
            self.holds.append(
                services.hold_time(
                    actor=None,
                    payer=self.accounts[payer],
                    payee_kind="bikes",
                    association=self.association,
                    minutes=minutes,
                    item=self.accounts[payer],
                    idempotency_key=self.key(),
                )
            )
        except ValidationError:
            pass

    @rule(index=st.integers(0, 50), take=st.booleans())
    def settle_hold(self, index, take):
        if not self.holds:
            return
        hold = self.holds.pop(index % len(self.holds))
        if take:
            transfer = services.take_hold(actor=None, hold=hold)
            self.expected[hold.account_id] -= hold.minutes
            self.transfers.append(transfer)
        else:
            services.release_hold(actor=None, hold=hold)

    @invariant()
    def ledger_is_sound(self):
        if not hasattr(self, "accounts"):
            return
        with scopes_disabled():
            assert [p for inv in invariants() for p in inv.check()] == []
        balances = dict(
            Account.objects.filter(pk__in=self.expected).values_list("pk", "balance_minutes")
        )
        assert balances == self.expected


COOPERATION: dict[str, int] = {}


@pytest.mark.django_db
def test_random_sequences_keep_the_invariants(world, time_machine):
    time_machine.move_to(datetime.datetime(2018, 3, 1, 10, tzinfo=datetime.UTC), tick=False)
    COOPERATION["pk"] = world.coop.pk
    Ledger.TestCase.settings = settings(
        max_examples=20,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    Ledger.TestCase().runTest()
