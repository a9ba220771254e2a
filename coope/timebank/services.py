"""Every write to TIC-TAC, the time currency. One function per verb, each atomic and audited.

How an account is opened for a person: `open_account(actor=..., person=...)` when the person
holds a valid membership (their own or their household's), or `open_account(...,
registered_with=association)` for someone registered with an association of the cooperation
(the one that runs the time bank, say). The start credit of the cooperation's rules (15 h by
default) is paid from the issuance account. System accounts (issuance, community chest, an
association's own account, the shop, the bike fleet, carpooling) are created on demand by
`system_account(association, kind)`; every service that pays one (`pay_in_time`, `hold_time`)
creates it when missing.

The ledger guarantees, for every movement (`_post`):
- amounts are positive whole minutes, the accounts are distinct, open and of one cooperation;
- the idempotency key is unique per cooperation: a replay with the same content returns the
  first transfer, with a different content it is refused; two concurrent requests with the
  same key record once (the unique constraint, caught inside a savepoint);
- the accounts are locked in primary-key order (no deadlock), then the new balances are
  checked against the limits (minus the minutes held), then the entries are written and the
  cached balances moved with F() expressions;
- an audit entry is written; nothing is ever updated or deleted in the ledger.

One lock order for every service (`lock_accounts`), so that no two of them wait on each other
in a circle:
1. the accounts the service will touch, all at once, in primary-key order, before any other
   row: a service that starts from an exchange, a hold or a transfer reads it first without a
   lock (the accounts it names never change), locks its accounts, then locks it;
2. then that exchange, hold or transfer, one row.
Every lock is FOR NO KEY UPDATE: the share locks that an INSERT takes on the rows its foreign
keys point to (a hold on its payee, an entry on its account, any row on its cooperation) never
wait for it, so inserting never joins a cycle. Each public service is `@atomic_service`: one
transaction, run again a few times if PostgreSQL still breaks a lock cycle, then a French
message, never a 500.
"""

import datetime
import hashlib
import json
import uuid

from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, Sum, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from coope.core import audit
from coope.core.models import Association, User
from coope.lib.atomic import NOT_ALONE, atomic_service, atomic_service_or_alone
from coope.people.models import HouseholdMember, Person
from coope.timebank import ledger_pg
from coope.timebank.models import (
    DEFAULT_LIMITS,
    Account,
    AccountKind,
    CategoryLimit,
    Entry,
    Exchange,
    ExchangeStatus,
    Hold,
    HoldStatus,
    Notice,
    TimebankRules,
    Transfer,
    TransferKind,
    account_kind_choices,
    format_minutes,
    payee_choices,
)

EXCHANGE_TOKEN_SALT = "coope.timebank.exchange-answer"  # noqa: S105 (a salt, not a secret)


def payee_kinds() -> set[str]:
    """The accounts that may be paid in time: the association's, and every declared payee."""
    return {AccountKind.ASSOCIATION, *(code for code, _label in payee_choices())}


# -- reading ----------------------------------------------------------------------------------


def rules_of(cooperation) -> TimebankRules:
    """The cooperation's rules, created with the defaults the first time."""
    cooperation_id = getattr(cooperation, "pk", cooperation)
    rules, _created = TimebankRules.objects.get_or_create(cooperation_id=cooperation_id)
    return rules


def limits_of(
    account: Account, categories: dict[str, CategoryLimit] | None = None
) -> tuple[int | None, int | None]:
    """(lower, upper) limits that apply to an account: its own, else its category's, else the default.

    `categories` (kind -> CategoryLimit) saves the lookup when the caller has them already."""
    low, high = DEFAULT_LIMITS[account.kind]
    if categories is None:
        category = CategoryLimit.objects.filter(
            cooperation_id=account.cooperation_id, kind=account.kind
        ).first()
    else:
        category = categories.get(account.kind)
    if category is not None:
        low, high = category.min_balance_minutes, category.max_balance_minutes
    if account.min_balance_minutes is not None:
        low = account.min_balance_minutes
    if account.max_balance_minutes is not None:
        high = account.max_balance_minutes
    return low, high


def held_minutes(account: Account) -> int:
    return (
        Hold.objects.filter(account=account, status=HoldStatus.HELD).aggregate(s=Sum("minutes"))[
            "s"
        ]
        or 0
    )


def account_of(holder) -> Account:
    """The account of a person (or the account itself); a clear error when there is none."""
    if isinstance(holder, Account):
        return holder
    account = Account.objects.filter(person=holder).first()
    if account is None:
        raise ValidationError(
            _("%(who)s n'a pas de compte TIC-TAC : ouvrez-en un d'abord.") % {"who": holder}
        )
    return account


@atomic_service
def system_account(association: Association | None, kind: str, *, actor=None) -> Account:
    """The association's system account of that kind, created (and audited, for `actor`, the
    person whose action needs it) on first use."""
    if association is None:  # a cooperation that has no association yet
        raise ValidationError(
            _("La coopération n'a encore aucune association : créez-en une pour utiliser TIC-TAC.")
        )
    if kind not in dict(account_kind_choices()) or kind == AccountKind.MEMBER:
        raise ValidationError(
            _("« %(kind)s » n'est pas un compte de l'association.") % {"kind": kind}
        )
    account = Account.objects.filter(
        association=association, kind=kind, person__isnull=True
    ).first()
    if account is None:
        try:
            with transaction.atomic():
                account = Account.objects.create(
                    cooperation_id=association.cooperation_id, association=association, kind=kind
                )
        except IntegrityError:  # created meanwhile by a concurrent request
            account = Account.objects.get(association=association, kind=kind, person__isnull=True)
        else:
            audit.record(
                actor=actor,
                action="timebank_open_system_account",
                instance=account,
                changes={"association_id": association.pk, "kind": kind},
            )
    return account


def issuance_account(cooperation, *, actor=None) -> Account:
    """The cooperation's issuance account: held by its first association."""
    association = Association.objects.filter(cooperation=cooperation).order_by("pk").first()
    return system_account(association, AccountKind.ISSUANCE, actor=actor)


# -- the ledger -------------------------------------------------------------------------------


def _content_hash(*, kind, legs, memo, item, category, reverses) -> str:
    content = {
        "kind": str(kind),
        "legs": sorted([a.pk, m] for a, m in legs),
        "memo": memo,
        "item": [ContentType.objects.get_for_model(item).pk, item.pk] if item is not None else None,
        "category": getattr(category, "pk", None),
        "reverses": getattr(reverses, "pk", None),
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _replayed(cooperation_id, key: str, content_hash: str) -> Transfer | None:
    """The transfer already recorded under this key, if any; refused if its content differs."""
    existing = Transfer.objects.filter(cooperation_id=cooperation_id, idempotency_key=key).first()
    if existing is not None and existing.content_hash != content_hash:
        raise _other_content(key, existing.pk)
    return existing


def _other_content(key: str, pk) -> ValidationError:
    return ValidationError(
        _(
            "Cette opération (clé %(key)s) a déjà été enregistrée avec un autre contenu "
            "(virement n°%(pk)s) : rien n'a été enregistré. Rechargez la page avant de recommencer."
        )
        % {"key": key, "pk": pk}
    )


def sees_figures(actor, account: Account) -> bool:
    """May `actor` read this account's balance and limits? Its own person, staff who see the
    accounts, and the system (actor None: commands, whose output goes to staff). A member never
    reads another member's figures, not even through a refusal or a warning."""
    if actor is None or account.person_id is None:
        return True
    if getattr(actor, "person_id", None) == account.person_id:
        return True
    return bool(getattr(actor, "is_authenticated", False)) and actor.has_coope_perm(
        "timebank.view_accounts"
    )


def _limit_refusal(
    account: Account,
    *,
    after: int,
    low: int | None,
    high: int | None,
    held: int,
    actor,
    pending: int = 0,
) -> str:
    """The sentence that refuses a movement past a limit, with figures only for who may read them
    (to a member about their own account: « votre solde »)."""
    own = account.person_id is not None and getattr(actor, "person_id", None) == account.person_id
    if not sees_figures(actor, account):
        if low is not None and after - held - pending < low:
            return _(
                "%(who)s ne peut pas payer cette durée maintenant : son solde passerait sous la "
                "limite permise. Rien n'a été enregistré : proposez une durée plus courte, ou "
                "voyez avec un·e coordinateur·rice TIC-TAC."
            ) % {"who": account}
        return _(
            "%(who)s ne peut pas recevoir cette durée maintenant : son solde passerait au-dessus "
            "de la limite permise. Rien n'a été enregistré : proposez une durée plus courte, ou "
            "voyez avec un·e coordinateur·rice TIC-TAC."
        ) % {"who": account}
    if low is not None and after - held - pending < low:
        aside = []
        if held:
            aside.append(_("%(h)s réservées") % {"h": format_minutes(held)})
        if pending:
            aside.append(_("%(p)s d'échanges en attente") % {"p": format_minutes(pending)})
        low_values = {
            "who": account,
            "after": format_minutes(after),
            "low": format_minutes(low),
            "held": _(" (avec %(h)s)") % {"h": ", ".join(aside)} if aside else "",
        }
        if own:
            return (
                _(
                    "Solde insuffisant : après ce virement votre solde serait de "
                    "%(after)s%(held)s, sous votre limite de %(low)s. Rien n'a été enregistré."
                )
                % low_values
            )
        return (
            _(
                "Solde insuffisant pour %(who)s : après ce virement il serait de "
                "%(after)s%(held)s, sous sa limite de %(low)s. Rien n'a été enregistré."
            )
            % low_values
        )
    high_text = (
        _(
            "Vous dépasseriez votre limite haute de %(high)s (votre solde après : "
            "%(after)s%(pending)s). Rien n'a été enregistré."
        )
        if own
        else _(
            "%(who)s dépasserait sa limite haute de %(high)s (solde après : %(after)s%(pending)s). "
            "Rien n'a été enregistré."
        )
    )
    return high_text % {
        "who": account,
        "high": format_minutes(high or 0),
        "after": format_minutes(after + pending),
        "pending": _(", avec %(p)s d'échanges en attente") % {"p": format_minutes(pending)}
        if pending
        else "",
    }


def _check_limits(
    account: Account, new_balance: int, delta: int, categories=None, *, actor=None
) -> None:
    low, high = limits_of(account, categories)
    held = held_minutes(account) if delta < 0 and low is not None else 0
    if (delta < 0 and low is not None and new_balance - held < low) or (
        delta > 0 and high is not None and new_balance > high
    ):
        raise ValidationError(
            _limit_refusal(account, after=new_balance, low=low, high=high, held=held, actor=actor)
        )


def _validate_legs(
    legs: list[tuple[Account, int]], cooperation_id: int, *, allow_closed=False
) -> None:
    if len({a.pk for a, _m in legs}) != len(legs):
        raise ValidationError(
            _("Un compte ne peut pas se payer lui-même : choisissez une autre personne.")
        )
    for account, minutes in legs:
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes == 0:
            raise ValidationError(
                _("Le montant doit être un nombre entier de minutes, plus grand que zéro.")
            )
        if account.cooperation_id != cooperation_id:
            raise ValidationError(
                _("Ce compte appartient à une autre coopération : virement refusé.")
            )
        if account.closed_at is not None and not allow_closed:
            raise _closed(account)
    if sum(m for _a, m in legs) != 0:
        raise ValueError(
            "A transfer's legs must sum to zero."
        )  # a programming error, not user input


def _closed(account: Account) -> ValidationError:
    return ValidationError(
        _("Le compte de %(who)s est fermé : il ne peut plus rien recevoir ni payer.")
        % {"who": account}
    )


def lock_accounts(*accounts) -> dict[int, Account]:
    """Lock these accounts (accounts or primary keys) in primary-key order, before any other
    row (see the module docstring); the fresh rows by primary key. Locking an account the
    transaction holds already is free."""
    pks = sorted({getattr(a, "pk", a) for a in accounts})
    return {
        a.pk: a
        for a in Account.objects.select_for_update(no_key=True).filter(pk__in=pks).order_by("pk")
    }


def _post(
    *,
    actor,
    kind: str,
    legs: list[tuple[Account, int]],
    idempotency_key: str,
    memo: str = "",
    item=None,
    category=None,
    reverses: Transfer | None = None,
    reason: str = "",
    created_at: datetime.datetime | None = None,
) -> Transfer:
    """Record one balanced transfer with every guarantee (see the module docstring)."""
    key = (idempotency_key or "").strip()
    if not key:
        raise ValidationError(_("Il manque la clé d'unicité de l'opération : rechargez la page."))
    if len(key) > 120:
        raise ValidationError(_("La clé d'unicité est trop longue (120 caractères au plus)."))
    cooperation_id = legs[0][0].cooperation_id
    _validate_legs(
        legs, cooperation_id, allow_closed=True
    )  # closed or not: checked on the locked rows
    content_hash = _content_hash(
        kind=kind, legs=legs, memo=memo, item=item, category=category, reverses=reverses
    )
    transfer = Transfer(
        cooperation_id=cooperation_id,
        kind=kind,
        amount_minutes=sum(m for _a, m in legs if m > 0),
        idempotency_key=key,
        content_hash=content_hash,
        memo=memo[:300],
        category=category,
        item=item,
        reverses=reverses,
        reason=reason[:300],
        created_by=actor if actor is not None and actor.is_authenticated else None,
        created_at=created_at or timezone.now(),
    )
    changes = {"legs": {str(a.pk): m for a, m in legs}, "key": key, "memo": memo, "reason": reason}
    if ledger_pg.enabled():  # PostgreSQL: the same steps in one round trip
        return _posted(
            ledger_pg.post(
                actor=actor,
                transfer=transfer,
                legs=legs,
                changes=changes,
                dated=created_at is not None,
            ),
            key=key,
            actor=actor,
        )
    categories = {
        c.kind: c
        for c in CategoryLimit.objects.filter(  # read before locking: a short lock
            cooperation_id=cooperation_id, kind__in={a.kind for a, _m in legs}
        )
    }
    # Lock in primary-key order: two transfers on the same accounts never wait on each other in a circle.
    # A replay of the same content locks the same accounts, so it waits for the first and finds it below.
    locked = lock_accounts(*(a for a, _m in legs))
    existing = _replayed(cooperation_id, key, content_hash)
    if existing is not None:
        return existing
    for account, minutes in legs:
        fresh = locked[account.pk]
        if fresh.closed_at is not None:
            raise _closed(fresh)
        _check_limits(fresh, fresh.balance_minutes + minutes, minutes, categories, actor=actor)
    try:
        with transaction.atomic():
            transfer.save()
    except IntegrityError:
        # The same key was recorded by a concurrent request between our check and our insert.
        existing = _replayed(cooperation_id, key, content_hash)
        if existing is None:
            raise
        return existing
    Entry.objects.bulk_create(
        Entry(cooperation_id=cooperation_id, transfer=transfer, account_id=a.pk, amount_minutes=m)
        for a, m in legs
    )
    Account.objects.filter(pk__in=locked).update(
        balance_minutes=F("balance_minutes")
        + Case(*[When(pk=a.pk, then=Value(m)) for a, m in legs], output_field=IntegerField())
    )
    for account, minutes in legs:
        account.balance_minutes = locked[account.pk].balance_minutes + minutes
    audit.record(actor=actor, action=f"timebank_{kind}", instance=transfer, changes=changes)
    return transfer


def _posted(outcome: ledger_pg.Outcome, *, key: str, actor) -> Transfer:
    """The transfer the database function recorded (or found under the key); its refusal as the
    Python path words it, the refused account read again for its name."""
    if outcome.transfer is not None:
        return outcome.transfer
    if outcome.status == ledger_pg.REPLAY:
        return Transfer.objects.get(pk=outcome.transfer_id or 0)
    if outcome.status == ledger_pg.OTHER_CONTENT:
        raise _other_content(key, outcome.transfer_id)
    account = Account.objects.select_related("person").get(pk=outcome.account_id or 0)
    if outcome.status == ledger_pg.CLOSED:
        raise _closed(account)
    if outcome.status == ledger_pg.OVER_LIMIT:
        assert outcome.after is not None  # a refusal past a limit comes with its figures
        raise ValidationError(
            _limit_refusal(
                account,
                after=outcome.after,
                low=outcome.low,
                high=outcome.high,
                held=outcome.held,
                actor=actor,
            )
        )
    raise ValueError(f"timebank_post_transfer answered {outcome.status!r}")


def _positive_minutes(minutes) -> int:
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
        raise ValidationError(
            _("Le montant doit être un nombre entier de minutes, plus grand que zéro.")
        )
    return minutes


def pending_minutes(account: Account, *, exclude=None) -> tuple[int, int]:
    """(to pay, to receive): the minutes of the account's exchanges still awaiting confirmation."""
    pending = Exchange.objects.filter(status=ExchangeStatus.PENDING)
    if exclude is not None:
        pending = pending.exclude(pk=exclude.pk)
    to_pay = pending.filter(receiver=account).aggregate(s=Sum("minutes"))["s"] or 0
    to_receive = pending.filter(provider=account).aggregate(s=Sum("minutes"))["s"] or 0
    return to_pay, to_receive


def _outlook(account: Account, minutes: int):
    """What a movement of `minutes` would leave: (after, low, high, held, pending, margin past the
    limit or None), the pending exchanges counted as if confirmed."""
    low, high = limits_of(account)
    after = account.balance_minutes + minutes
    if minutes < 0:
        held = held_minutes(account)
        pending = pending_minutes(account)[0]
        room = None if low is None else after - held - pending - low
    else:
        held = 0
        pending = pending_minutes(account)[1]
        room = None if high is None else high - after - pending
    return after, low, high, held, pending, room


def limit_refusals(legs: list[tuple[Account, int]], *, actor) -> list[str]:
    """Sentences that refuse an exchange when it is entered: a balance that would pass a hard
    limit, the exchanges still pending counted. Figures only for who may read them."""
    refusals = []
    for account, minutes in legs:
        after, low, high, held, pending, room = _outlook(account, minutes)
        if room is not None and room < 0:
            refusals.append(
                _limit_refusal(
                    account,
                    after=after,
                    low=low if minutes < 0 else None,
                    high=high,
                    held=held,
                    pending=pending,
                    actor=actor,
                )
            )
    return refusals


def warnings_for(legs: list[tuple[Account, int]], *, actor) -> list[str]:
    """Sentences to show before confirming: a balance the actor may read that would come near a
    limit (not past it: that is refused, see `limit_refusals`). Nothing about anyone else's."""
    if not legs:
        return []
    margin = rules_of(legs[0][0].cooperation_id).warning_margin_minutes
    sentences = []
    for account, minutes in legs:
        if not sees_figures(actor, account):
            continue
        after, low, high, _held, _pending, room = _outlook(account, minutes)
        if room is None or not 0 <= room <= margin:
            continue
        own = getattr(actor, "person_id", None) is not None and actor.person_id == account.person_id
        values = {
            "who": account,
            "after": format_minutes(after),
            "limit": format_minutes((low if minutes < 0 else high) or 0),
        }
        if minutes < 0:
            sentence = (
                _(
                    "Après cet échange, votre solde serait de %(after)s, près de votre limite basse (%(limit)s)."
                )
                if own
                else _(
                    "Après cet échange, le solde de %(who)s serait de %(after)s, "
                    "près de sa limite basse (%(limit)s)."
                )
            )
        else:
            sentence = (
                _(
                    "Après cet échange, votre solde serait de %(after)s, près de votre limite haute (%(limit)s)."
                )
                if own
                else _(
                    "Après cet échange, le solde de %(who)s serait de %(after)s, "
                    "près de sa limite haute (%(limit)s)."
                )
            )
        sentences.append(sentence % values)
    return sentences


# -- accounts ---------------------------------------------------------------------------------


def _has_valid_membership(person, on: datetime.date) -> bool:
    """Their own membership, or the card of a household they are in on that day (a former
    member of the household is not covered by its card)."""
    from coope.membership.models import Membership

    in_household = HouseholdMember.objects.on(on).filter(
        household=OuterRef("household"), person=person
    )
    return Membership.objects.valid_on(on).filter(Q(person=person) | Exists(in_household)).exists()


@atomic_service
def open_account(
    *,
    actor,
    person,
    registered_with: Association | None = None,
    opened_at: datetime.datetime | None = None,
) -> Account:
    """Open the person's time account and pay the start credit from the issuance account.

    The person needs a valid membership (their own or their household's) on the opening day,
    or to be registered with an association of the cooperation (`registered_with`)."""
    opened_at = opened_at or timezone.now()
    # Two clicks open one account. NO KEY: the account's row points to the person, and the
    # share lock that INSERT takes does not wait for this one.
    person = Person.objects.select_for_update(no_key=True).get(pk=person.pk)
    if registered_with is not None and registered_with.cooperation_id != person.cooperation_id:
        raise ValidationError(_("Cette association appartient à une autre coopération."))
    if registered_with is None and not _has_valid_membership(person, timezone.localdate(opened_at)):
        raise ValidationError(
            _(
                "%(who)s n'a pas d'adhésion valable : prenez l'adhésion, ou inscrivez la "
                "personne auprès d'une association de la coopération, avant d'ouvrir son "
                "compte TIC-TAC."
            )
            % {"who": person}
        )
    if Account.objects.filter(person=person).exists():
        raise ValidationError(_("%(who)s a déjà un compte TIC-TAC.") % {"who": person})
    account = Account.objects.create(
        cooperation_id=person.cooperation_id,
        kind=AccountKind.MEMBER,
        person=person,
        association=registered_with,
        opened_at=opened_at,
    )
    audit.record(
        actor=actor,
        action="timebank_open_account",
        instance=account,
        changes={"person_id": person.pk, "registered_with": getattr(registered_with, "pk", None)},
    )
    credit = rules_of(person.cooperation_id).start_credit_minutes
    if credit:
        _post(
            actor=actor,
            kind=TransferKind.START_CREDIT,
            legs=[
                (issuance_account(person.cooperation_id, actor=actor), -credit),
                (account, credit),
            ],
            idempotency_key=f"start-credit:{account.pk}",
            memo=_("Crédit de départ"),
            created_at=opened_at,
        )
        account.refresh_from_db()
    return account


@atomic_service
def set_account_limits(
    *,
    actor,
    account: Account,
    min_balance_minutes: int | None,
    max_balance_minutes: int | None,
    reason: str,
) -> Account:
    """Give an account its own limits (None: back to its category's), logged with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            _("Dites pourquoi vous changez les limites de ce compte (le motif est gardé).")
        )
    account = lock_accounts(account)[account.pk]
    if (
        min_balance_minutes is not None
        and max_balance_minutes is not None
        and min_balance_minutes > max_balance_minutes
    ):
        raise ValidationError(_("La limite basse doit être sous la limite haute."))
    held = held_minutes(account)
    # The limits that would apply after the change: an override set to None falls back to the category's.
    after = Account(
        cooperation_id=account.cooperation_id,
        kind=account.kind,
        min_balance_minutes=min_balance_minutes,
        max_balance_minutes=max_balance_minutes,
    )
    low, high = limits_of(after)
    if low is not None and account.balance_minutes - held < low:
        raise ValidationError(
            _(
                "Le solde (%(b)s, dont %(h)s réservées) est déjà sous la limite basse qui s'appliquerait (%(low)s) : "
                "gardez une limite propre au compte au plus égale au solde disponible, ou attendez qu'il remonte."
            )
            % {
                "b": format_minutes(account.balance_minutes),
                "h": format_minutes(held),
                "low": format_minutes(low),
            }
        )
    if high is not None and account.balance_minutes > high:
        raise ValidationError(
            _(
                "Le solde (%(b)s) est déjà au-dessus de la limite haute qui s'appliquerait (%(high)s) : "
                "gardez une limite propre au compte au moins égale au solde, ou attendez qu'il baisse."
            )
            % {"b": format_minutes(account.balance_minutes), "high": format_minutes(high)}
        )
    before = audit.snapshot(account, ["min_balance_minutes", "max_balance_minutes"])
    Account.objects.filter(pk=account.pk).update(
        min_balance_minutes=min_balance_minutes, max_balance_minutes=max_balance_minutes
    )
    account.min_balance_minutes, account.max_balance_minutes = (
        min_balance_minutes,
        max_balance_minutes,
    )
    changes = audit.diff(
        before, audit.snapshot(account, ["min_balance_minutes", "max_balance_minutes"])
    )
    audit.record(
        actor=actor,
        action="timebank_set_limits",
        instance=account,
        changes={**changes, "reason": reason},
    )
    return account


@atomic_service
def close_account(*, actor, account: Account, reason: str) -> Account:
    """Close an account; what remains on it goes to (or comes from) the community chest."""
    account = Account.objects.get(pk=account.pk)
    chest = system_account(
        account.association
        or Association.objects.filter(cooperation_id=account.cooperation_id).order_by("pk").first(),
        AccountKind.CHEST,
        actor=actor,
    )
    # The account and the chest locked together, in primary-key order like every transfer (no deadlock
    # with a payment between the same two accounts).
    locked = lock_accounts(account, chest)
    account, chest = locked[account.pk], locked[chest.pk]
    if account.closed_at is not None:
        raise ValidationError(_("Ce compte est déjà fermé."))
    if Hold.objects.filter(account=account, status=HoldStatus.HELD).exists():
        raise ValidationError(
            _("Des minutes sont encore réservées sur ce compte : prélevez-les ou libérez-les.")
        )
    if account.balance_minutes:
        _post(
            actor=actor,
            kind=TransferKind.CLOSING,
            legs=[(account, -account.balance_minutes), (chest, account.balance_minutes)],
            idempotency_key=f"closing:{account.pk}",
            memo=reason,
        )
    Account.objects.filter(pk=account.pk).update(closed_at=timezone.now())
    account.refresh_from_db()
    audit.record(
        actor=actor, action="timebank_close_account", instance=account, changes={"reason": reason}
    )
    return account


# -- transfers --------------------------------------------------------------------------------


def _transfer_alone(transfer, **kwargs) -> Transfer:
    """On PostgreSQL, a transfer asked outside any transaction is the database function's one
    statement (its reads before it only read): the database commits it as it ends."""
    return transfer(**kwargs) if ledger_pg.enabled() else NOT_ALONE


@atomic_service_or_alone(_transfer_alone)
def transfer_time(
    *,
    actor,
    payer,
    payee,
    minutes: int,
    idempotency_key: str,
    memo: str = "",
    category=None,
    kind: str = TransferKind.TRANSFER,
    item=None,
    created_at: datetime.datetime | None = None,
) -> Transfer:
    """Move minutes from one account (or person) to another, member to member or with the association."""
    minutes = _positive_minutes(minutes)
    payer, payee = account_of(payer), account_of(payee)
    return _post(
        actor=actor,
        kind=kind,
        legs=[(payer, -minutes), (payee, minutes)],
        idempotency_key=idempotency_key,
        memo=memo,
        category=category,
        item=item,
        created_at=created_at,
    )


def _payee(payee_kind: str, association: Association, *, actor=None) -> Account:
    if payee_kind not in payee_kinds():
        raise ValidationError(
            _("On ne paie pas en temps un compte « %(kind)s ».") % {"kind": payee_kind}
        )
    # Found in one query; only its first use opens it (`system_account`, in a savepoint).
    existing = Account.objects.filter(
        association=association, kind=payee_kind, person__isnull=True
    ).first()
    return existing or system_account(association, payee_kind, actor=actor)


def _thing_label(item) -> str:
    """What a payment is for, by kind and number: never str(item), which may name a person, and
    the ledger's texts are never rewritten, not even when that person is anonymised."""
    return f"{item._meta.verbose_name} n°{item.pk}"


@atomic_service
def pay_in_time(
    *,
    actor,
    payer,
    payee_kind: str,
    association: Association,
    minutes: int,
    item,
    idempotency_key: str,
    memo: str = "",
    created_at: datetime.datetime | None = None,
) -> Transfer:
    """A person pays `minutes` to an association's programme account ("shop", "bikes", "carpool",
    "association") for `item` (a jar sale, a bike loan...), with every guarantee of the ledger."""
    minutes = _positive_minutes(minutes)
    payer_account = account_of(payer)
    if association.cooperation_id != payer_account.cooperation_id:
        raise ValidationError(_("Ce compte appartient à une autre coopération : virement refusé."))
    kind = (
        TransferKind.MEMBERSHIP_FEE
        if payee_kind == AccountKind.ASSOCIATION and _is_membership(item)
        else TransferKind.PAYMENT
    )
    return _post(
        actor=actor,
        kind=kind,
        legs=[
            (payer_account, -minutes),
            (_payee(payee_kind, association, actor=actor), minutes),
        ],
        idempotency_key=idempotency_key,
        memo=memo or _thing_label(item),
        item=item,
        created_at=created_at,
    )


@atomic_service
def lock_payment(*, payer, payee_kind: str, association: Association, actor=None) -> None:
    """Lock the accounts of a coming `pay_in_time` (the payer's and the programme's, in key
    order) for a programme service that will lock its own rows (a lot, a stock level) before it
    pays: the accounts first, as every TIC-TAC service locks them."""
    payer_account = account_of(payer)
    if association.cooperation_id != payer_account.cooperation_id:
        raise ValidationError(_("Ce compte appartient à une autre coopération : virement refusé."))
    lock_accounts(payer_account, _payee(payee_kind, association, actor=actor))


def _is_membership(item) -> bool:
    return item is not None and item._meta.label_lower == "membership.membership"


@atomic_service
def hold_time(
    *,
    actor,
    payer,
    payee_kind: str,
    association: Association,
    minutes: int,
    item,
    idempotency_key: str,
) -> Hold:
    """Reserve minutes on the payer's account at booking time (taken or released later).

    The reserved minutes count against the payer's lower limit for every later payment."""
    minutes = _positive_minutes(minutes)
    account = account_of(payer)
    if association.cooperation_id != account.cooperation_id:
        raise ValidationError(
            _("Ce compte appartient à une autre coopération : réservation refusée.")
        )
    key = (idempotency_key or "").strip()
    if not key:
        raise ValidationError(_("Il manque la clé d'unicité de l'opération : rechargez la page."))
    payee = _payee(payee_kind, association, actor=actor)
    content_type = ContentType.objects.get_for_model(item)
    content = (account.pk, payee.pk, minutes, content_type.pk, item.pk)

    def recorded() -> Hold | None:
        return Hold.objects.filter(
            cooperation_id=account.cooperation_id, idempotency_key=key
        ).first()

    existing = recorded()
    if existing is None:
        # The payer's account is locked (its limit counts the minutes it holds already); the
        # payee's is not: the share lock the new hold takes on it never waits (NO KEY locks).
        account = lock_accounts(account)[account.pk]
        existing = recorded()
    if existing is not None:
        return _same_hold(existing, content, key)
    if account.closed_at is not None:
        raise _closed(account)
    _check_limits(account, account.balance_minutes - minutes, -minutes, actor=actor)
    try:
        with transaction.atomic():
            hold = Hold.objects.create(
                cooperation_id=account.cooperation_id,
                account=account,
                payee=payee,
                minutes=minutes,
                idempotency_key=key,
                item_type=content_type,
                item_id=item.pk,
                memo=_thing_label(item),
            )
    except IntegrityError:
        # The same key recorded meanwhile for another account (the lock above is the payer's
        # only): the replay of the same content, or the clear refusal.
        existing = recorded()
        if existing is None:
            raise
        return _same_hold(existing, content, key)
    audit.record(
        actor=actor, action="timebank_hold", instance=hold, changes={"minutes": minutes, "key": key}
    )
    return hold


def _same_hold(existing: Hold, content: tuple, key: str) -> Hold:
    """The hold already recorded under this key, when the replay has the same content (account,
    payee, minutes, item); refused otherwise, whoever's account it is on."""
    stored = (
        existing.account_id,
        existing.payee_id,
        existing.minutes,
        existing.item_type_id,
        existing.item_id,
    )
    if stored != content:
        raise ValidationError(
            _(
                "Cette réservation (clé %(key)s) existe déjà avec un autre contenu "
                "(réservation n°%(pk)s) : rien n'a été enregistré. Rechargez la page avant "
                "de recommencer."
            )
            % {"key": key, "pk": existing.pk}
        )
    return existing


def _locked_hold(hold: Hold, *, paying: bool) -> Hold:
    """The hold, locked after its account, and its payee's when `paying` (read it first: the
    accounts it names never change)."""
    current = Hold.objects.only("account_id", "payee_id").get(pk=hold.pk)
    lock_accounts(current.account_id, *([current.payee_id] if paying else []))
    hold = Hold.objects.select_for_update(no_key=True).get(pk=hold.pk)
    if hold.status != HoldStatus.HELD:
        raise ValidationError(
            _("Cette réservation est déjà %(state)s.")
            % {"state": hold.get_status_display().lower()}
        )
    return hold


@atomic_service
def take_hold(*, actor, hold: Hold) -> Transfer:
    """Pay the reserved minutes to the programme (the hold becomes a transfer). Taking twice returns
    the same transfer."""
    current = Hold.objects.get(pk=hold.pk)
    if current.status == HoldStatus.TAKEN:
        assert current.transfer is not None  # taking a hold writes its transfer in the same step
        return current.transfer
    hold = _locked_hold(hold, paying=True)
    Hold.objects.filter(pk=hold.pk).update(
        status=HoldStatus.RELEASED
    )  # frees the minutes for the payment
    hold.status = HoldStatus.RELEASED
    transfer = _post(
        actor=actor,
        kind=TransferKind.PAYMENT,
        legs=[(hold.account, -hold.minutes), (hold.payee, hold.minutes)],
        idempotency_key=f"hold:{hold.idempotency_key}",
        memo=hold.memo,
        item=hold.item,
    )
    Hold.objects.filter(pk=hold.pk).update(status=HoldStatus.TAKEN, transfer=transfer)
    hold.status, hold.transfer = HoldStatus.TAKEN, transfer
    audit.record(
        actor=actor, action="timebank_take_hold", instance=hold, changes={"transfer": transfer.pk}
    )
    return transfer


@atomic_service
def release_hold(*, actor, hold: Hold) -> None:
    """Give the reserved minutes back (the booking was cancelled). Releasing twice does nothing."""
    if Hold.objects.filter(pk=hold.pk, status=HoldStatus.RELEASED).exists():
        return
    hold = _locked_hold(hold, paying=False)
    Hold.objects.filter(pk=hold.pk).update(status=HoldStatus.RELEASED)
    hold.status = HoldStatus.RELEASED
    audit.record(actor=actor, action="timebank_release_hold", instance=hold, changes={})


# -- reversals --------------------------------------------------------------------------------


def _notify(transfer: Transfer, reversal: Transfer) -> None:
    """Tell every person whose account the transfer touched: a notice, and an e-mail when known."""
    message = _(
        "Le virement n°%(pk)s du %(day)s (%(amount)s, %(kind)s) a été annulé : %(reason)s"
    ) % {
        "pk": transfer.pk,
        "day": timezone.localtime(transfer.created_at).strftime("%d/%m/%Y"),
        "amount": format_minutes(transfer.amount_minutes),
        "kind": transfer.get_kind_display().lower(),
        "reason": reversal.reason,
    }
    people = [
        e.account.person
        for e in transfer.entries.select_related("account__person")
        if e.account.person is not None
    ]
    Notice.objects.bulk_create(
        Notice(cooperation_id=transfer.cooperation_id, person=p, message=message) for p in people
    )
    addresses = [p.email for p in people if p.email]
    if addresses:

        def send():
            for address in addresses:
                send_mail(_("TIC-TAC : un virement a été annulé"), message, None, [address])

        transaction.on_commit(send)


# Payments whose item belongs to another programme: that programme cancels them (the stock, the
# membership...), a reversal here alone would leave it inconsistent.
_OWNED_ELSEWHERE = {
    "cannery.movement": _(
        "Ce paiement concerne une vente de la conserverie : corrigez-la depuis la conserverie "
        "(le stock et le paiement y sont corrigés ensemble)."
    ),
    "membership.membership": _(
        "Ce paiement concerne une cotisation d'adhésion : corrigez-la depuis les "
        "adhésions (l'adhésion et son paiement y sont corrigés ensemble)."
    ),
}


def _item_label(transfer: Transfer) -> str | None:
    if transfer.item_type_id is None:
        return None
    content_type = ContentType.objects.get_for_id(transfer.item_type_id)
    return f"{content_type.app_label}.{content_type.model}"


@atomic_service
def reverse_transfer(
    *,
    actor,
    transfer: Transfer,
    reason: str,
    idempotency_key: str | None = None,
    now: datetime.datetime | None = None,
) -> Transfer:
    """Cancel a transfer by a reversing one (entries negated), within the cooperation's delay.

    Both parties are told (a notice on their page, an e-mail when they have an address)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            _("Donnez le motif de l'annulation : il sera montré aux deux personnes.")
        )
    # Its accounts first (its entries never change), then the original itself (a lock, the row
    # is not changed): two reversals of it wait in line.
    lock_accounts(
        *Entry.objects.filter(transfer_id=transfer.pk).values_list("account_id", flat=True)
    )
    transfer = Transfer.objects.select_for_update(no_key=True).get(pk=transfer.pk)
    if transfer.kind == TransferKind.REVERSAL:
        raise ValidationError(
            _("Une annulation ne s'annule pas : enregistrez un nouveau virement si besoin.")
        )
    already = Transfer.objects.filter(reverses=transfer).first()
    if already is not None:
        if idempotency_key and (already.idempotency_key, already.reason) == (
            idempotency_key,
            reason,
        ):
            return already  # the same request again (a double click): nothing more to do
        raise ValidationError(_("Ce virement a déjà été annulé."))
    if transfer.kind == TransferKind.START_CREDIT:
        raise ValidationError(
            _("Le crédit de départ ne s'annule pas : fermez le compte si besoin.")
        )
    owner = _OWNED_ELSEWHERE.get(_item_label(transfer) or "")
    if owner is not None or transfer.kind == TransferKind.MEMBERSHIP_FEE:
        raise ValidationError(owner or _OWNED_ELSEWHERE["membership.membership"])
    delay = rules_of(transfer.cooperation_id).reversal_delay_days
    if (now or timezone.now()) - transfer.created_at > datetime.timedelta(days=delay):
        raise ValidationError(
            _(
                "Ce virement date de plus de %(days)s jours : il ne peut plus être annulé. "
                "Enregistrez un virement en sens inverse avec les deux personnes."
            )
            % {"days": delay}
        )
    legs = [(e.account, -e.amount_minutes) for e in transfer.entries.select_related("account")]
    reversal = _post(
        actor=actor,
        kind=TransferKind.REVERSAL,
        legs=legs,
        idempotency_key=idempotency_key or f"reversal:{transfer.pk}",
        memo=_("Annulation du virement n°%(pk)s") % {"pk": transfer.pk},
        item=transfer.item,
        reverses=transfer,
        reason=reason,
        created_at=now,
    )
    _notify(transfer, reversal)
    return reversal


# -- exchanges --------------------------------------------------------------------------------


def _exchange_legs(exchange: Exchange) -> list[tuple[Account, int]]:
    return [(exchange.receiver, -exchange.minutes), (exchange.provider, exchange.minutes)]


@atomic_service
def record_exchange(
    *,
    actor,
    provider,
    receiver,
    minutes: int,
    category,
    description: str,
    performed_on: datetime.date,
    idempotency_key: str,
    group: str = "",
    session=None,
    notify: bool = True,
    site_url: str = "",
) -> Exchange:
    """The provider records a service given: a payment request the receiver confirms or refuses.

    Refused at once when a balance would pass a limit (the pending exchanges counted). The
    receiver is told (`notify`): a notice on their page, and an e-mail whose link (on `site_url`,
    the address of the site) lets them answer without a login. `session` links it to an activity
    session (a workshop given in hours)."""
    minutes = _positive_minutes(minutes)
    provider, receiver = account_of(provider), account_of(receiver)
    _validate_legs([(receiver, -minutes), (provider, minutes)], provider.cooperation_id)
    if category.cooperation_id != provider.cooperation_id:
        raise ValidationError(_("Cette catégorie appartient à une autre coopération."))
    description = (description or "").strip()
    if not description:
        raise ValidationError(_("Décrivez le service rendu en quelques mots."))
    key = (idempotency_key or "").strip()
    if not key:
        raise ValidationError(_("Il manque la clé d'unicité de l'opération : rechargez la page."))
    content = (
        provider.pk,
        receiver.pk,
        minutes,
        category.pk,
        description[:300],
        performed_on,
        group,
        getattr(session, "pk", None),
    )
    existing = Exchange.objects.filter(
        cooperation_id=provider.cooperation_id, idempotency_key=key
    ).first()
    if existing is not None:
        return _same_exchange(existing, content, key)
    # Refused now rather than at its confirmation: a balance that would pass a limit, the
    # exchanges already pending counted. The two accounts are locked in primary-key order (as
    # every transfer locks them), so two entries at once are checked one after the other.
    locked = lock_accounts(provider, receiver)
    refusals = limit_refusals(
        [(locked[receiver.pk], -minutes), (locked[provider.pk], minutes)], actor=actor
    )
    if refusals:
        raise ValidationError(refusals)
    try:
        with transaction.atomic():
            exchange = Exchange.objects.create(
                cooperation_id=provider.cooperation_id,
                provider=provider,
                receiver=receiver,
                category=category,
                description=description[:300],
                minutes=minutes,
                performed_on=performed_on,
                group=group,
                session=session,
                idempotency_key=key,
                recorded_by=actor if actor is not None and actor.is_authenticated else None,
            )
    except IntegrityError:
        existing = Exchange.objects.get(cooperation_id=provider.cooperation_id, idempotency_key=key)
        return _same_exchange(existing, content, key)
    audit.record(
        actor=actor,
        action="timebank_record_exchange",
        instance=exchange,
        changes={"minutes": minutes, "provider": provider.pk, "receiver": receiver.pk},
    )
    if notify:
        _notify_exchange(exchange, site_url=site_url)
    return exchange


def exchange_token(exchange: Exchange) -> str:
    """The signed token of the link that lets the receiver answer an exchange without a login."""
    return signing.dumps([exchange.cooperation_id, exchange.pk], salt=EXCHANGE_TOKEN_SALT)


def exchange_from_token(token: str) -> tuple[int, int] | None:
    """(cooperation id, exchange id) of a token, None when it was not signed by us."""
    try:
        cooperation_id, pk = signing.loads(token, salt=EXCHANGE_TOKEN_SALT)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    if not (isinstance(cooperation_id, int) and isinstance(pk, int)):
        return None
    return cooperation_id, pk


def confirmation_due_on(exchange: Exchange) -> datetime.date:
    """The day an exchange left unanswered is confirmed by `confirm_due_exchanges`."""
    delay = rules_of(exchange.cooperation_id).confirmation_delay_days
    return timezone.localdate(exchange.created_at + datetime.timedelta(days=delay))


def reachable(person: Person | None) -> bool:
    """Whether a receiver is told of an exchange by Coopé itself: an e-mail address, or an
    account of their own where the notice waits. One who has neither is asked by the front
    desk, and their exchanges are never confirmed by the delay alone."""
    if person is None:
        return False
    return bool(person.email) or User.objects.filter(person=person, is_active=True).exists()


def awaiting_front_desk(account: Account):
    """The pending exchanges this account is asked to pay whose receiver Coopé cannot reach:
    the front desk asks them and records their answer."""
    if reachable(account.person):
        return Exchange.objects.none()
    return (
        Exchange.objects.filter(receiver=account, status=ExchangeStatus.PENDING)
        .select_related("provider__person", "category")
        .order_by("created_at", "pk")
    )


def _notify_exchange(exchange: Exchange, *, site_url: str) -> None:
    """Tell the receiver they are asked to pay: a notice on their page, an e-mail with a link to
    confirm or refuse (no login needed) when their address is known."""
    person = exchange.receiver.person
    if person is None:
        return
    message = _(
        "%(provider)s demande %(amount)s pour un service rendu le %(day)s : « %(what)s ». "
        "Sans réponse de votre part, l'échange sera confirmé le %(due)s ; vous pouvez le "
        "refuser d'ici là."
    ) % {
        "provider": exchange.provider,
        "amount": format_minutes(exchange.minutes),
        "day": exchange.performed_on.strftime("%d/%m/%Y"),
        "what": exchange.description,
        "due": confirmation_due_on(exchange).strftime("%d/%m/%Y"),
    }
    Notice.objects.create(cooperation_id=exchange.cooperation_id, person=person, message=message)
    if person.email:
        link = site_url.rstrip("/") + reverse(
            "timebank:exchange_answer", args=[exchange_token(exchange)]
        )
        body = message + "\n\n" + _("Pour confirmer ou refuser : %(link)s") % {"link": link}
        address = person.email

        def send():
            send_mail(_("TIC-TAC : un échange à confirmer"), body, None, [address])

        transaction.on_commit(send)


def _same_exchange(existing: Exchange, content: tuple, key: str) -> Exchange:
    """The exchange already recorded under this key, when the replay has the same content; refused otherwise."""
    stored = (
        existing.provider_id,
        existing.receiver_id,
        existing.minutes,
        existing.category_id,
        existing.description,
        existing.performed_on,
        existing.group,
        existing.session_id,
    )
    if stored != content:
        if key.startswith("cheque:"):
            raise ValidationError(
                _(
                    "Ce numéro de chèque (%(n)s) a déjà été enregistré avec un autre contenu (échange n°%(pk)s) : "
                    "rien n'a été enregistré. Vérifiez le numéro recopié, ou corrigez l'échange déjà saisi."
                )
                % {"n": key.removeprefix("cheque:"), "pk": existing.pk}
            )
        raise ValidationError(
            _(
                "Cette demande a déjà été enregistrée avec un autre contenu (échange n°%(pk)s) : "
                "rien n'a été enregistré. Rechargez la page avant de recommencer."
            )
            % {"pk": existing.pk}
        )
    return existing


@atomic_service
def record_group_exchange(
    *,
    actor,
    provider,
    receivers: list,
    minutes_each: int,
    category,
    description: str,
    performed_on: datetime.date,
    idempotency_key: str,
    session=None,
    site_url: str = "",
) -> list[Exchange]:
    """One provider, several receivers: one exchange (payment request) per receiver, in one group."""
    if not receivers:
        raise ValidationError(_("Choisissez au moins une personne qui a reçu le service."))
    # Every account of the group at once, in key order: one exchange after the other would lock
    # them in the order of the list.
    lock_accounts(account_of(provider), *(account_of(r) for r in receivers))
    return [
        record_exchange(
            actor=actor,
            provider=provider,
            receiver=receiver,
            minutes=minutes_each,
            category=category,
            description=description,
            performed_on=performed_on,
            idempotency_key=f"{idempotency_key}:{account_of(receiver).pk}",
            group=idempotency_key,
            session=session,
            site_url=site_url,
        )
        for receiver in receivers
    ]


def _settle(*, actor, exchange: Exchange, created_at=None) -> Exchange:
    # Its two accounts in key order first (an exchange's accounts never change), then the
    # exchange alone: `of=("self",)`, a FOR UPDATE on the join would lock the provider then the
    # receiver, in the opposite order for an exchange the other way round.
    current = Exchange.objects.only("provider_id", "receiver_id").get(pk=exchange.pk)
    lock_accounts(current.provider_id, current.receiver_id)
    exchange = (
        Exchange.objects.select_for_update(no_key=True, of=("self",))
        .select_related("provider", "receiver")
        .get(pk=exchange.pk)
    )
    if exchange.status == ExchangeStatus.CONFIRMED:
        return exchange
    if exchange.status != ExchangeStatus.PENDING:
        raise ValidationError(_("Cet échange a été refusé : il ne peut plus être confirmé."))
    transfer = _post(
        actor=actor,
        kind=TransferKind.EXCHANGE,
        legs=_exchange_legs(exchange),
        idempotency_key=f"exchange:{exchange.pk}",
        memo=exchange.description,
        category=exchange.category,
        item=exchange,
        created_at=created_at,
    )
    Exchange.objects.filter(pk=exchange.pk).update(
        status=ExchangeStatus.CONFIRMED, transfer=transfer, decided_at=timezone.now()
    )
    exchange.refresh_from_db()
    return exchange


@atomic_service
def confirm_exchange(*, actor, exchange: Exchange, via: str = "") -> Exchange:
    """The receiver confirms: the minutes move. Confirming twice records once. `via` says how
    when not signed in (the e-mail's link)."""
    exchange = _settle(actor=actor, exchange=exchange)
    audit.record(
        actor=actor,
        action="timebank_confirm_exchange",
        instance=exchange,
        changes={"via": via} if via else {},
    )
    return exchange


@atomic_service
def refuse_exchange(*, actor, exchange: Exchange, via: str = "") -> Exchange:
    """The receiver refuses: nothing moves. `via` says how when not signed in (the e-mail's link)."""
    exchange = Exchange.objects.select_for_update(no_key=True).get(pk=exchange.pk)
    if exchange.status != ExchangeStatus.PENDING:
        raise ValidationError(
            _("Cet échange est déjà %(state)s.") % {"state": exchange.get_status_display().lower()}
        )
    Exchange.objects.filter(pk=exchange.pk).update(
        status=ExchangeStatus.REFUSED, decided_at=timezone.now()
    )
    exchange.refresh_from_db()
    audit.record(
        actor=actor,
        action="timebank_refuse_exchange",
        instance=exchange,
        changes={"via": via} if via else {},
    )
    return exchange


def confirm_due_exchanges(
    *, cooperation, now: datetime.datetime | None = None
) -> tuple[int, list[str]]:
    """Confirm the exchanges left pending past the delay; (confirmed count, refusals as sentences)."""
    now = now or timezone.now()
    delay = rules_of(cooperation).confirmation_delay_days
    due = Exchange.objects.filter(
        cooperation=cooperation,
        status=ExchangeStatus.PENDING,
        created_at__lte=now - datetime.timedelta(days=delay),
    ).order_by("pk")
    confirmed, problems = 0, []
    for exchange in due.select_related("receiver__person"):
        if not reachable(exchange.receiver.person):
            continue  # never told: the front desk asks them (awaiting_front_desk)
        try:
            confirm_exchange(actor=None, exchange=exchange)
            confirmed += 1
        except ValidationError as error:
            problems.append(
                _("Échange n°%(pk)s : %(error)s")
                % {"pk": exchange.pk, "error": " ".join(error.messages)}
            )
    return confirmed, problems


@atomic_service
def enter_paper_cheque(
    *,
    actor,
    provider,
    receiver,
    minutes: int,
    category,
    description: str,
    performed_on: datetime.date,
    cheque_number: str,
) -> Exchange:
    """A staff member enters a paper time cheque signed by both people: recorded and confirmed at once.

    The cheque number is the idempotency key: the same cheque entered twice is recorded once."""
    number = (cheque_number or "").strip()
    if not number:
        raise ValidationError(_("Recopiez le numéro du chèque temps."))
    exchange = record_exchange(
        actor=actor,
        provider=provider,
        receiver=receiver,
        minutes=minutes,
        category=category,
        description=description,
        performed_on=performed_on,
        idempotency_key=f"cheque:{number}",
        notify=False,  # signed by both on paper and confirmed at once: nothing to answer
    )
    if (exchange.provider_id, exchange.receiver_id, exchange.minutes) != (
        account_of(provider).pk,
        account_of(receiver).pk,
        minutes,
    ):
        raise ValidationError(
            _("Le chèque n°%(n)s a déjà été saisi pour un autre échange.") % {"n": number}
        )
    if not exchange.paper_cheque:
        Exchange.objects.filter(pk=exchange.pk).update(paper_cheque=number)
    return confirm_exchange(actor=actor, exchange=exchange)


def new_key() -> str:
    """A fresh idempotency key, put in a form when it is shown (a double click sends it twice)."""
    return uuid.uuid4().hex


# -- the rules screen (« Configuration ») -------------------------------------------------------


def _with_reason(changes: dict, reason: str) -> dict:
    reason = (reason or "").strip()
    return {**changes, "reason": reason} if reason else changes


@atomic_service
def set_rules(*, actor, cooperation, reason: str = "", **values) -> TimebankRules:
    """Change the cooperation's rules; each change is logged (with its reason when given)."""
    rules = TimebankRules.objects.select_for_update().get(pk=rules_of(cooperation).pk)
    before = audit.snapshot(rules)
    for field, value in values.items():
        setattr(rules, field, value)
    rules.full_clean()
    rules.save()
    changes = audit.diff(before, audit.snapshot(rules))
    if changes:
        audit.record(
            actor=actor,
            action=audit.UPDATE,
            instance=rules,
            changes=_with_reason(changes, reason),
        )
    return rules


@atomic_service
def set_category_limits(
    *,
    actor,
    cooperation,
    kind: str,
    min_balance_minutes: int | None,
    max_balance_minutes: int | None,
    reason: str = "",
) -> CategoryLimit | None:
    """The limits of one category of account (None: no limit). A category whose limits stay
    the default ones gets no row; a change is refused when an account of the category (without
    limits of its own) is already beyond the new limits."""
    limit = (
        CategoryLimit.objects.select_for_update().filter(cooperation=cooperation, kind=kind).first()
    )
    if limit is None and (min_balance_minutes, max_balance_minutes) == DEFAULT_LIMITS[kind]:
        return None
    before = audit.snapshot(limit) if limit is not None else None
    limit = limit or CategoryLimit(cooperation=cooperation, kind=kind)
    limit.min_balance_minutes, limit.max_balance_minutes = min_balance_minutes, max_balance_minutes
    limit.full_clean()
    limit.save()
    after = audit.snapshot(limit)
    changes = audit.diff(before, after) if before is not None else after
    if changes:
        audit.record(
            actor=actor,
            action=audit.UPDATE if before is not None else audit.CREATE,
            instance=limit,
            changes=_with_reason(changes, reason),
        )
    return limit
