"""The shared membership: each cooperation's rules, periods, fee rules, memberships and cards."""

import calendar
import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from coope.core.models import Cooperation, House
from coope.people.models import Household, Person

MAX_FEE_CENTS = 10_000 * 100  # a fee of 10 000 € or more is a typing mistake


class Scheme(models.TextChoices):
    CALENDAR = "calendar", _("Année civile (du 1er janvier au 31 décembre)")
    SCHOOL_YEAR = "school_year", _("Année scolaire (de septembre, ou d'un autre mois, à l'été)")
    ROLLING = "rolling", _("De date à date (un nombre de mois à partir du jour de l'adhésion)")


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the last day of that month when it has fewer days."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


class MembershipRules(models.Model):
    """How long a membership lasts in one cooperation, and when next period's is offered.

    Periods carry the fee grid; a membership belongs to one period (the one whose fees it paid)
    but keeps its own validity: to the period's end (calendar or school year), or `length_months`
    from the day it was taken (rolling, whose fee periods are calendar years). In the last
    `offer_weeks` of a period, the front desk offers the next one rather than a few weeks at the
    full fee. Created with the defaults the first time it is read (`services.rules_of`)."""

    cooperation = models.OneToOneField(
        Cooperation, on_delete=models.PROTECT, related_name="membership_rules"
    )
    scheme = models.CharField(
        _("durée de l'adhésion"), max_length=20, choices=Scheme.choices, default=Scheme.CALENDAR
    )
    start_month = models.PositiveSmallIntegerField(
        _("premier mois de l'année scolaire"),
        default=9,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("Pour l'année scolaire : septembre = de septembre à août."),
    )
    length_months = models.PositiveSmallIntegerField(
        _("durée en mois"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
        help_text=_("Pour « de date à date » : 12 = valable un an à partir du jour de l'adhésion."),
    )
    offer_weeks = models.PositiveSmallIntegerField(
        _("semaines avant la fin où la période suivante est proposée"),
        default=6,
        validators=[MaxValueValidator(26)],
        help_text=_(
            "6 : à partir de mi-novembre pour une année civile, l'accueil propose l'année "
            "suivante, valable dès le jour de l'adhésion. 0 : jamais."
        ),
    )

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("règles d'adhésion")
        verbose_name_plural = _("règles d'adhésion")
        constraints = [
            models.CheckConstraint(
                condition=Q(start_month__gte=1, start_month__lte=12), name="rules_start_month"
            ),
            models.CheckConstraint(
                condition=Q(length_months__gte=1, length_months__lte=36), name="rules_length"
            ),
            models.CheckConstraint(condition=Q(offer_weeks__lte=26), name="rules_offer_weeks"),
        ]

    def __str__(self) -> str:
        return str(_("Règles d'adhésion"))

    def bounds_on(self, day: datetime.date) -> tuple[datetime.date, datetime.date]:
        """The first and last day of the period the rule gives to `day` (before any clipping
        against the periods that exist)."""
        first_month = self.start_month if self.scheme == Scheme.SCHOOL_YEAR else 1
        year = day.year if day.month >= first_month else day.year - 1
        start = datetime.date(year, first_month, 1)
        return start, add_months(start, 12) - datetime.timedelta(days=1)

    def valid_until(self, period: "MembershipPeriod", valid_from: datetime.date) -> datetime.date:
        """The last day of a membership of `period` that starts on `valid_from`."""
        if self.scheme == Scheme.ROLLING:
            later = add_months(valid_from, self.length_months)
            if later.day != valid_from.day:  # 31 January + 1 month: to the end of February
                return later
            return later - datetime.timedelta(days=1)
        return period.end

    def opens_on(self, period: "MembershipPeriod") -> datetime.date:
        """The first day a membership of `period` may be taken: its start, or earlier when the
        period is offered in the last weeks of the one before."""
        return period.start - datetime.timedelta(weeks=self.offer_weeks)

    def offers_next(self, period: "MembershipPeriod", day: datetime.date) -> bool:
        """Whether `day` is in the last weeks of `period`, when the next one is offered."""
        return period.end - datetime.timedelta(weeks=self.offer_weeks) < day <= period.end


class MembershipPeriod(models.Model):
    """A membership year (or season) of the cooperation, e.g. 2018 or Sept 2018 – Aug 2019."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("nom"), max_length=60)
    start = models.DateField(_("début"))
    end = models.DateField(_("fin"))

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("période d'adhésion")
        verbose_name_plural = _("périodes d'adhésion")
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="period_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name


class MemberKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individuelle")
    HOUSEHOLD = "household", _("Familiale (foyer)")


class FeeRule(models.Model):
    """One tier of the fee grid: for a kind of membership and a range of family quotient."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(MembershipPeriod, on_delete=models.CASCADE, related_name="fee_rules")
    kind = models.CharField(_("type d'adhésion"), max_length=20, choices=MemberKind.choices)
    quotient_min = models.PositiveIntegerField(_("QF à partir de (€)"), null=True, blank=True)
    quotient_max = models.PositiveIntegerField(_("QF jusqu'à (€)"), null=True, blank=True)
    amount_cents = models.PositiveIntegerField(
        _("montant (centimes)"),
        help_text=_("0 pour une adhésion gratuite."),
        validators=[MaxValueValidator(MAX_FEE_CENTS - 1)],
    )
    label = models.CharField(_("libellé"), max_length=100, blank=True)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("tarif d'adhésion")
        verbose_name_plural = _("tarifs d'adhésion")
        ordering = ["period", "kind", "quotient_min"]

    def __str__(self) -> str:
        return self.label or f"{self.get_kind_display()} {self.amount_cents / 100:.2f} €"

    def matches(self, quotient: int | None) -> bool:
        if quotient is None:
            # Without a known quotient, the open-ended (highest) tier applies.
            return self.quotient_max is None
        low_ok = self.quotient_min is None or quotient >= self.quotient_min
        high_ok = self.quotient_max is None or quotient <= self.quotient_max
        return low_ok and high_ok


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Espèces")
    CHEQUE = "cheque", _("Chèque")
    CARD = "card", _("Carte bancaire")
    TRANSFER = "transfer", _("Virement")
    FREE = "free", _("Gratuit")
    TIME = "time", _("Monnaie-temps (TIC-TAC)")


class MembershipQuerySet(models.QuerySet):
    def overlapping(self, start: datetime.date, end: datetime.date):
        return self.filter(valid_from__lte=end, valid_until__gte=start)

    def valid_on(self, day: datetime.date):
        return self.overlapping(day, day)


class Membership(models.Model):
    """A paid membership of a person or of a household, valid in every house."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(
        MembershipPeriod, on_delete=models.PROTECT, related_name="memberships"
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("prise à")
    )
    card_number = models.CharField(_("numéro de carte"), max_length=30)
    fee_cents = models.PositiveIntegerField(_("montant payé (centimes)"))
    payment_method = models.CharField(_("paiement"), max_length=20, choices=PaymentMethod.choices)
    valid_from = models.DateField(_("valable du"))
    valid_until = models.DateField(_("valable jusqu'au"))
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(
        cooperation="cooperation", _manager_class=models.Manager.from_queryset(MembershipQuerySet)
    )

    class Meta:
        verbose_name = _("adhésion")
        ordering = ["-valid_from", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperation", "card_number"], name="membership_card_unique"
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False, household__isnull=True)
                | Q(person__isnull=True, household__isnull=False),
                name="membership_person_xor_household",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")),
                name="membership_ends_after_start",
            ),
        ]
        indexes = [
            # By end date, ties by id: the renewals list's pages read in index order and stop.
            models.Index(fields=["cooperation", "valid_until", "id"], name="membership_until_id"),
            # A holder's memberships, latest last: the person record, the household record and
            # the renewals list's « no later membership » are each served by one of these.
            models.Index(
                fields=["cooperation", "person", "valid_until"], name="membership_person_until"
            ),
            models.Index(
                fields=["cooperation", "household", "valid_until"],
                name="membership_household_until",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.card_number} — {self.holder}"

    @property
    def holder(self):
        return self.person or self.household

    @property
    def kind(self) -> str:
        return MemberKind.INDIVIDUAL if self.person_id else MemberKind.HOUSEHOLD

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day <= self.valid_until
