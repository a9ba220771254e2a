"""A storm on the TIC-TAC ledger: processes, each with its own PostgreSQL connection, doing
transfers (and their double clicks), holds, takes, releases, reversals, paper cheques, exchange
confirmations and cannery sales paid in time, all at once, on a few accounts.

Used by test_storm.py (in the suite, PostgreSQL only) and by bench/timebank.py --storm. Each
process counts its outcomes: done, refused (a ValidationError: a limit, a hold already taken...),
busy (the French message given when retries ran out), and the failures a person would see as a
500: deadlocks, serialization failures, any other exception. Deadlocks that a retry hid
(`coope.lib.atomic.STATS`) are counted too, so « zero deadlocks » means none happened at all.
"""

import datetime
import multiprocessing
import os
import random
import signal
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import OperationalError, connections
from django_scopes import scope

from coope.core.models import User
from coope.people.models import Person
from coope.timebank import services
from coope.timebank.models import (
    Account,
    Category,
    Exchange,
    ExchangeStatus,
    Hold,
    HoldStatus,
    Transfer,
)

MEMBERS = 8
OPERATIONS = {  # weights
    "transfer": 22,
    "double_click": 6,
    "hold": 14,
    "take": 9,
    "release": 7,
    "reversal": 8,
    "cheque": 14,
    "exchange": 6,
    "confirm": 6,
    "sale": 8,
}
FAILURES = ("deadlock", "serialization_failure", "error")


@dataclass
class Plan:
    """What the processes need, as primary keys (a forked process reads its own rows)."""

    cooperation: int
    association: int
    actor: int
    members: list[int]
    category: int
    lot: int = 0
    location: int = 0
    same_pair: float = 0.5  # how often two accounts are the first two
    operations: dict[str, int] = field(default_factory=lambda: dict(OPERATIONS))


def prepare(world, *, members: int = MEMBERS, cannery: bool = True) -> Plan:
    """Accounts (registered with the association: no membership needed), a category, the shop's
    account and, with `cannery`, a released lot of 2,000 jars in the van. Call inside the scope
    of `world.coop`."""
    association = world.assoc_a
    accounts = []
    for i in range(members):
        person = Person.objects.create(
            cooperation=world.coop, first_name=f"Orage{i}", last_name="Tempête"
        )
        accounts.append(
            services.open_account(
                actor=world.director, person=person, registered_with=association
            ).pk
        )
    category = Category.objects.create(cooperation=world.coop, name="Tempête")
    services.system_account(association, "shop")
    plan = Plan(
        cooperation=world.coop.pk,
        association=association.pk,
        actor=world.coordinator.pk,
        members=accounts,
        category=category.pk,
    )
    if cannery:
        from coope.cannery.tests.conftest import Kit

        kit = Kit(world)
        batch = kit.batch(
            kit.session(), [(kit.collection(kit.producer()), 4_000)], jars={370: 2000}
        )
        plan.lot, plan.location = batch.lots.get().pk, kit.van.pk
    return plan


@dataclass
class Worker:
    index: int
    plan: Plan
    rng: random.Random
    actor: User | None = None
    keys: int = 0
    last_transfer: dict | None = None
    counts: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def key(self, prefix: str) -> str:
        self.keys += 1
        return f"storm-{prefix}-{self.index}-{self.keys}-{os.getpid()}"

    def two_accounts(self) -> tuple[Account, Account]:
        # Half the time the same two accounts: the « 320 cheques between two accounts » case.
        pair = (
            self.plan.members[:2]
            if self.rng.random() < self.plan.same_pair
            else self.rng.sample(self.plan.members, 2)
        )
        if self.rng.random() < 0.5:
            pair = pair[::-1]
        first, second = (Account.objects.get(pk=pk) for pk in pair)
        return first, second

    def one_account(self) -> Account:
        return Account.objects.get(pk=self.rng.choice(self.plan.members))

    # -- the operations -----------------------------------------------------------------------

    def transfer(self) -> None:
        payer, payee = self.two_accounts()
        self.last_transfer = {
            "payer": payer,
            "payee": payee,
            "minutes": self.rng.randint(5, 90),
            "idempotency_key": self.key("t"),
        }
        services.transfer_time(actor=self.actor, **self.last_transfer)

    def double_click(self) -> None:
        if self.last_transfer is None:
            return self.transfer()
        services.transfer_time(actor=self.actor, **self.last_transfer)

    def hold(self) -> None:
        account = self.one_account()
        services.hold_time(
            actor=self.actor,
            payer=account,
            payee_kind="shop",
            association=self.association(),
            minutes=self.rng.randint(10, 60),
            item=account.person,
            idempotency_key=self.key("h"),
        )

    def _some_hold(self) -> Hold | None:
        held = list(Hold.objects.filter(status=HoldStatus.HELD).order_by("-pk")[:12])
        return self.rng.choice(held) if held else None

    def take(self) -> None:
        hold = self._some_hold()
        if hold is not None:
            services.take_hold(actor=self.actor, hold=hold)

    def release(self) -> None:
        hold = self._some_hold()
        if hold is not None:
            services.release_hold(actor=self.actor, hold=hold)

    def reversal(self) -> None:
        recent = list(
            Transfer.objects.filter(kind="transfer", reversed_by__isnull=True).order_by("-pk")[:12]
        )
        if recent:
            transfer = self.rng.choice(recent)
            services.reverse_transfer(
                actor=self.actor,
                transfer=transfer,
                reason="Tempête",
                idempotency_key=f"reversal:{transfer.pk}",
            )

    def _exchange_values(self) -> dict:
        provider, receiver = self.two_accounts()
        return {
            "provider": provider,
            "receiver": receiver,
            "minutes": self.rng.randint(15, 120),
            "category": Category.objects.get(pk=self.plan.category),
            "description": "Coup de main",
            "performed_on": datetime.date.today(),  # noqa: DTZ011 (any day will do)
        }

    def cheque(self) -> None:
        services.enter_paper_cheque(
            actor=self.actor, cheque_number=self.key("c"), **self._exchange_values()
        )

    def exchange(self) -> None:
        services.record_exchange(
            actor=self.actor, idempotency_key=self.key("e"), notify=False, **self._exchange_values()
        )

    def confirm(self) -> None:
        pending = list(Exchange.objects.filter(status=ExchangeStatus.PENDING).order_by("-pk")[:12])
        if pending:
            exchange = self.rng.choice(pending)
            if self.rng.random() < 0.8:
                services.confirm_exchange(actor=self.actor, exchange=exchange)
            else:
                services.refuse_exchange(actor=self.actor, exchange=exchange)

    def sale(self) -> None:
        if not self.plan.lot:
            return self.transfer()
        from coope.cannery.models import Location, Lot
        from coope.cannery.services import sell_jars_for_time

        account = self.one_account()
        sell_jars_for_time(
            actor=self.actor,
            lot=Lot.objects.get(pk=self.plan.lot),
            jars=1,
            location=Location.objects.get(pk=self.plan.location),
            payer=account.person,
            minutes=30,
            association=self.association(),
            idempotency_key=self.key("s"),
        )

    def association(self):
        from coope.core.models import Association

        return Association.objects.get(pk=self.plan.association)

    # -- the loop -----------------------------------------------------------------------------

    def run(self, deadline: float) -> None:
        self.actor = User.objects.get(pk=self.plan.actor)
        names, weights = zip(*self.plan.operations.items(), strict=True)
        while time.time() < deadline:
            name = self.rng.choices(names, weights)[0]
            self.counts["operations"] += 1
            try:
                getattr(self, name)()
            except ValidationError as error:
                busy = getattr(error, "code", None) == "busy"
                self.counts["busy" if busy else "refused"] += 1
            except OperationalError as error:
                self.counts[_contention(error) or "error"] += 1
                self.errors.append(f"{name}: {error!r}"[:300])
            except Exception as error:  # noqa: BLE001 - a 500 for the person: counted, reported
                self.counts["error"] += 1
                self.errors.append(f"{name}: {error!r} {traceback.format_exc(limit=3)}"[:600])
            else:
                self.counts[f"done:{name}"] += 1
                self.counts["done"] += 1


def _contention(error: BaseException) -> str | None:
    try:
        from coope.lib.atomic import contention
    except ImportError:  # the code before coope.lib.atomic (bench of the old code)
        code = getattr(error.__cause__, "sqlstate", None)
        return {"40P01": "deadlock", "40001": "serialization_failure"}.get(code or "")
    return contention(error)


def _retried() -> Counter:
    try:
        from coope.lib.atomic import STATS
    except ImportError:
        return Counter()
    return Counter({f"retried_{k}": v for k, v in STATS.items()})


def _child(index: int, plan: Plan, deadline: float, seed: int, pipe) -> None:
    worker = Worker(index=index, plan=plan, rng=random.Random(seed * 1000 + index))  # noqa: S311
    try:
        with scope(cooperation=plan.cooperation):
            worker.run(deadline)
    except BaseException as error:  # noqa: BLE001 - reported to the parent
        worker.counts["error"] += 1
        worker.errors.append(f"worker: {error!r}")
    finally:
        connections.close_all()
    pipe.send((dict(worker.counts + _retried()), worker.errors[:20]))
    pipe.close()


@dataclass
class Outcome:
    seconds: float
    processes: int
    killed: int
    counts: Counter
    errors: list[str]

    @property
    def deadlocks(self) -> int:
        return self.counts["deadlock"] + self.counts["retried_deadlock"]

    @property
    def failures(self) -> int:
        """What a person would have seen as a 500."""
        return sum(self.counts[k] for k in FAILURES)

    def summary(self) -> str:
        c = self.counts
        return (
            f"{self.processes} processus ({self.killed} tués), {self.seconds:.1f} s : "
            f"{c['operations']} opérations ({c['operations'] / self.seconds:.0f}/s), "
            f"{c['done']} faites ({c['done'] / self.seconds:.0f}/s), {c['refused']} refusées, "
            f"{c['busy']} « réessayez », {self.deadlocks} interblocages "
            f"({c['retried_deadlock']} rattrapés), {c['serialization_failure']} échecs de "
            f"sérialisation, {c['error']} autres erreurs, {c['retried_retries']} reprises"
        )


def run_storm(
    plan: Plan, *, processes: int = 16, seconds: float = 20, kill: int = 0, seed: int = 1
) -> Outcome:
    """Fork `processes` workers for `seconds`; with `kill`, SIGKILL that many of them at random
    moments in the middle of the storm. The outcomes of the survivors."""
    connections.close_all()  # each child opens its own connection
    context = multiprocessing.get_context("fork")
    start = time.time()
    deadline = start + seconds
    children = []
    for index in range(processes):
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_child, args=(index, plan, deadline, seed, sender))
        process.start()
        sender.close()
        children.append((process, receiver))
    killed = set()
    if kill:
        rng = random.Random(seed)  # noqa: S311
        moments = sorted(rng.uniform(seconds * 0.2, seconds * 0.8) for _ in range(kill))
        victims = rng.sample(range(processes), kill)
        for moment, victim in zip(moments, victims, strict=True):
            time.sleep(max(0.0, start + moment - time.time()))
            pid = children[victim][0].pid
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            killed.add(victim)
    counts: Counter = Counter()
    errors: list[str] = []
    for index, (process, receiver) in enumerate(children):
        if index not in killed:
            if receiver.poll(seconds + 120):
                child_counts, child_errors = receiver.recv()
                counts.update(child_counts)
                errors.extend(child_errors)
            else:
                counts["error"] += 1
                errors.append(f"process {index}: no answer")
        process.join(timeout=30)
    return Outcome(time.time() - start, processes, len(killed), counts, errors)
