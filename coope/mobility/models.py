"""The mobility programme: the fleet (e-bikes, rosalies, trailers) and its bookings and loans,
maintenance, the group purchase of e-bikes paid in instalments, rides and the cycling school.

Money is in cents, time currency in minutes, distances in whole kilometres. Dated facts are
closed, never deleted: a downtime has its end, a booking is cancelled or returned, a plan's
schedule and payments stay as they were written.

The database refuses two overlapping bookings of one unit: on PostgreSQL an exclusion
constraint on the unit and the range from the start to `blocked_until` (the end plus the
cooperation's buffer between loans), created by migration 0002 on PostgreSQL only; on SQLite
the booking service checks under the database's write lock (see services.book_unit).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from coope.core.models import Cooperation, House
from coope.people.models import Person

MOBILITY = "mobility"  # the programme's code (activities, volunteer hours)
OVERLAP_CONSTRAINT = "mobility_booking_no_overlap"


class Rules(models.Model):
    """A cooperation's lending rules (created with the defaults the first time)."""

    cooperation = models.OneToOneField(
        Cooperation, on_delete=models.PROTECT, related_name="mobility_rules"
    )
    max_booking_minutes = models.PositiveIntegerField(
        _("durée maximale d'une réservation (minutes)"), default=7 * 24 * 60
    )
    buffer_minutes = models.PositiveIntegerField(
        _("battement entre deux prêts (minutes)"), default=60
    )
    minutes_per_day = models.PositiveIntegerField(
        _("prix d'une journée de prêt (minutes de TIC-TAC)"), default=60
    )
    deposit_cents = models.PositiveIntegerField(_("caution (centimes)"), default=15000)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("règles de prêt")
        verbose_name_plural = _("règles de prêt")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class UnitKind(models.TextChoices):
    EBIKE = "ebike", _("Vélo à assistance électrique")
    ROSALIE = "rosalie", _("Rosalie électrifiée")
    TRAILER = "trailer", _("Remorque")


class UnitState(models.TextChoices):
    AVAILABLE = "available", _("Disponible")
    MAINTENANCE = "maintenance", _("En entretien")
    OUT_OF_SERVICE = "out_of_service", _("Hors service")


class Unit(models.Model):
    """One vehicle of the fleet, kept at a house. `state` is the open downtime's kind (or
    available): the downtimes are the dated record, the state their summary."""

    names_no_one = True
    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("type"), max_length=10, choices=UnitKind.choices)
    name = models.CharField(_("nom"), max_length=100)
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="+", verbose_name=_("maison")
    )
    state = models.CharField(
        _("état"), max_length=15, choices=UnitState.choices, default=UnitState.AVAILABLE
    )
    odometer_km = models.PositiveIntegerField(_("compteur (km)"), default=0)
    battery_cycles = models.PositiveIntegerField(_("cycles de batterie"), default=0)
    in_service_on = models.DateField(_("en service depuis le"))
    retired_on = models.DateField(_("retiré le"), null=True, blank=True)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("véhicule")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["cooperation", "name"], name="mobility_unit_name"),
            models.CheckConstraint(
                condition=Q(retired_on__isnull=True) | Q(retired_on__gte=F("in_service_on")),
                name="mobility_unit_retired_after_service",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} « {self.name} »"


class DocumentKind(models.TextChoices):
    INSURANCE = "insurance", _("Assurance")
    INVOICE = "invoice", _("Facture")
    OTHER = "other", _("Autre")


class UnitDocument(models.Model):
    """A paper of a unit (insurance, invoice), by its date; the file's name when it is kept."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("type"), max_length=10, choices=DocumentKind.choices)
    date = models.DateField(_("date"))
    file_name = models.CharField(_("fichier"), max_length=200, blank=True)
    note = models.CharField(_("remarque"), max_length=300, blank=True)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("document")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date:%d/%m/%Y}"


class Downtime(models.Model):
    """A unit in maintenance or out of service, from one day until it is put back (open: no end)."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="downtimes")
    kind = models.CharField(
        _("type"),
        max_length=15,
        choices=[c for c in UnitState.choices if c[0] != UnitState.AVAILABLE],
    )
    starts_on = models.DateField(_("du"))
    ends_on = models.DateField(_("au"), null=True, blank=True)
    reason = models.CharField(_("raison"), max_length=300, blank=True)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("indisponibilité")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="mobility_downtime_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(ends_on__isnull=True),
                name="mobility_one_open_downtime",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_on:%d/%m/%Y}"


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("Réservé")
    OUT = "out", _("Sorti")
    RETURNED = "returned", _("Rendu")
    CANCELLED = "cancelled", _("Annulé")


# The bookings that hold their unit's time (the exclusion constraint's condition).
HOLDING = (BookingStatus.BOOKED, BookingStatus.OUT)


class Payment(models.TextChoices):
    HOURS = "hours", _("En heures (TIC-TAC)")
    EUROS = "euros", _("En euros")
    FREE = "free", _("Gratuit")


class Booking(models.Model):
    """A unit reserved for a person from `starts_at` to `ends_at`; the unit stays blocked until
    `blocked_until` (the end plus the buffer between loans, fixed when booked)."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="bookings")
    borrower = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="mobility_bookings")
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    blocked_until = models.DateTimeField(_("bloqué jusqu'à"))
    status = models.CharField(
        _("état"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.BOOKED
    )
    payment = models.CharField(_("paiement"), max_length=5, choices=Payment.choices)
    price_minutes = models.PositiveIntegerField(_("prix (minutes)"), default=0)
    price_cents = models.PositiveIntegerField(_("prix (centimes)"), default=0)
    hold = models.OneToOneField(
        "timebank.Hold", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("réservation")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["unit", "starts_at"], name="mobility_booking_unit_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="mobility_booking_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(blocked_until__gte=F("ends_at")),
                name="mobility_booking_blocked_after_end",
            ),
            models.CheckConstraint(
                condition=(
                    Q(payment="hours", price_minutes__gt=0, price_cents=0)
                    | Q(payment="euros", price_minutes=0)
                    | Q(payment="free", price_minutes=0, price_cents=0)
                ),
                name="mobility_booking_price_matches_payment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} n°{self.pk}"

    def is_overdue(self, now=None) -> bool:
        return self.status == BookingStatus.OUT and self.ends_at < (now or timezone.now())


class Loan(models.Model):
    """A booking's unit out and back: checked out with a checklist and a deposit, checked in
    with a checklist, the odometer and any damage. `distance_km` and `minutes_paid` are fixed at
    check-in."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="loan")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="loans")
    borrower = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="mobility_loans")
    out_at = models.DateTimeField(_("sorti le"), db_index=True)
    out_checklist = models.JSONField(_("état au départ"), default=dict)
    deposit_cents = models.PositiveIntegerField(_("caution (centimes)"), default=0)
    km_out = models.PositiveIntegerField(_("compteur au départ (km)"))
    in_at = models.DateTimeField(_("rendu le"), null=True, blank=True)
    in_checklist = models.JSONField(_("état au retour"), default=dict)
    km_in = models.PositiveIntegerField(_("compteur au retour (km)"), null=True, blank=True)
    distance_km = models.PositiveIntegerField(_("distance (km)"), default=0)
    duration_minutes = models.PositiveIntegerField(_("durée (minutes)"), default=0)
    days = models.PositiveIntegerField(_("jours commencés"), default=0)
    damage = models.CharField(_("dégâts"), max_length=500, blank=True)
    minutes_paid = models.PositiveIntegerField(_("payé (minutes)"), default=0)
    cents_paid = models.PositiveIntegerField(_("payé (centimes)"), default=0)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("prêt")
        ordering = ["-out_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(km_in__isnull=True) | Q(km_in__gte=F("km_out")),
                name="mobility_loan_km_forward",
            ),
            models.CheckConstraint(
                condition=Q(in_at__isnull=True) | Q(in_at__gte=F("out_at")),
                name="mobility_loan_back_after_out",
            ),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} n°{self.pk}"


class MaintenanceRule(models.Model):
    """When a unit is due for maintenance: every N km, every N months, after each loan (any of
    them). A due rule blocks the unit's loans until a maintenance is recorded."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="rules")
    label = models.CharField(_("entretien"), max_length=200)
    every_km = models.PositiveIntegerField(_("tous les … km"), null=True, blank=True)
    every_months = models.PositiveIntegerField(_("tous les … mois"), null=True, blank=True)
    after_each_loan = models.BooleanField(_("après chaque prêt"), default=False)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("règle d'entretien")
        ordering = ["unit", "label"]
        constraints = [
            models.CheckConstraint(
                condition=Q(every_km__gt=0) | Q(every_months__gt=0) | Q(after_each_loan=True),
                name="mobility_rule_has_a_trigger",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class MaintenanceEvent(models.Model):
    """A maintenance done on a unit (for a rule, or a repair), at an odometer reading."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="maintenance")
    rule = models.ForeignKey(
        MaintenanceRule, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    done_at = models.DateTimeField(_("fait le"))
    odometer_km = models.PositiveIntegerField(_("compteur (km)"))
    note = models.CharField(_("ce qui a été fait"), max_length=500, blank=True)
    cost_cents = models.PositiveIntegerField(_("coût (centimes)"), default=0)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("entretien")
        ordering = ["-done_at", "-pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.done_at:%d/%m/%Y}"


# -- the group purchase --------------------------------------------------------------------------


class GroupPurchase(models.Model):
    """E-bikes bought together from one supplier; each buyer pays through a plan. The supplier's
    invoice equals the plans' prices to the cent (services.reconciliation)."""

    names_no_one = True
    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("achat groupé"), max_length=200)
    supplier = models.CharField(_("fournisseur"), max_length=200)
    ordered_on = models.DateField(_("commandé le"))
    invoice_number = models.CharField(_("n° de facture"), max_length=50, blank=True)
    invoice_total_cents = models.PositiveIntegerField(
        _("total de la facture (centimes)"), null=True, blank=True
    )

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("achat groupé")
        ordering = ["-ordered_on", "pk"]

    def __str__(self) -> str:
        return self.name


class Remainder(models.TextChoices):
    LAST = "last", _("sur la dernière échéance")
    FIRST = "first", _("sur la première échéance")


class PurchasePlan(models.Model):
    """A buyer's e-bike: its price, a deposit and n monthly instalments. The schedule
    (`Instalment` rows, the deposit as number 0) adds up to the price to the cent; the cents that
    do not divide evenly go on the last (or the first) monthly instalment, as `remainder_on` says."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    purchase = models.ForeignKey(GroupPurchase, on_delete=models.PROTECT, related_name="plans")
    buyer = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="mobility_plans")
    signed_on = models.DateField(_("signé le"), db_index=True)
    price_cents = models.PositiveIntegerField(_("prix (centimes)"))
    deposit_cents = models.PositiveIntegerField(_("acompte (centimes)"), default=0)
    instalments = models.PositiveIntegerField(_("nombre de mensualités"))
    first_due_on = models.DateField(_("première mensualité le"))
    remainder_on = models.CharField(
        _("centimes restants"), max_length=5, choices=Remainder.choices, default=Remainder.LAST
    )

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("plan de paiement")
        verbose_name_plural = _("plans de paiement")
        ordering = ["signed_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(price_cents__gt=0), name="mobility_plan_price"),
            models.CheckConstraint(
                condition=Q(deposit_cents__lte=F("price_cents")), name="mobility_plan_deposit"
            ),
            models.CheckConstraint(
                condition=Q(instalments__gte=1, instalments__lte=60),
                name="mobility_plan_instalments",
            ),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} n°{self.pk}"


class Instalment(models.Model):
    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(PurchasePlan, on_delete=models.PROTECT, related_name="schedule")
    number = models.PositiveIntegerField(_("n°"))  # 0: the deposit
    due_on = models.DateField(_("échéance"))
    amount_cents = models.PositiveIntegerField(_("montant (centimes)"))

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("échéance")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="mobility_instalment_number")
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.number}"


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Espèces")
    CHEQUE = "cheque", _("Chèque")
    TRANSFER = "transfer", _("Virement")


class PlanPayment(models.Model):
    """Money received against a plan; it pays the schedule in order (the oldest due first)."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(PurchasePlan, on_delete=models.PROTECT, related_name="payments")
    paid_on = models.DateField(_("payé le"))
    amount_cents = models.PositiveIntegerField(_("montant (centimes)"))
    method = models.CharField(_("moyen"), max_length=10, choices=PaymentMethod.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("versement")
        ordering = ["paid_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_cents__gt=0), name="mobility_payment_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} n°{self.pk}"


# -- rides and the cycling school -----------------------------------------------------------------


class RidePurpose(models.TextChoices):
    SHOPPING = "shopping", _("Courses")
    VISIT = "visit", _("Visite")
    DELIVERY = "delivery", _("Livraison")
    HEALTH = "health", _("Rendez-vous santé")


class RideStatus(models.TextChoices):
    REQUESTED = "requested", _("Demandé")
    DONE = "done", _("Fait")
    CANCELLED = "cancelled", _("Annulé")


class Ride(models.Model):
    """A ride asked by a person: served by a rosalie (a rider) or a volunteer driver, with its
    passengers; paid in hours or free. The driver's time is recorded as volunteer hours."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(_("motif"), max_length=10, choices=RidePurpose.choices)
    requested_by = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="mobility_rides",
        verbose_name=_("demandé par"),
    )
    date = models.DateField(_("date"), db_index=True)
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="+", verbose_name=_("maison")
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rides",
        verbose_name=_("rosalie"),
    )
    driver = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mobility_drives",
        verbose_name=_("conducteur·rice ou pilote"),
    )
    passengers = models.ManyToManyField(Person, related_name="mobility_passenger_of", blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=RideStatus.choices, default=RideStatus.REQUESTED
    )
    payment = models.CharField(
        _("paiement"),
        max_length=5,
        choices=[c for c in Payment.choices if c[0] != "euros"],
        default=Payment.FREE,
    )
    price_minutes = models.PositiveIntegerField(_("prix (minutes)"), default=0)
    duration_minutes = models.PositiveIntegerField(_("temps du bénévole (minutes)"), default=0)
    transfer = models.ForeignKey(
        "timebank.Transfer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("remarque"), max_length=300, blank=True)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("trajet")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(payment="hours", price_minutes__gt=0)
                | Q(payment="free", price_minutes=0),
                name="mobility_ride_price_matches_payment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} n°{self.pk}"


class Level(models.TextChoices):
    BEGINNER = "beginner", _("N'a jamais roulé")
    BALANCE = "balance", _("Tient l'équilibre")
    PEDALS = "pedals", _("Pédale et freine")
    TRAFFIC = "traffic", _("Roule dans la circulation")
    AUTONOMOUS = "autonomous", _("Autonome")


class Progress(models.Model):
    """A learner's level noted at a cycle of the cycling school, on a day (the latest is where
    they stand; earlier notes stay)."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    cycle = models.ForeignKey(
        "activities.Activity", on_delete=models.PROTECT, related_name="+", verbose_name=_("cycle")
    )
    learner = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="mobility_progress")
    noted_on = models.DateField(_("le"))
    level = models.CharField(_("niveau"), max_length=12, choices=Level.choices)
    note = models.CharField(_("remarque"), max_length=300, blank=True)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("progrès")
        verbose_name_plural = _("progrès")
        ordering = ["learner", "-noted_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_level_display()} ({self.noted_on:%d/%m/%Y})"
