"""The TIC-TAC ledger invariants that `coope check` verifies (run across every cooperation).

Each check is one or two database queries and yields one readable sentence per problem.
"""

from collections.abc import Iterable

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coope.lib.invariants import invariant
from coope.timebank.models import (
    Account,
    Entry,
    Exchange,
    ExchangeStatus,
    Hold,
    HoldStatus,
    Transfer,
    TransferKind,
    format_minutes,
)

LIMIT = 50  # problems listed per check; the count says how many more


def _listed(problems: list[str], total: int) -> Iterable[str]:
    yield from problems[:LIMIT]
    if total > LIMIT:
        yield _("… et %(n)s autres.") % {"n": total - LIMIT}


@invariant(gettext_lazy("TIC-TAC : chaque virement s'équilibre (ses écritures font zéro)"))
def transfers_sum_to_zero() -> Iterable[str]:
    rows = list(
        Transfer.objects.annotate(
            total=Coalesce(Sum("entries__amount_minutes"), 0),
            legs=Count("entries"),
            credited=Coalesce(
                Sum("entries__amount_minutes", filter=Q(entries__amount_minutes__gt=0)), 0
            ),
        )
        .filter(~Q(total=0) | Q(legs__lt=2) | ~Q(credited=F("amount_minutes")))
        .values("pk", "total", "legs", "credited", "amount_minutes", "cooperation__slug")
        .order_by("pk")
    )
    problems = []
    for row in rows:
        if row["legs"] < 2:
            problems.append(
                _("Virement n°%(pk)s (%(coop)s) : %(n)s écriture(s), il en faut au moins deux.")
                % {"pk": row["pk"], "coop": row["cooperation__slug"], "n": row["legs"]}
            )
        elif row["total"] != 0:
            problems.append(
                _("Virement n°%(pk)s (%(coop)s) : ses écritures font %(t)s minutes au lieu de 0.")
                % {"pk": row["pk"], "coop": row["cooperation__slug"], "t": row["total"]}
            )
        else:
            problems.append(
                _(
                    "Virement n°%(pk)s (%(coop)s) : montant %(a)s minutes, écritures créditées "
                    "%(c)s minutes."
                )
                % {
                    "pk": row["pk"],
                    "coop": row["cooperation__slug"],
                    "a": row["amount_minutes"],
                    "c": row["credited"],
                }
            )
    yield from _listed(problems, len(problems))


def _entries_sum():
    return Coalesce(
        Subquery(
            Entry.objects.filter(account=OuterRef("pk"))
            .order_by()
            .values("account")
            .annotate(s=Sum("amount_minutes"))
            .values("s")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


@invariant(gettext_lazy("TIC-TAC : chaque solde enregistré égale la somme de ses écritures"))
def cached_balances_match_entries() -> Iterable[str]:
    rows = list(
        Account.objects.annotate(computed=_entries_sum())
        .exclude(balance_minutes=F("computed"))
        .select_related("person", "association")
        .order_by("pk")
    )
    yield from _listed(
        [
            _(
                "Compte n°%(pk)s (%(who)s) : solde enregistré %(cached)s minutes, somme des écritures "
                "%(computed)s minutes."
            )
            % {"pk": a.pk, "who": a, "cached": a.balance_minutes, "computed": a.computed}
            for a in rows[:LIMIT]
        ],
        len(rows),
    )


@invariant(gettext_lazy("TIC-TAC : la somme de tous les soldes d'une coopération vaut zéro"))
def balances_sum_to_zero() -> Iterable[str]:
    rows = (
        Account.objects.values("cooperation__slug")
        .annotate(total=Sum("balance_minutes"))
        .exclude(total=0)
        .order_by("cooperation__slug")
    )
    for row in rows:
        yield _("Coopération %(coop)s : les soldes font %(t)s minutes au lieu de 0.") % {
            "coop": row["cooperation__slug"],
            "t": row["total"],
        }


@invariant(gettext_lazy("TIC-TAC : chaque solde respecte ses limites (réservations comprises)"))
def limits_respected() -> Iterable[str]:
    rows = list(
        Account.objects.with_limits()
        .with_held()
        .filter(
            Q(low_minutes__isnull=False, balance_minutes__lt=F("low_minutes") + F("held"))
            | Q(high_minutes__isnull=False, balance_minutes__gt=F("high_minutes"))
        )
        .select_related("person", "association")
        .order_by("pk")
    )
    problems = []
    for a in rows[:LIMIT]:
        if a.high_minutes is not None and a.balance_minutes > a.high_minutes:
            problems.append(
                _("Compte n°%(pk)s (%(who)s) : solde %(b)s, au-dessus de sa limite haute %(l)s.")
                % {
                    "pk": a.pk,
                    "who": a,
                    "b": format_minutes(a.balance_minutes),
                    "l": format_minutes(a.high_minutes),
                }
            )
        else:
            problems.append(
                _(
                    "Compte n°%(pk)s (%(who)s) : solde %(b)s dont %(h)s réservées, sous sa limite "
                    "basse %(l)s."
                )
                % {
                    "pk": a.pk,
                    "who": a,
                    "b": format_minutes(a.balance_minutes),
                    "h": format_minutes(a.held),
                    "l": format_minutes(a.low_minutes),
                }
            )
    yield from _listed(problems, len(rows))


@invariant(gettext_lazy("TIC-TAC : aucune écriture orpheline ni hors de sa coopération"))
def no_orphan_entries() -> Iterable[str]:
    orphans = list(
        Entry.objects.filter(~Exists(Transfer.objects.filter(pk=OuterRef("transfer_id"))))
        .values_list("pk", "transfer_id")
        .order_by("pk")
    )
    problems = [
        _("Écriture n°%(pk)s : son virement n°%(t)s n'existe pas.") % {"pk": pk, "t": t}
        for pk, t in orphans[:LIMIT]
    ]
    lost = list(
        Entry.objects.filter(~Exists(Account.objects.filter(pk=OuterRef("account_id"))))
        .values_list("pk", "account_id")
        .order_by("pk")
    )
    problems += [
        _("Écriture n°%(pk)s : son compte n°%(a)s n'existe pas.") % {"pk": pk, "a": a}
        for pk, a in lost[:LIMIT]
    ]
    crossed = list(
        Entry.objects.filter(Exists(Transfer.objects.filter(pk=OuterRef("transfer_id"))))
        .exclude(transfer__cooperation_id=F("cooperation_id"))
        .values_list("pk", flat=True)
        .order_by("pk")
    ) + list(
        Entry.objects.filter(Exists(Account.objects.filter(pk=OuterRef("account_id"))))
        .exclude(account__cooperation_id=F("cooperation_id"))
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    problems += [
        _("Écriture n°%(pk)s : son virement ou son compte est d'une autre coopération.")
        % {"pk": pk}
        for pk in crossed[:LIMIT]
    ]
    yield from _listed(problems, len(orphans) + len(lost) + len(crossed))


@invariant(
    gettext_lazy(
        "TIC-TAC : chaque annulation est liée à son virement et le contre-passe exactement"
    )
)
def reversals_linked() -> Iterable[str]:
    problems = []
    badly_linked = (
        Transfer.objects.filter(
            Q(kind=TransferKind.REVERSAL, reverses__isnull=True)
            | (~Q(kind=TransferKind.REVERSAL) & Q(reverses__isnull=False))
            | Q(kind=TransferKind.REVERSAL, reverses__kind=TransferKind.REVERSAL)
            | (
                Q(kind=TransferKind.REVERSAL, reverses__isnull=False)
                & ~Q(reverses__cooperation_id=F("cooperation_id"))
            )
        )
        .values_list("pk", "kind", "reverses_id", "cooperation_id", "reverses__cooperation_id")
        .order_by("pk")
    )
    total = badly_linked.count()
    for pk, kind, reverses, cooperation_id, reversed_cooperation_id in badly_linked[:LIMIT]:
        if kind != TransferKind.REVERSAL:
            problems.append(
                _(
                    "Virement n°%(pk)s : il dit en annuler un autre (n°%(r)s) sans être une annulation."
                )
                % {"pk": pk, "r": reverses}
            )
        elif reverses is None:
            problems.append(
                _("Annulation n°%(pk)s : elle n'est liée à aucun virement.") % {"pk": pk}
            )
        elif reversed_cooperation_id != cooperation_id:
            problems.append(
                _("Annulation n°%(pk)s : elle annule le virement n°%(r)s d'une autre coopération.")
                % {"pk": pk, "r": reverses}
            )
        else:
            problems.append(
                _("Annulation n°%(pk)s : elle annule une annulation (n°%(r)s).")
                % {"pk": pk, "r": reverses}
            )
    # Per account, a reversal and its original must cancel out exactly.
    pair = Coalesce(F("transfer__reverses_id"), F("transfer_id"))
    unbalanced = list(
        Entry.objects.filter(
            Q(transfer__kind=TransferKind.REVERSAL) | Q(transfer__reversed_by__isnull=False)
        )
        .values(pair_id=pair, account_ref=F("account_id"))
        .annotate(total=Sum("amount_minutes"))
        .exclude(total=0)
        .order_by("pair_id", "account_ref")
    )
    total += len(unbalanced)
    for row in unbalanced[:LIMIT]:
        problems.append(
            _(
                "Virement n°%(pk)s et son annulation : sur le compte n°%(a)s il reste %(t)s minutes "
                "au lieu de 0."
            )
            % {"pk": row["pair_id"], "a": row["account_ref"], "t": row["total"]}
        )
    yield from _listed(problems, total)


@invariant(
    gettext_lazy(
        "TIC-TAC : chaque échange confirmé a son virement du même montant, les autres aucun"
    )
)
def exchanges_match_transfers() -> Iterable[str]:
    rows = (
        Exchange.objects.filter(
            Q(status=ExchangeStatus.CONFIRMED, transfer__isnull=True)
            | (Q(status=ExchangeStatus.CONFIRMED) & ~Q(transfer__amount_minutes=F("minutes")))
            | (~Q(status=ExchangeStatus.CONFIRMED) & Q(transfer__isnull=False))
        )
        .values_list("pk", "status", "minutes", "transfer_id", "transfer__amount_minutes")
        .order_by("pk")
    )
    total = rows.count()
    problems = []
    for pk, status, minutes, transfer_id, amount in rows[:LIMIT]:
        if status != ExchangeStatus.CONFIRMED:
            problems.append(
                _("Échange n°%(pk)s (%(s)s) : il a un virement (n°%(t)s) sans être confirmé.")
                % {"pk": pk, "s": ExchangeStatus(status).label, "t": transfer_id}
            )
        elif transfer_id is None:
            problems.append(
                _("Échange n°%(pk)s : confirmé, mais aucun virement ne l'a payé.") % {"pk": pk}
            )
        else:
            problems.append(
                _("Échange n°%(pk)s : %(m)s minutes, mais son virement n°%(t)s en paie %(a)s.")
                % {"pk": pk, "m": minutes, "t": transfer_id, "a": amount}
            )
    yield from _listed(problems, total)


@invariant(gettext_lazy("TIC-TAC : chaque compte fermé a un solde nul"))
def closed_accounts_are_empty() -> Iterable[str]:
    rows = list(
        Account.objects.filter(closed_at__isnull=False)
        .exclude(balance_minutes=0)
        .select_related("person", "association")
        .order_by("pk")
    )
    yield from _listed(
        [
            _("Compte n°%(pk)s (%(who)s) : fermé, mais son solde est de %(b)s.")
            % {"pk": a.pk, "who": a, "b": format_minutes(a.balance_minutes)}
            for a in rows[:LIMIT]
        ],
        len(rows),
    )


@invariant(gettext_lazy("TIC-TAC : chaque réservation prélevée a son virement du même montant"))
def holds_consistent() -> Iterable[str]:
    rows = (
        Hold.objects.filter(
            Q(status=HoldStatus.TAKEN, transfer__isnull=True)
            | (Q(status=HoldStatus.TAKEN) & ~Q(transfer__amount_minutes=F("minutes")))
            | (~Q(status=HoldStatus.TAKEN) & Q(transfer__isnull=False))
        )
        .values_list("pk", "status")
        .order_by("pk")
    )
    for pk, status in rows[:LIMIT]:
        yield _("Réservation n°%(pk)s (%(s)s) : son virement manque ou ne correspond pas.") % {
            "pk": pk,
            "s": status,
        }
