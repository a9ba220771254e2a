"""The shared membership: periods, fee rules set by each cooperation, memberships and cards."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from coope.core.models import Cooperation, House
from coope.people.models import Household, Person


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
        _("montant (centimes)"), help_text=_("0 pour une adhésion gratuite.")
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
        indexes = [models.Index(fields=["cooperation", "valid_until"])]

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
