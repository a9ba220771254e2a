"""Spreadsheets in and out: import with a preview, and every list exported.

An upload becomes an `ImportJob` (coope/imports/models.py): the file waits in a private file
under var/imports/ (named by the job's random token) until it is imported, cancelled or failed;
its preview is computed once and kept with the job. The job's page shows, as it goes, the
progress (a long file is checked and imported in the background, coope/imports/jobs.py, and the
page polls it every 2 seconds), the preview with its bad rows, then the result. Only the account
that uploaded the file sees its job.

The help of every kind (`/donnees/aide/<kind>/`) and the template workbook
(`/donnees/modele.xlsx`, `.ods`) are read from the kinds' columns.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coope.core import exports
from coope.core.views import require_perm
from coope.imports import jobs
from coope.imports.forms import ImportForm
from coope.imports.models import WORKBOOK, ImportJob
from coope.imports.registry import UnknownKind, find_kind
from coope.imports.template import file_name, template_sheets, template_workbook
from coope.lib.spreadsheets import (
    CONTENT_TYPES,
    FORMATS,
    EncodingUnsure,
    SpreadsheetError,
    check_file,
    write_spreadsheet,
)
from coope.people import exporting

MAX_PENDING = 5
Status = ImportJob.Status
TEMPLATE_FORMATS = ("xlsx", "ods")


def _exportable(user) -> list[dict]:
    return [
        {
            "kind": kind,
            "slug": slug,
            "label": label,
            "links": [(fmt, f"{slug}.{fmt}") for fmt in FORMATS],
        }
        for kind, slug, label in [
            ("people", "personnes", _("Personnes")),
            ("households", "foyers", _("Foyers")),
            ("memberships", "adhesions", _("Adhésions")),
            ("visits", "passages", _("Passages à l'accueil")),
        ]
        if exporting.can_export(user, kind)
    ]


@login_required
def index(request):
    can_import = request.user.has_coope_perm("data.import")
    exports = _exportable(request.user)
    if not can_import and not exports:
        raise PermissionDenied
    return render(
        request,
        "data/index.html",
        {
            "can_import": can_import,
            "exports": exports,
            "sensitive": request.user.has_coope_perm("people.view_sensitive"),
            "sheets": template_sheets(request.user) if can_import else [],
        },
    )


def _job(request, token: str) -> ImportJob:
    """The job of this account (the scope keeps it in the cooperation), 404 for anyone else."""
    return get_object_or_404(ImportJob, token=token, user=request.user)


@require_perm("data.import")
def upload(request):
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        kind, encoding = form.cleaned_data["kind"], form.cleaned_data["encoding"]
        rows_total, background = _first_look(form, content, upload.name, kind, encoding)
        if form.is_valid():
            jobs.forget_old()
            _drop_older_waiting(request.user)
            job = ImportJob.objects.create(
                cooperation=request.cooperation,
                user=request.user,
                kind=kind,
                filename=upload.name[-200:],
                encoding=encoding,
                rows_total=rows_total,
                background=background,
            )
            jobs.keep_upload(job, content)
            jobs.start(job, dry_run=True)
            return redirect("data:import_job", token=job.token)
    return render(
        request,
        "data/import.html",
        {"form": form, "sheets": template_sheets(request.user), "workbook": WORKBOOK},
    )


def _first_look(form, content: bytes, filename: str, kind: str, encoding: str) -> tuple[int, bool]:
    """What the request says at once about the file: a damaged or unreadable one, an encoding to
    ask. A small file is read whole here (its rows counted, its problems said on the form); a
    big one is read by the worker only. Returns (rows, whether the job runs in the worker)."""
    try:
        check_file(content, filename, encoding or None)
        if len(content) > jobs.inline_bytes():
            return 0, True
        plan = jobs.plan_of(content, filename, kind, encoding)
    except EncodingUnsure as error:
        form.add_error("encoding", str(error))
        return 0, False
    except SpreadsheetError as error:
        form.add_error("file", str(error))
        return 0, False
    for problem in plan.problems:
        form.add_error("file", problem)
    return plan.total_rows, plan.total_rows > jobs.background_rows()


def _drop_older_waiting(user) -> None:
    """An account keeps its last few previews waiting; older ones (and their files) go."""
    waiting = list(ImportJob.objects.filter(user=user, status=Status.READY).order_by("-created_at"))
    for job in waiting[MAX_PENDING - 1 :]:
        jobs.forget_files(job)
        job.delete()


@require_perm("data.import")
def job(request, token):
    """The job as it stands: its progress, its preview, or its result."""
    job = _job(request, token)
    jobs.recover_if_interrupted(job)  # its worker died: the page says so
    if job.running:
        jobs.read_progress(job)
    if request.htmx and request.GET.get("progres"):
        if job.running:
            return render(request, "data/_progress.html", {"job": job})
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"  # finished: the page shows the preview or the result
        return response
    if job.running:
        return render(request, "data/progress.html", {"job": job})
    if job.status == Status.FAILED:
        return render(request, "data/failed.html", {"job": job})
    if job.status == Status.DONE:
        return render(request, "data/result.html", {"job": job, "report": job.result})
    return render(request, "data/preview.html", {"job": job, "report": job.preview})


@require_POST
@require_perm("data.import")
def confirm(request, token):
    job = _job(request, token)
    only_good_rows = request.POST.get("mode") == "good"
    report = job.preview or {}
    if job.status == Status.READY and report.get("has_errors") and not only_good_rows:
        messages.error(
            request,
            _(
                "Des lignes ont des problèmes : rien n'a été enregistré. Corrigez le fichier, "
                "ou choisissez « Importer seulement les lignes correctes »."
            ),
        )
        return redirect("data:import_job", token=token)
    # One confirmation only, whatever the clicks: the job leaves « ready » once.
    started = ImportJob.objects.filter(pk=job.pk, status=Status.READY).update(
        status=Status.IMPORTING, only_good_rows=only_good_rows, rows_done=0
    )
    if started:
        job.refresh_from_db()
        jobs.start(job, dry_run=False)
    return redirect("data:import_job", token=token)


@require_POST
@require_perm("data.import")
def cancel(request, token):
    job = _job(request, token)
    jobs.recover_if_interrupted(job)  # its worker died: it can be cancelled
    if job.status in (Status.READY, Status.FAILED):
        jobs.forget_files(job)
        job.delete()
        messages.success(request, _("Import annulé : rien n'a été enregistré."))
        return redirect("data:import")
    return redirect("data:import_job", token=token)


@require_perm("data.import")
def problems(request, token, fmt):
    """Every problem of the job's last run (the page shows the first 500): sheet, row, column,
    value, problem; for the uploader only, audited, not kept by any cache."""
    job = _job(request, token)
    if fmt not in FORMATS:
        raise Http404
    found = jobs.read_problems(job)
    headers = [_("Feuille"), _("Ligne"), _("Colonne"), _("Valeur"), _("Problème")]
    rows = [
        [sheet, row, f"{column} ({letter})" if letter else column, value, message]
        for sheet, row, column, letter, value, message in found
    ]
    content = write_spreadsheet(headers, rows, fmt, title=_("Problèmes"))
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    stem = job.filename.rsplit(".", 1)[0][:80] or "import"
    response["Content-Disposition"] = f'attachment; filename="problemes-{slugify(stem)}.{fmt}"'
    return exports.audited(
        response,
        request=request,
        list_name="imports.problems",
        rows=len(rows),
        label=_("Problèmes d'un import : %(name)s") % {"name": job.filename},
        details={"format": fmt},
    )


@require_perm("data.import")
def kind_help(request, kind):
    """Every column of one kind: required or not, other names, what to write, an example."""
    try:
        importer = find_kind(kind)
    except UnknownKind:
        raise Http404 from None
    if not importer.may_import(request.user):
        raise PermissionDenied
    [sheet] = [s for s in template_sheets(request.user) if s.importer is importer]
    return render(request, "data/help.html", {"sheet": sheet, "importer": importer})


@require_perm("data.import")
def template(request, fmt):
    if fmt not in TEMPLATE_FORMATS:
        raise Http404
    content = template_workbook(fmt, user=request.user, cooperation=request.cooperation)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="{file_name(fmt, request.cooperation)}"'
    )
    return response


@login_required
def export(request, slug, fmt):
    kind = exporting.KINDS_BY_SLUG.get(slug)
    if kind is None or fmt not in FORMATS:
        raise Http404
    if not exporting.can_export(request.user, kind):
        raise PermissionDenied
    sensitive = request.user.has_coope_perm("people.view_sensitive")
    table = exporting.export_table(
        kind, cooperation=request.cooperation, include_sensitive=sensitive
    )
    content = write_spreadsheet(table.headers, table.rows, fmt, title=table.title)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    name = exporting.file_name(kind, fmt, request.cooperation, timezone.localdate())
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return exports.audited(
        response,
        request=request,
        list_name=f"export.{slug}",
        rows=len(table.rows),
        label=str(table.title),
        details={"format": fmt, "sensitive": sensitive},
    )
