"""Key figures of TIC-TAC, the time currency (values in minutes, shown in hours).

An exchange counts on the day its transfer was recorded, unless it was reversed. The house of
an exchange is the provider's home house during the period; a payment's association is the one
paid.
"""

from django.db.models import (
    Case,
    CharField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from coope.core.models import House
from coope.lib.indicators import (
    Breakdown,
    Rows,
    Scope,
    Total,
    Unit,
    choice_labels,
    indicator,
    labels_of,
)
from coope.lib.periods import Period
from coope.people.history import home_house_during, of_home_house
from coope.timebank.models import (
    Account,
    AccountKind,
    Category,
    Entry,
    Transfer,
    TransferKind,
    account_kind_label,
)

HOUSES = {"association", "house"}
TRANSFER_FIELDS = ("created_at", "kind", "category", "amount_minutes")
ACCOUNT_FIELDS = ("kind", "opened_at", "closed_at")
ENTRY_FIELDS = ("amount_minutes",)

# code, label, from (inclusive), to (exclusive), in hours
BALANCE_BANDS: list[tuple[str, str, int | None, int | None]] = [
    ("below-10", "moins de -10 h", None, -10),
    ("-10to0", "-10 h à 0 h", -10, 0),
    ("0to10", "0 h à 10 h", 0, 10),
    ("10to20", "10 h à 20 h", 10, 20),
    ("20to50", "20 h à 50 h", 20, 50),
    ("50plus", "50 h et plus", 50, None),
]
MEMBERSHIP_FEES = "membership_fee"


def _in_period(period: Period, field: str = "created_at") -> Q:
    start, after = period.moments()
    return Q(**{f"{field}__gte": start, f"{field}__lt": after})


def exchange_transfers(scope: Scope) -> QuerySet[Transfer]:
    """Exchange transfers of the period that were not reversed."""
    queryset = Transfer.objects.filter(
        _in_period(scope.period),
        cooperation=scope.cooperation,
        kind=TransferKind.EXCHANGE,
        reversed_by__isnull=True,
    )
    return of_home_house(
        queryset,
        scope.period,
        "exchange__provider__person",
        house=scope.house,
        association=scope.association,
    )


@indicator(
    "timebank.hours_exchanged",
    _("Heures échangées (TIC-TAC)"),
    unit=Unit.MINUTES,
    measure=Total("amount_minutes"),
    dimensions=HOUSES,
    public_fields=TRANSFER_FIELDS,
)
def hours_exchanged(scope: Scope) -> QuerySet[Transfer]:
    return exchange_transfers(scope)


@indicator(
    "timebank.hours_by_category",
    _("Heures échangées par catégorie"),
    unit=Unit.MINUTES,
    measure=Total("amount_minutes"),
    breakdown=Breakdown("category", labels=labels_of(Category)),
    dimensions=HOUSES,
    public_fields=TRANSFER_FIELDS,
)
def hours_by_category(scope: Scope) -> QuerySet[Transfer]:
    return exchange_transfers(scope)


@indicator(
    "timebank.hours_by_house",
    _("Heures échangées par maison (de qui rend le service)"),
    unit=Unit.MINUTES,
    measure=Total("amount_minutes"),
    breakdown=Breakdown("provider_house", labels=labels_of(House)),
    dimensions=HOUSES,
    public_fields=TRANSFER_FIELDS,
)
def hours_by_house(scope: Scope) -> QuerySet[Transfer]:
    return exchange_transfers(scope).annotate(
        provider_house=home_house_during(scope.period, "exchange__provider__person")
    )


@indicator(
    "timebank.exchanges",
    _("Échanges de services"),
    unit=Unit.EXCHANGES,
    measure=Rows(),
    dimensions=HOUSES,
    public_fields=TRANSFER_FIELDS,
)
def exchanges(scope: Scope) -> QuerySet[Transfer]:
    return exchange_transfers(scope)


def member_accounts(scope: Scope) -> QuerySet[Account]:
    queryset = Account.objects.filter(cooperation=scope.cooperation, kind=AccountKind.MEMBER)
    return of_home_house(
        queryset, scope.period, "person", house=scope.house, association=scope.association
    )


@indicator(
    "timebank.active_accounts",
    _("Comptes actifs (au moins un échange)"),
    unit=Unit.ACCOUNTS,
    measure=Rows(),
    dimensions=HOUSES,
    public_fields=ACCOUNT_FIELDS,
)
def active_accounts(scope: Scope) -> QuerySet[Account]:
    """Member accounts that gave or received a service in the period."""
    whole = Scope(scope.cooperation, scope.period)
    transfers = exchange_transfers(whole)
    return member_accounts(scope).filter(
        pk__in=Entry.objects.filter(transfer__in=transfers).values("account")
    )


@indicator(
    "timebank.new_members",
    _("Nouveaux membres de la monnaie-temps"),
    unit=Unit.PERSONS,
    measure=Rows(),
    dimensions=HOUSES,
    public_fields=ACCOUNT_FIELDS,
)
def new_members(scope: Scope) -> QuerySet[Account]:
    return member_accounts(scope).filter(_in_period(scope.period, "opened_at"))


def paid_entries(scope: Scope) -> QuerySet[Entry]:
    """Credits of programme accounts by payments and membership fees of the period, not reversed."""
    period = scope.period
    queryset = Entry.objects.filter(
        _in_period(period, "transfer__created_at"),
        cooperation=scope.cooperation,
        amount_minutes__gt=0,
        transfer__reversed_by__isnull=True,
        transfer__kind__in=[TransferKind.PAYMENT, TransferKind.MEMBERSHIP_FEE],
    )
    if scope.association is not None:
        queryset = queryset.filter(account__association=scope.association)
    return queryset


PROGRAMME = Case(
    When(transfer__kind=TransferKind.MEMBERSHIP_FEE, then=Value(MEMBERSHIP_FEES)),
    default="account__kind",
    output_field=CharField(),
)


@indicator(
    "timebank.hours_paid_by_programme",
    _("Heures payées pour des biens et services, par programme"),
    unit=Unit.MINUTES,
    measure=Total("amount_minutes"),
    dimensions={"association"},  # a payment is to an association, not to one of its houses
    breakdown=Breakdown(
        PROGRAMME,
        labels=lambda scope, codes: {
            code: str(_("Adhésions")) if code == MEMBERSHIP_FEES else account_kind_label(code)
            for code in codes
        },
    ),
    public_fields=ENTRY_FIELDS,
)
def hours_paid_by_programme(scope: Scope) -> QuerySet[Entry]:
    return paid_entries(scope).select_related("transfer", "account")


def _balance_at_end(period: Period) -> Coalesce:
    return Coalesce(
        Subquery(
            # A bound on the timestamp itself (not on its date) keeps the index usable.
            Entry.objects.filter(
                account=OuterRef("pk"), transfer__created_at__lt=period.moments()[1]
            )
            .order_by()
            .values("account")
            .annotate(s=Sum("amount_minutes"))
            .values("s")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def _band() -> Case:
    """The band of the balance: the bands are in order, so each test is one bound (the balance
    subquery is written once per test, as few times as can be)."""
    *lower, (last, *_rest) = BALANCE_BANDS
    whens = [
        When(balance_at_end__lt=high * 60, then=Value(code))
        for code, _l, _lo, high in lower
        if high is not None
    ]
    return Case(*whens, default=Value(last), output_field=CharField())


@indicator(
    "timebank.balance_spread",
    _("Répartition des soldes en fin de période"),
    unit=Unit.ACCOUNTS,
    measure=Rows(),
    dimensions=HOUSES,
    public_fields=ACCOUNT_FIELDS,
    breakdown=Breakdown(
        "band",
        labels=choice_labels([(code, label) for code, label, _l, _h in BALANCE_BANDS]),
        codes=lambda: [code for code, _label, _l, _h in BALANCE_BANDS],  # lowest first
    ),
)
def balance_spread(scope: Scope) -> QuerySet[Account]:
    """Member accounts open at the end of the period, with their balance on that day."""
    period = scope.period
    return (
        member_accounts(scope)
        .filter(opened_at__lt=period.moments()[1])
        .exclude(closed_at__lt=period.moments()[1])
        .annotate(balance_at_end=_balance_at_end(period))
        .annotate(band=_band())
    )
