"""TIC-TAC, the time currency: accounts, an append-only double-entry ledger in integer minutes,
holds, exchanges of services, offers and requests, and the rules each cooperation sets.

The ledger (`Transfer`, `Entry`) is append-only: a row is written once and never updated or
deleted. The code refuses it on every database (model `save`/`delete`, queryset `update`/`delete`);
on PostgreSQL triggers refuse it too (migration 0002). A correction is a reversal: a new transfer
whose entries negate the original's, linked by `Transfer.reverses`.
"""

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from coope.core.models import Association, Cooperation
from coope.people.models import Person


class AccountKind(models.TextChoices):
    """The kinds of account the time currency itself needs. The programmes that may be paid in
    hours (the shop, the bike fleet, carpools...) add theirs: the `payees` of their declaration
    (coope/core/plugins.py), so an account's `kind` is one of `account_kind_choices()`."""

    MEMBER = "member", _("Membre")
    ISSUANCE = "issuance", _("Émission")
    CHEST = "chest", _("Caisse commune")
    ASSOCIATION = "association", _("Compte de l'association")


def payee_choices() -> list[tuple[str, Any]]:
    """(code, label) of the programme accounts that may be paid in hours, as declared."""
    from coope.core.plugins import payees

    return payees()


def account_kind_choices() -> list[tuple[str, Any]]:
    """Every kind of account: the time currency's own, then the declared programme payees.

    Given to the model fields as a callable, so an app that declares a payee needs no migration."""
    return [*AccountKind.choices, *payee_choices()]


def account_kind_label(kind: str) -> str:
    """The label of a kind of account (its code when no installed app declares it any more)."""
    return str(dict(account_kind_choices()).get(kind, kind))


class _DefaultLimits(dict):
    """Limits by kind; a programme payee may not go below zero and has no upper limit."""

    def __missing__(self, kind: str) -> tuple[int | None, int | None]:
        return (0, None)


# Limits when the cooperation has set none for a category: (lower, upper), None = no limit.
# The issuance account only issues (its balance is minus every minute in circulation).
DEFAULT_LIMITS: dict[str, tuple[int | None, int | None]] = _DefaultLimits(
    {
        AccountKind.MEMBER: (-20 * 60, 100 * 60),
        AccountKind.ISSUANCE: (None, 0),
        AccountKind.CHEST: (0, None),
        AccountKind.ASSOCIATION: (None, None),
    }
)


class TimebankRules(models.Model):
    """The rules of the time currency in one cooperation (edited by directors in the admin)."""

    cooperation = models.OneToOneField(
        Cooperation, on_delete=models.PROTECT, related_name="timebank_rules"
    )
    start_credit_minutes = models.PositiveIntegerField(
        _("crédit de départ (minutes)"),
        default=900,
        help_text=_("Versé à l'ouverture d'un compte (15 h = 900)."),
    )
    membership_fee_minutes = models.PositiveIntegerField(
        _("adhésion payée en temps (minutes)"),
        default=120,
        help_text=_("Ce que coûte une adhésion payée en TIC-TAC."),
    )
    reversal_delay_days = models.PositiveIntegerField(
        _("délai d'annulation (jours)"),
        default=60,
        help_text=_("Au-delà, un virement ne peut plus être annulé."),
    )
    confirmation_delay_days = models.PositiveIntegerField(
        _("confirmation automatique (jours)"),
        default=7,
        help_text=_("Un échange non confirmé ni refusé est confirmé après ce délai."),
    )
    warning_margin_minutes = models.PositiveIntegerField(
        _("marge d'avertissement (minutes)"),
        default=120,
        help_text=_(
            "On prévient avant de confirmer quand un solde arrive à moins de cette marge d'une limite."
        ),
    )

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("règles TIC-TAC")
        verbose_name_plural = _("règles TIC-TAC")

    def __str__(self) -> str:
        return str(_("Règles TIC-TAC"))


class CategoryLimit(models.Model):
    """Lower and upper balance limits for one category of account (empty: no limit)."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("catégorie de compte"), max_length=20, choices=account_kind_choices)
    min_balance_minutes = models.IntegerField(_("solde minimum (minutes)"), null=True, blank=True)
    max_balance_minutes = models.IntegerField(_("solde maximum (minutes)"), null=True, blank=True)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("limite par catégorie")
        verbose_name_plural = _("limites par catégorie")
        constraints = [
            models.UniqueConstraint(
                fields=["cooperation", "kind"], name="timebank_categorylimit_unique"
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} : {self.min_balance_minutes} / {self.max_balance_minutes}"
        )

    def clean(self):
        """Refuse limits that accounts of the category (without their own) already pass."""
        low, high = self.min_balance_minutes, self.max_balance_minutes
        if low is not None and high is not None and low > high:
            raise ValidationError(_("La limite basse doit être sous la limite haute."))
        accounts = Account.objects.filter(
            cooperation_id=self.cooperation_id, kind=self.kind
        ).with_held()
        below = (
            accounts.filter(
                min_balance_minutes__isnull=True, balance_minutes__lt=F("held") + low
            ).count()
            if low is not None
            else 0
        )
        above = (
            accounts.filter(max_balance_minutes__isnull=True, balance_minutes__gt=high).count()
            if high is not None
            else 0
        )
        if below or above:
            raise ValidationError(
                _(
                    "%(n)s compte(s) de cette catégorie sont déjà au-delà de ces limites : "
                    "donnez-leur d'abord des limites propres, ou choisissez d'autres limites."
                )
                % {"n": below + above}
            )


def _limit_expression(bound: str):
    """The effective limit of an account: its override, else its category's, else the default."""
    category = CategoryLimit.objects.filter(
        cooperation=OuterRef("cooperation"), kind=OuterRef("kind")
    )
    defaults = Case(
        *[
            When(kind=kind, then=Value(limits[0 if bound == "min" else 1]))
            for kind, limits in DEFAULT_LIMITS.items()
        ],
        default=Value(None),
        output_field=IntegerField(),
    )
    has_category = models.Exists(category)
    return Coalesce(
        F(f"{bound}_balance_minutes"),
        Case(
            When(has_category, then=Subquery(category.values(f"{bound}_balance_minutes")[:1])),
            default=defaults,
            output_field=IntegerField(),
        ),
    )


class AccountQuerySet(models.QuerySet):
    def with_held(self):
        """Annotate `held`: the minutes reserved by holds not yet taken or released."""
        held = (
            Hold.objects.filter(account=OuterRef("pk"), status=HoldStatus.HELD)
            .order_by()
            .values("account")
        )
        return self.annotate(
            held=Coalesce(
                Subquery(
                    held.annotate(s=models.Sum("minutes")).values("s")[:1],
                    output_field=IntegerField(),
                ),
                0,
            )
        )

    def with_limits(self):
        """Annotate `low_minutes` and `high_minutes`, the limits that apply (None: no limit)."""
        return self.annotate(
            low_minutes=_limit_expression("min"), high_minutes=_limit_expression("max")
        )

    def members(self):
        return self.filter(kind=AccountKind.MEMBER)


class Account(models.Model):
    """A time account: a member's (one per person), or a system account of an association."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("catégorie"), max_length=20, choices=account_kind_choices)
    person = models.OneToOneField(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="time_account",
        verbose_name=_("personne"),
    )
    association = models.ForeignKey(
        Association,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="time_accounts",
        verbose_name=_("association"),
    )
    balance_minutes = models.IntegerField(_("solde (minutes)"), default=0, editable=False)
    min_balance_minutes = models.IntegerField(
        _("solde minimum propre (minutes)"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Vide : la limite de la catégorie."),
    )
    max_balance_minutes = models.IntegerField(
        _("solde maximum propre (minutes)"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Vide : la limite de la catégorie."),
    )
    opened_at = models.DateTimeField(_("ouvert le"), default=timezone.now)
    closed_at = models.DateTimeField(_("fermé le"), null=True, blank=True, editable=False)

    objects = ScopedManager(
        cooperation="cooperation", _manager_class=models.Manager.from_queryset(AccountQuerySet)
    )

    class Meta:
        verbose_name = _("compte temps")
        verbose_name_plural = _("comptes temps")
        ordering = ["kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="member", person__isnull=False)
                | (~Q(kind="member") & Q(person__isnull=True)),
                name="timebank_account_member_has_person",
            ),
            models.UniqueConstraint(
                fields=["association", "kind"],
                condition=Q(person__isnull=True),
                name="timebank_account_one_system_account",
            ),
        ]

    def __str__(self) -> str:
        if self.person_id:
            return str(self.person)
        return (
            f"{self.get_kind_display()} — {self.association}"
            if self.association_id
            else self.get_kind_display()
        )

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class AppendOnlyError(ValidationError):
    pass


APPEND_ONLY_MESSAGE = _(
    "Le grand livre TIC-TAC ne se modifie pas et ne s'efface pas : "
    "pour corriger, annulez le virement (il sera contre-passé)."
)


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(APPEND_ONLY_MESSAGE)

    def delete(self):
        raise AppendOnlyError(APPEND_ONLY_MESSAGE)

    # Django leaves a method marked queryset_only out of the manager (as it does QuerySet.delete);
    # a function's attributes live in its __dict__, which the type checker lets us write.
    update.__dict__["queryset_only"] = True
    delete.__dict__["queryset_only"] = True


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(APPEND_ONLY_MESSAGE)
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(APPEND_ONLY_MESSAGE)


class Category(models.Model):
    """A category of services (jardinage, informatique, couture...)."""

    # Its name names no one: it may be shown to a role that may not see people.
    names_no_one = True

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("nom"), max_length=100)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("catégorie de services")
        verbose_name_plural = _("catégories de services")
        ordering = ["name"]
        constraints = [
            # « jardinage » is « Jardinage »: one category, whatever the capitals.
            models.UniqueConstraint(
                F("cooperation"),
                Lower("name"),
                name="timebank_category_name_unique",
                violation_error_code="unique",
                violation_error_message=_(
                    "Cette catégorie existe déjà dans la coopération, aux majuscules près : "
                    "choisissez-la dans la liste ou donnez un autre nom."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name


class TransferKind(models.TextChoices):
    START_CREDIT = "start_credit", _("Crédit de départ")
    EXCHANGE = "exchange", _("Échange de services")
    TASK = "task", _("Tâche pour l'association")
    PAYMENT = "payment", _("Paiement")
    MEMBERSHIP_FEE = "membership_fee", _("Adhésion")
    TRANSFER = "transfer", _("Virement")
    CLOSING = "closing", _("Clôture de compte")
    REVERSAL = "reversal", _("Annulation")


_TRANSFER_KINDS = dict(TransferKind.choices)  # the labels stay lazy: translated when shown


class Transfer(AppendOnlyModel):
    """One movement of time: its entries sum to zero. Written once, never changed."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("nature"), max_length=20, choices=TransferKind.choices)
    amount_minutes = models.PositiveIntegerField(_("montant (minutes)"))
    idempotency_key = models.CharField(_("clé d'unicité"), max_length=120)
    content_hash = models.CharField(max_length=64)
    memo = models.CharField(_("libellé"), max_length=300, blank=True)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("catégorie"),
    )
    item_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    item_id = models.PositiveBigIntegerField(null=True, blank=True)
    item = GenericForeignKey("item_type", "item_id")
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("annule"),
    )
    reason = models.CharField(_("motif"), max_length=300, blank=True)
    # PROTECT, not SET_NULL: a ledger row is never updated, so its author's account cannot be deleted.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("le"), default=timezone.now, db_index=True)

    objects = ScopedManager(
        cooperation="cooperation", _manager_class=models.Manager.from_queryset(AppendOnlyQuerySet)
    )

    class Meta:
        verbose_name = _("virement")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperation", "idempotency_key"], name="timebank_transfer_key_unique"
            ),
            models.CheckConstraint(
                condition=Q(amount_minutes__gt=0), name="timebank_transfer_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(kind="reversal", reverses__isnull=False)
                | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                name="timebank_transfer_reversal_linked",
            ),
        ]
        indexes = [models.Index(fields=["item_type", "item_id"])]

    def __str__(self) -> str:
        # The label of its kind by a lookup (get_kind_display hashes every label, translating
        # each: a third of the Python time of a transfer, whose audit row names it).
        kind = _TRANSFER_KINDS.get(self.kind, self.kind)
        return f"{kind} n°{self.pk} ({format_minutes(self.amount_minutes)})"


class Entry(AppendOnlyModel):
    """One leg of a transfer: minutes into (positive) or out of (negative) an account."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount_minutes = models.IntegerField(_("minutes"))
    # Not a column: the account on the other side, set on the rows of a statement
    # (coope.timebank.views.statement).
    other: Account | None

    objects = ScopedManager(
        cooperation="cooperation", _manager_class=models.Manager.from_queryset(AppendOnlyQuerySet)
    )

    class Meta:
        verbose_name = _("écriture")
        ordering = ["transfer_id", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_minutes=0), name="timebank_entry_not_zero"),
            models.UniqueConstraint(
                fields=["transfer", "account"], name="timebank_entry_one_per_account"
            ),
        ]
        # A balance reads the entries of one account of one cooperation: without this index
        # SQLite takes the cooperation's index and reads every entry for each account.
        indexes = [models.Index(fields=["cooperation", "account"], name="timebank_entry_account")]

    def __str__(self) -> str:
        return f"{self.account} {self.amount_minutes:+d} min"


class HoldStatus(models.TextChoices):
    HELD = "held", _("Réservé")
    TAKEN = "taken", _("Prélevé")
    RELEASED = "released", _("Libéré")


class Hold(models.Model):
    """Minutes reserved on an account at booking time, taken or released later."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="holds")
    payee = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    minutes = models.PositiveIntegerField(_("minutes"))
    status = models.CharField(
        _("état"), max_length=10, choices=HoldStatus.choices, default=HoldStatus.HELD
    )
    idempotency_key = models.CharField(max_length=120)
    memo = models.CharField(_("libellé"), max_length=300, blank=True)
    item_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    item_id = models.PositiveBigIntegerField(null=True, blank=True)
    item = GenericForeignKey("item_type", "item_id")
    transfer = models.OneToOneField(
        Transfer, on_delete=models.PROTECT, null=True, blank=True, related_name="hold"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("réservation de temps")
        verbose_name_plural = _("réservations de temps")
        constraints = [
            models.UniqueConstraint(
                fields=["cooperation", "idempotency_key"], name="timebank_hold_key_unique"
            ),
            models.CheckConstraint(condition=Q(minutes__gt=0), name="timebank_hold_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.account} {format_minutes(self.minutes)} ({self.get_status_display()})"


class ListingKind(models.TextChoices):
    OFFER = "offer", _("Offre")
    REQUEST = "request", _("Demande")


class Listing(models.Model):
    """An offer or a request of a service by a member."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="listings")
    kind = models.CharField(_("offre ou demande"), max_length=10, choices=ListingKind.choices)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="listings", verbose_name=_("catégorie")
    )
    description = models.CharField(_("description"), max_length=300)
    active = models.BooleanField(_("en cours"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("annonce")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} : {self.description}"


class ExchangeStatus(models.TextChoices):
    PENDING = "pending", _("À confirmer")
    CONFIRMED = "confirmed", _("Confirmé")
    REFUSED = "refused", _("Refusé")


class Exchange(models.Model):
    """A service given by a provider to a receiver; the receiver confirms it (or the delay does).

    A pending exchange is the provider's payment request. Group exchanges share `group`."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        related_name="provided",
        verbose_name=_("qui a rendu le service"),
    )
    receiver = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="received", verbose_name=_("qui l'a reçu")
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="exchanges", verbose_name=_("catégorie")
    )
    description = models.CharField(_("description"), max_length=300)
    minutes = models.PositiveIntegerField(_("durée (minutes)"))
    performed_on = models.DateField(_("date du service"))
    status = models.CharField(
        _("état"), max_length=10, choices=ExchangeStatus.choices, default=ExchangeStatus.PENDING
    )
    paper_cheque = models.CharField(_("chèque temps papier n°"), max_length=40, blank=True)
    group = models.CharField(_("échange collectif"), max_length=40, blank=True)
    session = models.ForeignKey(
        "activities.Session",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("séance (atelier collectif)"),
    )
    idempotency_key = models.CharField(max_length=120)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    transfer = models.OneToOneField(
        Transfer, on_delete=models.PROTECT, null=True, blank=True, related_name="exchange"
    )

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("échange de services")
        verbose_name_plural = _("échanges de services")
        ordering = ["-performed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperation", "idempotency_key"], name="timebank_exchange_key_unique"
            ),
            models.CheckConstraint(condition=Q(minutes__gt=0), name="timebank_exchange_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} → {self.receiver} : {self.description} ({format_minutes(self.minutes)})"


class Notice(models.Model):
    """A message shown on a member's TIC-TAC page (e.g. a transfer of theirs was reversed)."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="timebank_notices")
    message = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("avis")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.message


def format_minutes(minutes: int) -> str:
    """1 h 30, -0 h 45, 15 h: how the houses write hours."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours} h {rest:02d}" if rest else f"{sign}{hours} h"
