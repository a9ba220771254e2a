"""The demo's year of TIC-TAC (2018): accounts, exchanges, payments, tasks and a few reversals.

A bulk path, like the rest of the demo builder: the year is first played in memory with the
ledger's rules (start credit from issuance, limits checked before every movement, each
reversal the exact negation of its transfer), then written with bulk inserts. The cached
balances are the sums of the entries, so `coope check` passes. It uses its own random source
so that the other parts of the demo (and their 2018 figures) do not change.
"""

import datetime
import random

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from coope.core.demo import data
from coope.core.models import User
from coope.membership.models import Membership, PaymentMethod
from coope.timebank.models import (
    DEFAULT_LIMITS,
    Account,
    AccountKind,
    Category,
    Entry,
    Exchange,
    ExchangeStatus,
    Listing,
    ListingKind,
    Notice,
    TimebankRules,
    Transfer,
    TransferKind,
)
from coope.timebank.services import _content_hash

ACCOUNTS = 300
EXCHANGES = 1400
PAYMENTS = {
    "shop": (260, "Pots de la conserverie", [30, 45, 60]),
    "bikes": (90, "Prêt de vélo", [60, 120, 180]),
    "carpool": (70, "Covoiturage Evadobus", [30, 60]),
}
TASKS = 120
FEES_IN_TIME = 15
REVERSALS = [
    "Saisi deux fois",
    "Erreur de durée sur le chèque",
    "Service finalement non rendu",
    "Mauvaise personne choisie",
    "Échange contesté, accord des deux parties",
    "Erreur de saisie",
]
CATEGORIES = [
    "Jardinage",
    "Bricolage",
    "Informatique",
    "Couture",
    "Cuisine",
    "Accompagnement",
    "Cours et savoirs",
    "Garde d'enfants",
    "Déplacements",
]
SERVICES = {
    "Jardinage": "Taille de haie",
    "Bricolage": "Montage d'étagère",
    "Informatique": "Aide ordinateur",
    "Couture": "Ourlet",
    "Cuisine": "Repas partagé",
    "Accompagnement": "Accompagnement aux courses",
    "Cours et savoirs": "Conversation en anglais",
    "Garde d'enfants": "Garde après l'école",
    "Déplacements": "Trajet en voiture",
}
START = datetime.datetime(2018, 1, 8, 9, tzinfo=datetime.UTC)


class _Book:
    """The ledger played in memory: balances by account index, transfers in time order."""

    def __init__(self, limits):
        self.balances: dict[int, int] = {}
        self.limits = limits  # index -> (low, high)
        self.transfers: list[dict] = []

    def can(self, legs) -> bool:
        for index, minutes in legs:
            low, high = self.limits[index]
            after = self.balances.get(index, 0) + minutes
            if (minutes < 0 and low is not None and after < low) or (
                minutes > 0 and high is not None and after > high
            ):
                return False
        return True

    def post(self, legs, **fields) -> dict | None:
        if not self.can(legs):
            return None
        for index, minutes in legs:
            self.balances[index] = self.balances.get(index, 0) + minutes
        transfer = {"legs": legs, **fields}
        self.transfers.append(transfer)
        return transfer


def build(builder) -> None:
    """`coope demo` (the timebank's declaration): the full demo year only."""
    if builder.full:
        build_timebank_demo(builder, members=builder.members)


def build_timebank_demo(builder, *, members) -> None:
    """Accounts, exchanges, payments and a few reversals for the demo cooperation.

    `builder` is the DemoBuilder (cooperation, associations, houses, periods, random);
    `members` are the persons with a 2018 membership."""
    r = random.Random(1815)
    cooperation = builder.cooperation
    TimebankRules.objects.create(cooperation=cooperation)
    accorderie = next(
        (a for a in builder.associations if "Accorderie" in a.name), builder.associations[-1]
    )
    first = builder.associations[0]
    categories = Category.objects.bulk_create(
        Category(cooperation=cooperation, name=n) for n in CATEGORIES
    )

    adults = [p for p in members if p.birth_date and p.birth_date.year <= 2000]
    people = r.sample(adults, min(ACCOUNTS, len(adults)))
    system = [
        (first, AccountKind.ISSUANCE),
        (first, AccountKind.CHEST),
        (accorderie, AccountKind.ASSOCIATION),
        (first, "shop"),
        (first, "bikes"),
        (first, "carpool"),
    ]
    accounts = [
        Account(cooperation=cooperation, kind=kind, association=association, opened_at=START)
        for association, kind in system
    ]
    index_of = {kind: i for i, (_a, kind) in enumerate(system)}
    opened = {}
    for person in people:
        day = START + datetime.timedelta(
            days=r.choice([0, 0, 0, 10, 30, 60, 90, 150, 200, 250]), hours=r.randint(0, 8)
        )
        opened[len(accounts)] = day
        accounts.append(
            Account(
                cooperation=cooperation,
                kind=AccountKind.MEMBER,
                person=person,
                association=accorderie if r.random() < 0.3 else None,
                opened_at=day,
            )
        )
    book = _Book({i: DEFAULT_LIMITS[a.kind] for i, a in enumerate(accounts)})
    members_ix = list(opened)

    # Every movement of the year, in time order: start credits, exchanges, payments, tasks.
    events: list[tuple[datetime.datetime, str, int | None]] = [
        (day, "start", i) for i, day in opened.items()
    ]
    for _n in range(EXCHANGES):
        events.append(
            (
                START + datetime.timedelta(days=r.randint(0, 355), hours=r.randint(0, 9)),
                "exchange",
                None,
            )
        )
    for kind, (count, _memo, _choices) in PAYMENTS.items():
        events += [
            (START + datetime.timedelta(days=r.randint(20, 355), hours=r.randint(0, 9)), kind, None)
            for _n in range(count)
        ]
    events += [
        (START + datetime.timedelta(days=r.randint(20, 355), hours=3), "task", None)
        for _n in range(TASKS)
    ]
    events.sort(key=lambda e: (e[0], e[1]))
    for day, what, index in events:
        if what == "start":
            book.post(
                [(index_of[AccountKind.ISSUANCE], -900), (index, 900)],
                kind=TransferKind.START_CREDIT,
                at=day,
                memo="Crédit de départ",
            )
            continue
        open_now = [i for i in members_ix if opened[i] <= day]
        if len(open_now) < 2:
            continue
        if what == "exchange":
            provider, receiver = r.sample(open_now, 2)
            category = r.choice(categories)
            minutes = r.choice([30, 60, 60, 90, 120, 180])
            book.post(
                [(receiver, -minutes), (provider, minutes)],
                kind=TransferKind.EXCHANGE,
                at=day,
                memo=SERVICES[category.name],
                category=category,
                provider=provider,
                receiver=receiver,
                cheque=f"P-{len(book.transfers)}" if r.random() < 0.2 else "",
            )
        elif what == "task":
            member, minutes = r.choice(open_now), r.choice([60, 120, 180])
            book.post(
                [(index_of[AccountKind.ASSOCIATION], -minutes), (member, minutes)],
                kind=TransferKind.TASK,
                at=day,
                memo=r.choice(
                    ["Permanence à l'Accorderie", "Aide à la distribution", "Tenue de stand"]
                ),
            )
        else:
            _count, memo, choices = PAYMENTS[what]
            minutes = r.choice(choices)
            book.post(
                [(r.choice(open_now), -minutes), (index_of[what], minutes)],
                kind=TransferKind.PAYMENT,
                at=day,
                memo=memo,
            )
    # Membership fees paid in hours by a few members with a paid 2018 membership.
    fee_members = {
        m.person_id: m
        for m in Membership.objects.filter(
            cooperation=cooperation,
            period=builder.periods[2018],
            person_id__in=[p.pk for p in people],
            fee_cents__gt=0,
        ).order_by("pk")[:FEES_IN_TIME]
    }
    for i in members_ix:
        membership = fee_members.get(accounts[i].person_id)
        if membership is not None:
            day = max(
                opened[i],
                datetime.datetime.combine(membership.valid_from, datetime.time(10), datetime.UTC),
            )
            if book.post(
                [(i, -120), (index_of[AccountKind.ASSOCIATION], 120)],
                kind=TransferKind.MEMBERSHIP_FEE,
                at=day,
                memo=f"Adhésion {membership.card_number}",
                membership=membership,
            ):
                membership.payment_method = PaymentMethod.TIME
    Membership.objects.bulk_update(
        [m for m in fee_members.values() if m.payment_method == PaymentMethod.TIME],
        ["payment_method"],
    )

    # A few reversals, a few days after their exchange (the whole year stays within the limits).
    exchanges = [t for t in book.transfers if t["kind"] == TransferKind.EXCHANGE]
    for reason, original in zip(REVERSALS, r.sample(exchanges, len(REVERSALS)), strict=True):
        legs = [(index, -minutes) for index, minutes in original["legs"]]
        book.post(
            legs,
            kind=TransferKind.REVERSAL,
            at=original["at"] + datetime.timedelta(days=3),
            memo="Annulation d'un échange",
            reverses=original,
            reason=reason,
        )

    _write(cooperation, accounts, book)
    _demo_login(cooperation, accounts, book, categories, r)


def _write(cooperation, accounts, book) -> None:
    for index, account in enumerate(accounts):
        account.balance_minutes = book.balances.get(index, 0)
    Account.objects.bulk_create(accounts)
    exchange_type = ContentType.objects.get_for_model(Exchange)
    exchanges: list[Exchange] = []
    for t in book.transfers:
        if t["kind"] == TransferKind.EXCHANGE:
            t["exchange"] = Exchange(
                cooperation=cooperation,
                provider=accounts[t["provider"]],
                receiver=accounts[t["receiver"]],
                category=t["category"],
                description=t["memo"],
                minutes=t["legs"][1][1],
                performed_on=t["at"].date(),
                status=ExchangeStatus.CONFIRMED,
                paper_cheque=t["cheque"],
                idempotency_key=f"demo-exchange:{len(exchanges)}",
                created_at=t["at"],
                decided_at=t["at"],
            )
            exchanges.append(t["exchange"])
    Exchange.objects.bulk_create(exchanges)
    for batch in (False, True):  # originals first: a reversal points to its original's key
        rows = [t for t in book.transfers if (t["kind"] == TransferKind.REVERSAL) == batch]
        transfers = []
        for n, t in enumerate(rows):
            legs = [(accounts[i], m) for i, m in t["legs"]]
            item = t.get("exchange") or t.get("membership")
            reverses = t.get("reverses", {}).get("row")
            t["row"] = Transfer(
                cooperation=cooperation,
                kind=t["kind"],
                amount_minutes=sum(m for _a, m in legs if m > 0),
                idempotency_key=f"demo:{int(batch)}:{n}",
                memo=t["memo"],
                category=t.get("category"),
                item_type=exchange_type
                if t.get("exchange")
                else (ContentType.objects.get_for_model(item) if item is not None else None),
                item_id=item.pk if item is not None else None,
                reverses=reverses,
                reason=t.get("reason", ""),
                created_at=t["at"],
                content_hash=_content_hash(
                    kind=t["kind"],
                    legs=legs,
                    memo=t["memo"],
                    item=item,
                    category=t.get("category"),
                    reverses=reverses,
                ),
            )
            transfers.append(t["row"])
        Transfer.objects.bulk_create(transfers)
        Entry.objects.bulk_create(
            Entry(cooperation=cooperation, transfer=t["row"], account=accounts[i], amount_minutes=m)
            for t in rows
            for i, m in t["legs"]
        )
    by_exchange = {id(t["exchange"]): t["row"] for t in book.transfers if "exchange" in t}
    for exchange in exchanges:
        exchange.transfer = by_exchange[id(exchange)]
    Exchange.objects.bulk_update(exchanges, ["transfer"])


def _demo_login(cooperation, accounts, book, categories, r) -> None:
    """`habitante` (password coope-demo): an inhabitant who sees her own TIC-TAC page, with an
    exchange to confirm, a notice of a reversal, and offers and requests of other members."""
    reversed_rows = [t for t in book.transfers if t["kind"] == TransferKind.REVERSAL]
    member_accounts = [a for a in accounts if a.kind == AccountKind.MEMBER]
    her = next(
        (
            a
            for a in member_accounts
            for t in reversed_rows
            if a in (accounts[i] for i, _m in t["legs"])
        ),
        member_accounts[0],
    )
    User.objects.create_user(
        username="habitante",
        password=data.PASSWORD,
        first_name=her.person.first_name,
        cooperation=cooperation,
        person=her.person,
    )
    today = timezone.now()
    provider = next(a for a in member_accounts if a.pk != her.pk)
    Exchange.objects.create(
        cooperation=cooperation,
        provider=provider,
        receiver=her,
        category=categories[0],
        description="Taille de haie",
        minutes=90,
        performed_on=today.date(),
        idempotency_key="demo-pending",
        created_at=today,
    )
    for t in reversed_rows:
        if her in (accounts[i] for i, _m in t["legs"]):
            Notice.objects.create(
                cooperation=cooperation,
                person=her.person,
                message=f"Le virement n°{t['reverses']['row'].pk} a été annulé : {t['reason']}",
                created_at=t["at"],
                read_at=t["at"] + datetime.timedelta(days=1),
            )
    Listing.objects.bulk_create(
        Listing(
            cooperation=cooperation,
            account=a,
            kind=r.choice(ListingKind.values),
            category=r.choice(categories),
            description=SERVICES[r.choice(categories).name],
        )
        for a in r.sample(member_accounts, 40)
    )
