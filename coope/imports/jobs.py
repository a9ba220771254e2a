"""Running an import job: its preview (a dry run, computed once and kept with the job), then the
real run. A file of more than `background_rows()` rows runs as a task of Django's tasks framework
(settings.TASKS), enqueued once the job is committed; a smaller one runs in the request.

The task gets the job's id, never objects: it loads the job, opens its cooperation's scope,
reads the uploaded file, and writes its progress and report to the job. The uploaded file is
deleted when the import ends or fails (or is cancelled); jobs and files left behind are removed
after a day (`forget_old`).
"""

import logging
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from coope.imports.models import WORKBOOK, ImportJob
from coope.imports.workbook import Plan, plan_workbook, run_workbook
from coope.lib.spreadsheets import SpreadsheetError, read_workbook

logger = logging.getLogger(__name__)

BACKGROUND_ROWS = 2000
KEEP = timedelta(days=1)
Status = ImportJob.Status


def background_rows() -> int:
    """Above this many rows, a file is checked and imported in the background."""
    return int(getattr(settings, "COOPE_IMPORT_BACKGROUND_ROWS", BACKGROUND_ROWS))


def import_dir() -> Path:
    path = Path(getattr(settings, "COOPE_IMPORT_DIR", settings.BASE_DIR / "var" / "imports"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_of(job: ImportJob) -> Path:
    return import_dir() / f"{job.token}.upload"


def plan_of(content: bytes, filename: str, kind: str) -> Plan:
    """The sheets to import; raises SpreadsheetError when the file cannot be read."""
    return plan_workbook(read_workbook(content, filename), kind=None if kind == WORKBOOK else kind)


def start(job: ImportJob, *, dry_run: bool) -> None:
    """The job's next step (its preview, or the real run): now, or as a task once committed."""
    if job.background:
        step = check_import if dry_run else run_import_job
        transaction.on_commit(lambda: step.enqueue(job.pk))
    else:
        run_job(job.pk, dry_run=dry_run)


@task
def check_import(job_id: int) -> None:
    run_job(job_id, dry_run=True)


@task
def run_import_job(job_id: int) -> None:
    run_job(job_id, dry_run=False)


def run_job(job_id: int, *, dry_run: bool) -> None:
    with scopes_disabled():
        job = ImportJob.objects.select_related("user", "cooperation").filter(pk=job_id).first()
    if job is None or job.status != (Status.CHECKING if dry_run else Status.IMPORTING):
        return  # cancelled meanwhile, or a task delivered twice
    progress = _Progress(job) if job.background else None
    try:
        with scope(cooperation=job.cooperation_id):
            _run(job, dry_run=dry_run, progress=progress)
    except Exception:
        logger.exception("Import job %s failed", job.pk)
        _fail(
            job,
            _(
                "Une erreur inattendue a arrêté l'import : rien n'a été enregistré. Réessayez ; "
                "si elle revient, envoyez le fichier à l'équipe de Coopé."
            ),
        )
    finally:
        if progress is not None:
            progress.close()


def _run(job: ImportJob, *, dry_run: bool, progress) -> None:
    path = file_of(job)
    try:
        plan = plan_of(path.read_bytes(), job.filename, job.kind)
    except FileNotFoundError:
        _fail(job, _("Ce fichier n'est plus disponible : envoyez-le de nouveau."))
        return
    except SpreadsheetError as error:
        _fail(job, str(error))
        return
    if plan.problems:
        _fail(job, " ".join(plan.problems))
        return
    report = run_workbook(
        plan,
        actor=job.user,
        cooperation=job.cooperation,
        only_good_rows=job.only_good_rows,
        dry_run=dry_run,
        progress=progress,
    )
    job.rows_total = job.rows_done = report.total_rows
    job.notice = ""
    if dry_run:
        job.status, job.preview = Status.READY, report.as_data()
    elif report.written:
        job.status, job.result, job.finished_at = Status.DONE, report.as_data(), timezone.now()
        path.unlink(missing_ok=True)
    else:
        # The records changed since the preview: new bad rows. Nothing written; the user
        # sees them and chooses again.
        job.status, job.preview = Status.READY, report.as_data()
        job.notice = _(
            "Des lignes ont des problèmes : rien n'a été enregistré. Corrigez le fichier, ou "
            "choisissez « Importer seulement les lignes correctes »."
        )
    job.save()


def _fail(job: ImportJob, notice: str) -> None:
    file_of(job).unlink(missing_ok=True)
    job.status, job.notice, job.finished_at = Status.FAILED, notice, timezone.now()
    job.save(update_fields=["status", "notice", "finished_at"])


class _Progress:
    """Writes the rows done where the page reads them while the import's transaction is still
    open: through a connection of its own, which commits at once. PostgreSQL only: SQLite has
    one writer at a time, so there the page learns the progress at the end of each step."""

    EVERY_SECONDS = 1.0

    def __init__(self, job: ImportJob):
        self.job_id = job.pk
        self.side = (
            connections.create_connection(DEFAULT_DB_ALIAS)
            if connection.vendor == "postgresql"
            else None
        )
        self.table = connection.ops.quote_name(ImportJob._meta.db_table)
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self.side is None or (now - self.last < self.EVERY_SECONDS and done < total):
            return
        self.last = now
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {self.table} SET rows_done = %s WHERE id = %s",  # noqa: S608 (a quoted table name)
                [done, self.job_id],
            )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def forget_old(cooperation) -> None:
    """Jobs of the cooperation older than a day, and any uploaded file older than a day: an
    import left waiting, or a worker that died. Their reports name people: they do not stay."""
    limit = timezone.now() - KEEP
    old = ImportJob.objects.filter(cooperation=cooperation, created_at__lt=limit)
    for job in old:
        file_of(job).unlink(missing_ok=True)
    old.delete()
    for path in import_dir().glob("*.upload"):
        if path.stat().st_mtime < limit.timestamp():
            path.unlink(missing_ok=True)
