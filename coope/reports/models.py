"""Activity reports: sections of key figures (computed, never typed) and texts written by staff."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from coope.core.models import Association, Cooperation, House, ProjectGroup
from coope.lib.periods import Period, period_label, shift_date


def shift_year(day: datetime.date | None, years: int) -> datetime.date | None:
    """`shift_date` for a date that may be empty (a section without a period of its own)."""
    return None if day is None else shift_date(day, years)


class Report(models.Model):
    """A report of the cooperation for a period, e.g. the 2018 activity report."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("titre"), max_length=200)
    period_start = models.DateField(_("du"))
    period_end = models.DateField(_("au"))
    made_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("préparé à partir de"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("publié par"),
    )

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("rapport d'activités")
        verbose_name_plural = _("rapports d'activités")
        ordering = ["-period_start", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="report_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def period(self) -> Period:
        return Period(self.period_start, self.period_end)

    @property
    def period_label(self) -> str:
        return period_label(self.period)


class Section(models.Model):
    """A part of the report: the cooperation as a whole, or one programme, on its own page."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveIntegerField(_("ordre"), default=0)
    title = models.CharField(_("titre"), max_length=200)
    period_start = models.DateField(
        _("période propre : du"),
        null=True,
        blank=True,
        help_text=_("Vide : la période du rapport."),
    )
    period_end = models.DateField(_("période propre : au"), null=True, blank=True)
    project_group = models.ForeignKey(
        ProjectGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("programme (groupe projet)"),
    )
    association = models.ForeignKey(
        Association,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("seulement l'association"),
    )
    house = models.ForeignKey(
        House,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("seulement la maison"),
    )

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("section")
        ordering = ["report", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__isnull=True, period_end__isnull=True)
                | Q(
                    period_start__isnull=False,
                    period_end__isnull=False,
                    period_end__gte=F("period_start"),
                ),
                name="section_period_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def has_own_period(self) -> bool:
        return self.period_start is not None

    def period_in(self, report: Report) -> Period:
        """The section's own period, else the report's (the report is passed to save a query)."""
        if self.period_start is not None and self.period_end is not None:
            return Period(self.period_start, self.period_end)
        return report.period

    @property
    def scope_kind(self) -> str:
        return "house" if self.house_id else "association" if self.association_id else "cooperation"


class SectionFigure(models.Model):
    """A key figure shown in a section: an indicator of the registry, computed at each render."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="figures")
    order = models.PositiveIntegerField(_("ordre"), default=0)
    indicator_key = models.CharField(_("indicateur"), max_length=100)
    label = models.CharField(
        _("libellé dans le rapport"),
        max_length=200,
        blank=True,
        help_text=_("Vide : le libellé de l'indicateur."),
    )
    by_house = models.BooleanField(
        _("détail par maison"),
        default=False,
        help_text=_("Ajoute un graphique : le chiffre de chaque maison."),
    )

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("chiffre clé")
        verbose_name_plural = _("chiffres clés")
        ordering = ["section", "order", "pk"]

    def __str__(self) -> str:
        return self.label or self.indicator_key


class TextKind(models.TextChoices):
    OBJECTIVES = "objectives", _("Objectifs")
    HOW_IT_WORKS = "how_it_works", _("Comment ça marche ?")
    VALUE = "value", _("Zoom sur une valeur")
    PRINCIPLE = "principle", _("Zoom sur un principe d'intervention")
    RESULTS = "results", _("Quels résultats ?")
    FREE = "free", _("Texte libre")


class TextBlock(models.Model):
    """Words written by staff: objectives, how it works, a value or a principle in focus, results."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="texts")
    order = models.PositiveIntegerField(_("ordre"), default=0)
    kind = models.CharField(
        _("type de texte"), max_length=20, choices=TextKind.choices, default=TextKind.FREE
    )
    title = models.CharField(
        _("titre"),
        max_length=200,
        blank=True,
        help_text=_("Vide : le type de texte (ex. « Comment ça marche ? »)."),
    )
    body = models.TextField(
        _("texte"), blank=True, help_text=_("Une ligne qui commence par « - » devient une puce.")
    )

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("texte")
        ordering = ["section", "order", "pk"]

    def __str__(self) -> str:
        return self.heading or self.body[:60]

    @property
    def heading(self) -> str:
        """Its title, else the kind's name; a free text without a title has no heading."""
        if self.title or self.kind == TextKind.FREE:
            return self.title
        return str(self.get_kind_display())


class PublishedFigure(models.Model):
    """A figure as it was published: its exact value (JSON: integers, [numerator, denominator]
    for fractions, {code: value} for a breakdown), the year before, the parts by house, and the
    ids of the records it counted. A published report shows these values forever."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="published_figures")
    figure = models.OneToOneField(SectionFigure, on_delete=models.PROTECT, related_name="published")
    indicator_key = models.CharField(max_length=100)
    label = models.CharField(max_length=200)
    unit = models.CharField(max_length=20)
    period_start = models.DateField()
    period_end = models.DateField()
    value = models.JSONField(null=True)
    previous = models.JSONField(null=True)
    # Lists of pairs, in the order shown (PostgreSQL's jsonb does not keep an object's order).
    by_house = models.JSONField(default=list)  # [[house id, value], ...]
    labels = models.JSONField(default=list)  # [[breakdown code, label], ...] as published
    record_ids = models.JSONField(default=dict)  # {indicator key: [record ids]}

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("chiffre publié")
        verbose_name_plural = _("chiffres publiés")

    def __str__(self) -> str:
        return f"{self.indicator_key} ({self.report})"


class ReportPdf(models.Model):
    """A report's PDF, made in the background (coope.reports.tasks) and kept: served again while
    the report and the records it counts have not changed (`state`: the audit stamp it was made
    at, coope.core.kept), forever for a published report (made at publication)."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("en attente")
        MAKING = "making", _("en préparation")
        READY = "ready", _("prêt")
        FAILED = "failed", _("échoué")

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="pdfs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    percent = models.PositiveSmallIntegerField(default=0)
    # {"published": true}, or the stamp of coope.core.kept: {"latest", "at", "in_flight"}.
    state = models.JSONField(default=dict)
    content = models.BinaryField(null=True, blank=True, editable=False)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("PDF d'un rapport")
        verbose_name_plural = _("PDF des rapports")
        indexes = [models.Index(fields=["report", "-requested_at"])]

    def __str__(self) -> str:
        return f"{self.report} ({self.get_status_display()})"

    @property
    def running(self) -> bool:
        return self.status in (self.Status.WAITING, self.Status.MAKING)
