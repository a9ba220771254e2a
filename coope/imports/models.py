"""An import on its way: the uploaded file, its preview (computed once, kept here), the real run
and its result. A long one runs as a background task (coope/imports/jobs.py) that writes its
progress here; the page polls it."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from coope.core.models import Cooperation
from coope.lib.indicators import french_number

WORKBOOK = "workbook"  # the `kind` of a whole workbook, one kind per sheet


def new_token() -> str:
    return secrets.token_hex(16)


class ImportJob(models.Model):
    class Status(models.TextChoices):
        CHECKING = "checking", _("vérification en cours")
        READY = "ready", _("aperçu prêt")
        IMPORTING = "importing", _("import en cours")
        DONE = "done", _("importé")
        FAILED = "failed", _("échoué")

    cooperation = models.ForeignKey(Cooperation, on_delete=models.CASCADE, related_name="+")
    # Who uploaded the file: the only one who sees the job, and the author of what it writes.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=32, unique=True, default=new_token)
    kind = models.CharField(_("type"), max_length=40)  # an import kind, or WORKBOOK
    filename = models.CharField(_("fichier"), max_length=200)
    # A CSV's encoding when the person said it (the form's « Encodage »); else recognised.
    encoding = models.CharField(_("encodage"), max_length=20, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CHECKING)
    background = models.BooleanField(default=False)  # run as a task, the page polls it
    only_good_rows = models.BooleanField(default=False)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    preview = models.JSONField(null=True, blank=True)  # WorkbookReport.as_data() of the dry run
    result = models.JSONField(null=True, blank=True)  # ... of the real run
    # Said on the job's page: the real run found bad rows the preview had not (nothing written),
    # or why the job failed.
    notice = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("import de tableur")
        verbose_name_plural = _("imports de tableurs")
        indexes = [models.Index(fields=["user", "status"], name="importjob_user_status")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def running(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.IMPORTING)

    @property
    def progress_text(self) -> str:
        """« 1 500 / 10 000 lignes »: what the progress bar says, read aloud too."""
        if self.running and not self.rows_total:
            return str(_("Lecture du fichier…"))
        return _("%(done)s / %(total)s lignes") % {
            "done": french_number(self.rows_done, 0),
            "total": french_number(self.rows_total, 0),
        }

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 100 if not self.running else 0
        return min(100, self.rows_done * 100 // self.rows_total)
