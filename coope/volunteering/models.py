"""Volunteer time, kept apart for activities and for governance (as SENACS asks), and trainings."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from coope.core.models import Cooperation, ProjectGroup
from coope.core.plugins import validate_programme
from coope.people.models import Person


class VolunteeringKind(models.TextChoices):
    ACTIVITY = "activity", _("Bénévolat d'activité")
    GOVERNANCE = "governance", _("Bénévolat de gouvernance (CA, groupes projets)")


class VolunteerHours(models.Model):
    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="volunteer_hours")
    date = models.DateField(_("date"), db_index=True)
    kind = models.CharField(_("type"), max_length=12, choices=VolunteeringKind.choices)
    project_group = models.ForeignKey(
        ProjectGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("programme"),
    )
    session = models.ForeignKey(
        "activities.Session",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="volunteer_hours",
        verbose_name=_("séance"),
    )
    programme = models.CharField(
        _("programme"),
        max_length=40,
        blank=True,
        validators=[validate_programme],
        help_text=_("Le programme pour lequel ce temps a été donné (sinon celui de la séance)."),
    )
    duration_minutes = models.PositiveIntegerField(_("durée (minutes)"))
    comment = models.CharField(_("précision"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("heures de bénévolat")
        verbose_name_plural = _("heures de bénévolat")
        ordering = ["-date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gt=0), name="volunteer_hours_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.date:%d/%m/%Y} {self.duration_minutes // 60} h {self.duration_minutes % 60:02d}"


class Training(models.Model):
    """A training followed by a volunteer (e.g. « formés à l'animation »)."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="trainings")
    title = models.CharField(_("formation"), max_length=200)
    date = models.DateField(_("date"))
    programme = models.CharField(
        _("programme"),
        max_length=40,
        blank=True,
        validators=[validate_programme],
        help_text=_("Le programme qui a formé la personne (ex. la conserverie)."),
    )
    project_group = models.ForeignKey(
        ProjectGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("programme"),
    )

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("formation suivie")
        verbose_name_plural = _("formations suivies")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.person} — {self.title}"
