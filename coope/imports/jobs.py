"""Running an import job: its preview (a dry run, computed once and kept with the job), then the
real run. A file of more than `inline_bytes()` bytes, or of more than `background_rows()` rows,
runs as a task of Django's tasks framework (settings.TASKS: a worker process in production),
enqueued once the job is committed; a small one runs in the request.

The task gets the job's id, never objects: it loads the job, opens its cooperation's scope,
reads the uploaded file, and writes its progress and report to the job. The uploaded file waits
in a private directory (0700), readable by the server's account only (0600), and is deleted when
the import ends or fails (or is cancelled, or left for a day: `forget_old`, which every upload
and every job runs, and `coope forget_imports` from a timer).
"""

import json
import logging
import os
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from coope.imports.framework import RowError
from coope.imports.models import WORKBOOK, ImportJob
from coope.imports.workbook import Plan, plan_workbook, run_workbook
from coope.lib.spreadsheets import SpreadsheetError, read_workbook

logger = logging.getLogger(__name__)

BACKGROUND_ROWS = 2000
INLINE_BYTES = 128 * 1024
KEEP = timedelta(days=1)
Status = ImportJob.Status


def background_rows() -> int:
    """Above this many rows, a file is checked and imported in the background."""
    return int(getattr(settings, "COOPE_IMPORT_BACKGROUND_ROWS", BACKGROUND_ROWS))


def inline_bytes() -> int:
    """Up to this size a file is read in the upload's request (its rows counted, its problems
    said on the form); a bigger one is read by the worker only."""
    return int(getattr(settings, "COOPE_IMPORT_INLINE_BYTES", INLINE_BYTES))


def import_dir() -> Path:
    """The private directory of the uploaded files: the server's account only (0700)."""
    path = Path(getattr(settings, "COOPE_IMPORT_DIR", settings.BASE_DIR / "var" / "imports"))
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def file_of(job: ImportJob) -> Path:
    return import_dir() / f"{job.token}.upload"


def progress_file_of(job: ImportJob) -> Path:
    return import_dir() / f"{job.token}.progress"


def keep_upload(job: ImportJob, content: bytes) -> None:
    """The uploaded file, readable and writable by the server's account only (0600)."""
    path = file_of(job)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(content)


def problems_file_of(job: ImportJob) -> Path:
    return import_dir() / f"{job.token}.problems"


def forget_upload(job: ImportJob) -> None:
    """The uploaded file and the progress: the import is over."""
    file_of(job).unlink(missing_ok=True)
    progress_file_of(job).unlink(missing_ok=True)


def forget_files(job: ImportJob) -> None:
    """Everything the job left on disk: the uploaded file, its progress, its problems."""
    forget_upload(job)
    problems_file_of(job).unlink(missing_ok=True)


def keep_problems(job: ImportJob, errors: list[RowError]) -> None:
    """Every problem of the run (the page shows the first MAX_ERRORS_KEPT), for the download:
    private like the upload, gone with the job."""
    path = problems_file_of(job)
    if not errors:
        path.unlink(missing_ok=True)
        return
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        for error in errors:
            row = [error.sheet, error.row, error.column, error.letter, error.value, error.message]
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_problems(job: ImportJob) -> list[list]:
    try:
        with problems_file_of(job).open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle]
    except FileNotFoundError:
        return []


def plan_of(content: bytes, filename: str, kind: str, encoding: str = "") -> Plan:
    """The sheets to import; raises SpreadsheetError when the file cannot be read."""
    sheets = read_workbook(content, filename, encoding=encoding or None)
    return plan_workbook(sheets, kind=None if kind == WORKBOOK else kind)


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
    except Exception as error:
        # The type only: a message may quote a cell of the file (a name, a birth date).
        logger.error("Import job %s failed: %s", job.pk, type(error).__name__)
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
        progress_file_of(job).unlink(missing_ok=True)
        forget_old()


def _run(job: ImportJob, *, dry_run: bool, progress) -> None:
    path = file_of(job)
    try:
        plan = plan_of(path.read_bytes(), job.filename, job.kind, job.encoding)
    except FileNotFoundError:
        _fail(job, _("Ce fichier n'est plus disponible : envoyez-le de nouveau."))
        return
    except SpreadsheetError as error:
        _fail(job, str(error))
        return
    if plan.problems:
        _fail(job, " ".join(plan.problems))
        return
    if job.rows_total != plan.total_rows:  # a big file: its rows are counted here, not at upload
        job.rows_total = plan.total_rows
        job.save(update_fields=["rows_total"])
        if progress is not None:
            progress(0, plan.total_rows)
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
    keep_problems(job, report.errors)
    if dry_run:
        job.status, job.preview = Status.READY, report.as_data()
    elif report.written:
        job.status, job.result, job.finished_at = Status.DONE, report.as_data(), timezone.now()
        forget_upload(job)
    else:
        # The records changed since the preview: new bad rows. Nothing written; the user
        # sees them and chooses again.
        job.status, job.preview = Status.READY, report.as_data()
        job.notice = _(
            "Des lignes ont des problèmes : rien n'a été enregistré. Corrigez le fichier, ou "
            "choisissez « Importer seulement les lignes correctes »."
        )
    job.save()


def task_interrupted(task_path: str, args_kwargs: dict) -> None:
    """A task's worker died while it ran (coope/core/worker_recovery.py): the job it was
    running fails, its file removed. Its work was one transaction: nothing was written."""
    if task_path not in (check_import.module_path, run_import_job.module_path):
        return
    args = args_kwargs.get("args") or [args_kwargs.get("kwargs", {}).get("job_id")]
    with scopes_disabled():
        job = ImportJob.objects.filter(
            pk=args[0], status__in=(Status.CHECKING, Status.IMPORTING)
        ).first()
    if job is not None:
        _fail(
            job,
            _(
                "Le traitement a été interrompu (le service a redémarré) : rien n'a été "
                "importé. Recommencez l'import."
            ),
        )


def recover_if_interrupted(job: ImportJob) -> None:
    """A running background job whose worker died is failed now (for « Annuler » and its
    page), not only when a worker starts again."""
    if job.running and job.background:
        from coope.core.worker_recovery import recover_dead_tasks

        if recover_dead_tasks():
            job.refresh_from_db()


def _fail(job: ImportJob, notice: str) -> None:
    forget_files(job)
    job.status, job.notice, job.finished_at = Status.FAILED, notice, timezone.now()
    job.save(update_fields=["status", "notice", "finished_at"])


class _Progress:
    """Writes the rows done where the page reads them while the import's transaction is still
    open. PostgreSQL: through a connection of its own, which commits at once. SQLite has one
    writer at a time (the import's transaction): there, to a small file next to the upload,
    which the page reads (`read_progress`)."""

    EVERY_SECONDS = 1.0

    def __init__(self, job: ImportJob):
        self.job_id = job.pk
        self.file = progress_file_of(job)
        self.side = (
            connections.create_connection(DEFAULT_DB_ALIAS)
            if connection.vendor == "postgresql"
            else None
        )
        self.table = connection.ops.quote_name(ImportJob._meta.db_table)
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < self.EVERY_SECONDS and 0 < done < total:
            return
        self.last = now
        if self.side is None:
            partial = self.file.with_suffix(".progress-new")
            partial.write_text(f"{done} {total}")
            partial.replace(self.file)
            return
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {self.table} SET rows_done = %s, rows_total = %s WHERE id = %s",  # noqa: S608 (a quoted table name)
                [done, total, self.job_id],
            )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def read_progress(job: ImportJob) -> None:
    """The rows done of a running job, from its progress file (SQLite) when the worker wrote
    one since the job was last saved."""
    try:
        done, total = (int(n) for n in progress_file_of(job).read_text().split())
    except (OSError, ValueError):
        return
    if done >= job.rows_done:
        job.rows_done, job.rows_total = done, total


def forget_old(cooperation=None) -> int:
    """Jobs older than a day (of the cooperation, or of every one), and any file of the import
    directory older than a day: an import left waiting, or a worker that died. Their files and
    reports name people: they do not stay. Returns the number of jobs forgotten."""
    limit = timezone.now() - KEEP
    with scopes_disabled():
        old = ImportJob.objects.filter(created_at__lt=limit)
        if cooperation is not None:
            old = old.filter(cooperation=cooperation)
        for job in old:
            forget_files(job)
        forgotten, _by_model = old.delete()
    for path in import_dir().iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit.timestamp():
                path.unlink(missing_ok=True)
        except OSError:
            continue  # removed meanwhile by another process
    return forgotten
