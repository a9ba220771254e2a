"""Activities, their dated sessions, registrations, attendance and headcounts."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from coope.core.models import Cooperation, House, ProjectGroup
from coope.core.plugins import validate_programme
from coope.people.models import Person


class ActivityKind(models.TextChoices):
    WORKSHOP = "workshop", _("Atelier")
    OUTING = "outing", _("Sortie")
    SHOW = "show", _("Spectacle")
    MEETING = "meeting", _("Réunion")
    COURSE = "course", _("Cours")
    OPEN_RECEPTION = "open_reception", _("Accueil libre")
    OTHER = "other", _("Autre")


class PriceKind(models.TextChoices):
    FREE = "free", _("Gratuit")
    EUROS = "euros", _("En euros")
    TIME = "time", _("En monnaie-temps (TIC-TAC)")


class Activity(models.Model):
    """An activity of a house, or of the whole cooperation when `house` is empty."""

    # Its name names no one: it may be shown to a role that may not see people.
    names_no_one = True

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    house = models.ForeignKey(
        House,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("maison"),
        help_text=_("Vide : activité de toute la coopération."),
    )
    project_group = models.ForeignKey(
        ProjectGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("programme (groupe projet)"),
    )
    title = models.CharField(_("titre"), max_length=200)
    programme = models.CharField(
        _("programme"),
        max_length=40,
        blank=True,
        validators=[validate_programme],
        help_text=_("Le programme dont l'activité fait partie : ses chiffres clés la comptent."),
    )
    kind = models.CharField(
        _("type"), max_length=20, choices=ActivityKind.choices, default=ActivityKind.WORKSHOP
    )
    theme = models.CharField(_("thème"), max_length=100, blank=True)
    audience = models.CharField(_("public"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    price_kind = models.CharField(
        _("tarif"), max_length=10, choices=PriceKind.choices, default=PriceKind.FREE
    )
    price_cents = models.PositiveIntegerField(_("prix (centimes)"), default=0)
    price_minutes = models.PositiveIntegerField(_("prix (minutes de TIC-TAC)"), default=0)
    capacity = models.PositiveIntegerField(
        _("places"), null=True, blank=True, help_text=_("Vide : sans limite.")
    )
    public = models.BooleanField(_("publique (dans l'agenda)"), default=True)
    regular = models.BooleanField(_("activité régulière (plaquette annuelle)"), default=False)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("activité")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Session(models.Model):
    """A dated occurrence of an activity, at a house or in a commune (the cannery visits villages)."""

    # Its name names no one: it may be shown to a role that may not see people.
    names_no_one = True

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField(_("début"), db_index=True)
    ends_at = models.DateTimeField(_("fin"))
    house = models.ForeignKey(
        House,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("lieu : maison"),
    )
    commune = models.CharField(_("lieu : commune"), max_length=100, blank=True)
    place = models.CharField(_("précision du lieu"), max_length=200, blank=True)
    public = models.BooleanField(_("publique (dans l'agenda)"), default=True)
    capacity = models.PositiveIntegerField(
        _("places"), null=True, blank=True, help_text=_("Vide : celles de l'activité.")
    )
    cancelled = models.BooleanField(_("annulée"), default=False)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("séance")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")), name="session_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity} — {timezone.localtime(self.starts_at):%d/%m/%Y %H:%M}"

    @property
    def places(self) -> int | None:
        """The session's own capacity, else its activity's (None: no limit)."""
        return self.capacity if self.capacity is not None else self.activity.capacity


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Inscrit·e")
    WAITING = "waiting", _("Liste d'attente")
    CANCELLED = "cancelled", _("Désinscrit·e")


class Registration(models.Model):
    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="registrations")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="registrations")
    status = models.CharField(_("état"), max_length=10, choices=RegistrationStatus.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("inscription")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="registration_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.session} ({self.get_status_display()})"


class Attendance(models.Model):
    """A named person present at a session; ticking twice records one attendance."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="attendances")
    walk_in = models.BooleanField(_("venu·e sans inscription"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("présence")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="attendance_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.session}"


class Headcount(models.Model):
    """People counted without names (a workshop on a market square), optionally by age band."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="headcounts")
    age_band = models.CharField(_("tranche d'âge"), max_length=10, blank=True)
    count = models.PositiveIntegerField(_("nombre de personnes"))

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("comptage")
        constraints = [
            models.UniqueConstraint(fields=["session", "age_band"], name="headcount_unique")
        ]

    def __str__(self) -> str:
        return f"{self.session}: {self.count}"
