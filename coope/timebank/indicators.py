"""Key figures of TIC-TAC, the time currency (hours are minutes / 60, one decimal).

An exchange counts on the day its transfer was recorded, unless it was reversed. The house of
an exchange is the provider's home house; a payment's association is the one paid.
"""

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from coope.lib.indicators import indicator
from coope.timebank.models import Account, AccountKind, Entry, Transfer, TransferKind

BALANCE_BANDS: list[
    tuple[str, int | None, int | None]
] = [  # label, from (inclusive), to (exclusive), in hours
    ("moins de -10 h", None, -10),
    ("-10 h à 0 h", -10, 0),
    ("0 h à 10 h", 0, 10),
    ("10 h à 20 h", 10, 20),
    ("20 h à 50 h", 20, 50),
    ("50 h et plus", 50, None),
]


def hours(minutes: int | None) -> float:
    return round((minutes or 0) / 60, 1)


def _in_period(period, field="created_at"):
    return Q(**{f"{field}__date__gte": period.start, f"{field}__date__lte": period.end})


def exchange_transfers(cooperation, period, *, association=None, house=None):
    """Exchange transfers of the period that were not reversed."""
    queryset = Transfer.objects.filter(
        _in_period(period),
        cooperation=cooperation,
        kind=TransferKind.EXCHANGE,
        reversed_by__isnull=True,
    )
    if house is not None:
        queryset = queryset.filter(exchange__provider__person__home_house=house)
    if association is not None:
        queryset = queryset.filter(exchange__provider__person__home_house__association=association)
    return queryset


def _sum_by(queryset, group) -> dict[str, float]:
    rows = queryset.values(group=F(group)).annotate(m=Sum("amount_minutes")).order_by("group")
    return {row["group"] or "inconnu": hours(row["m"]) for row in rows}


@indicator(
    "timebank.hours_exchanged",
    _("Heures échangées (TIC-TAC)"),
    unit="heures",
    records=exchange_transfers,
)
def hours_exchanged(cooperation, period, *, association=None, house=None) -> float:
    return hours(
        exchange_transfers(cooperation, period, association=association, house=house).aggregate(
            m=Sum("amount_minutes")
        )["m"]
    )


@indicator(
    "timebank.hours_by_category",
    _("Heures échangées par catégorie"),
    unit="heures",
    breakdown=True,
    records=exchange_transfers,
)
def hours_by_category(cooperation, period, *, association=None, house=None) -> dict[str, float]:
    return _sum_by(
        exchange_transfers(cooperation, period, association=association, house=house),
        "category__name",
    )


@indicator(
    "timebank.hours_by_house",
    _("Heures échangées par maison (de qui rend le service)"),
    unit="heures",
    breakdown=True,
    records=exchange_transfers,
)
def hours_by_house(cooperation, period, *, association=None, house=None) -> dict[str, float]:
    return _sum_by(
        exchange_transfers(cooperation, period, association=association, house=house),
        "exchange__provider__person__home_house__name",
    )


@indicator(
    "timebank.exchanges", _("Échanges de services"), unit="échanges", records=exchange_transfers
)
def exchanges(cooperation, period, *, association=None, house=None) -> int:
    return exchange_transfers(cooperation, period, association=association, house=house).count()


def member_accounts(cooperation, *, association=None, house=None):
    queryset = Account.objects.filter(cooperation=cooperation, kind=AccountKind.MEMBER)
    if house is not None:
        queryset = queryset.filter(person__home_house=house)
    if association is not None:
        queryset = queryset.filter(person__home_house__association=association)
    return queryset


def active_account_records(cooperation, period, *, association=None, house=None):
    """Member accounts that gave or received a service in the period."""
    transfers = exchange_transfers(cooperation, period)
    return member_accounts(cooperation, association=association, house=house).filter(
        pk__in=Entry.objects.filter(transfer__in=transfers).values("account")
    )


@indicator(
    "timebank.active_accounts",
    _("Comptes actifs (au moins un échange)"),
    unit="comptes",
    records=active_account_records,
)
def active_accounts(cooperation, period, *, association=None, house=None) -> int:
    return active_account_records(cooperation, period, association=association, house=house).count()


def new_member_records(cooperation, period, *, association=None, house=None):
    return member_accounts(cooperation, association=association, house=house).filter(
        _in_period(period, "opened_at")
    )


@indicator(
    "timebank.new_members",
    _("Nouveaux membres de la monnaie-temps"),
    unit="personnes",
    records=new_member_records,
)
def new_members(cooperation, period, *, association=None, house=None) -> int:
    return new_member_records(cooperation, period, association=association, house=house).count()


def paid_entries(cooperation, period, *, association=None, house=None):
    """Credits of programme accounts by payments and membership fees of the period, not reversed."""
    queryset = Entry.objects.filter(
        cooperation=cooperation,
        amount_minutes__gt=0,
        transfer__reversed_by__isnull=True,
        transfer__kind__in=[TransferKind.PAYMENT, TransferKind.MEMBERSHIP_FEE],
        transfer__created_at__date__gte=period.start,
        transfer__created_at__date__lte=period.end,
    )
    if house is not None:
        association = house.association
    if association is not None:
        queryset = queryset.filter(account__association=association)
    return queryset


def paid_transfers(cooperation, period, *, association=None, house=None):
    return Transfer.objects.filter(
        pk__in=paid_entries(cooperation, period, association=association, house=house).values(
            "transfer"
        )
    )


PROGRAMME = Case(
    When(transfer__kind=TransferKind.MEMBERSHIP_FEE, then=Value("Adhésions")),
    *[When(account__kind=kind, then=Value(str(label))) for kind, label in AccountKind.choices],
    output_field=CharField(),
)


@indicator(
    "timebank.hours_paid_by_programme",
    _("Heures payées pour des biens et services, par programme"),
    unit="heures",
    breakdown=True,
    records=paid_transfers,
)
def hours_paid_by_programme(
    cooperation, period, *, association=None, house=None
) -> dict[str, float]:
    rows = (
        paid_entries(cooperation, period, association=association, house=house)
        .values(group=PROGRAMME)
        .annotate(m=Sum("amount_minutes"))
        .order_by("group")
    )
    return {row["group"]: hours(row["m"]) for row in rows}


def _balance_at_end(period):
    return Coalesce(
        Subquery(
            Entry.objects.filter(account=OuterRef("pk"), transfer__created_at__date__lte=period.end)
            .order_by()
            .values("account")
            .annotate(s=Sum("amount_minutes"))
            .values("s")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def balance_spread_records(cooperation, period, *, association=None, house=None):
    """Member accounts open at the end of the period, with their balance on that day."""
    return (
        member_accounts(cooperation, association=association, house=house)
        .filter(opened_at__date__lte=period.end)
        .exclude(closed_at__date__lte=period.end)
        .annotate(balance_at_end=_balance_at_end(period))
    )


@indicator(
    "timebank.balance_spread",
    _("Répartition des soldes en fin de période"),
    unit="comptes",
    breakdown=True,
    records=balance_spread_records,
)
def balance_spread(cooperation, period, *, association=None, house=None) -> dict[str, int]:
    whens = []
    for label, low, high in BALANCE_BANDS:
        condition = Q()
        if low is not None:
            condition &= Q(balance_at_end__gte=low * 60)
        if high is not None:
            condition &= Q(balance_at_end__lt=high * 60)
        whens.append(When(condition, then=Value(label)))
    rows = (
        balance_spread_records(cooperation, period, association=association, house=house)
        .values(band=Case(*whens, output_field=CharField()))
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {row["band"]: row["n"] for row in rows}
    return {label: counts[label] for label, _low, _high in BALANCE_BANDS if label in counts}
