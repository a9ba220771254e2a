"""Spreadsheets in and out: import with a preview, and every list exported.

The uploaded file waits between the preview and the confirmation in a private file under
var/imports/ (named by a random token kept in the user's session), and is deleted once
imported or cancelled; files left behind are removed after a day.
"""

import re
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coope.core.views import require_perm
from coope.imports.forms import ImportForm
from coope.imports.framework import ImportReport
from coope.imports.registry import find_kind, kinds
from coope.imports.running import run_import
from coope.lib.spreadsheets import CONTENT_TYPES, FORMATS, SpreadsheetError, read_spreadsheet
from coope.people import exporting

SESSION_KEY = "coope_imports"
RESULT_KEY = "coope_import_result"
KEEP_SECONDS = 24 * 3600
MAX_PENDING = 5
MAX_ERRORS_SHOWN = 500
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def import_dir() -> Path:
    path = Path(getattr(settings, "COOPE_IMPORT_DIR", settings.BASE_DIR / "var" / "imports"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _file_of(token: str) -> Path:
    return import_dir() / f"{token}.upload"


def _forget_old_files() -> None:
    limit = time.time() - KEEP_SECONDS
    for path in import_dir().glob("*.upload"):
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def _pending(request, token: str) -> dict:
    """The waiting import of this session, 404 when it is not this user's (or is gone)."""
    entry = request.session.get(SESSION_KEY, {}).get(token) if _TOKEN.match(token) else None
    if (
        entry is None
        or entry["cooperation"] != request.user.cooperation_id
        or entry["user"] != request.user.pk
    ):
        raise Http404
    return entry


def _drop(request, token: str) -> None:
    _file_of(token).unlink(missing_ok=True)
    pending = request.session.get(SESSION_KEY, {})
    pending.pop(token, None)
    request.session[SESSION_KEY] = pending


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
        },
    )


@require_perm("data.import")
def upload(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            read_spreadsheet(content, upload.name)
        except SpreadsheetError as error:
            form.add_error("file", str(error))
        else:
            _forget_old_files()
            token = secrets.token_hex(16)
            _file_of(token).write_bytes(content)
            pending = request.session.get(SESSION_KEY, {})
            for old in sorted(pending, key=lambda t: pending[t]["at"])[
                : max(0, len(pending) - MAX_PENDING + 1)
            ]:
                _file_of(old).unlink(missing_ok=True)
                pending.pop(old)
            pending[token] = {
                "kind": form.cleaned_data["kind"],
                "filename": upload.name[-200:],
                "cooperation": request.user.cooperation_id,
                "user": request.user.pk,
                "at": timezone.now().isoformat(),
            }
            request.session[SESSION_KEY] = pending
            return redirect("data:import_preview", token=token)
    columns = [(importer.label, importer.columns) for importer in kinds().values()]
    return render(request, "data/import.html", {"form": form, "columns": columns})


def _load(request, token: str):
    """The pending entry and its sheet; None (with a message) when the file cannot be used any more."""
    entry = _pending(request, token)
    path = _file_of(token)
    if not path.exists():
        _drop(request, token)
        messages.error(request, _("Ce fichier n'est plus disponible : envoyez-le de nouveau."))
        return entry, None
    try:
        return entry, read_spreadsheet(path.read_bytes(), entry["filename"])
    except SpreadsheetError as error:
        _drop(request, token)
        messages.error(request, str(error))
        return entry, None


@require_perm("data.import")
def preview(request, token):
    entry, sheet = _load(request, token)
    if sheet is None:
        return redirect("data:import")
    report = run_import(
        entry["kind"], sheet, actor=request.user, cooperation=request.cooperation, dry_run=True
    )
    return render(
        request,
        "data/preview.html",
        {
            "token": token,
            "entry": entry,
            "sheet": sheet,
            "report": report,
            "label": find_kind(report.kind).label,
            "error_rows": [
                (e.row, e.column, e.letter, e.message) for e in report.errors[:MAX_ERRORS_SHOWN]
            ],
            "bad_rows": report.bad_rows,
        },
    )


@require_POST
@require_perm("data.import")
def confirm(request, token):
    entry, sheet = _load(request, token)
    if sheet is None:
        return redirect("data:import")
    only_good_rows = request.POST.get("mode") == "good"
    report = run_import(
        entry["kind"],
        sheet,
        actor=request.user,
        cooperation=request.cooperation,
        only_good_rows=only_good_rows,
    )
    if not report.written:
        messages.error(
            request,
            _(
                "Des lignes ont des problèmes : rien n'a été enregistré. Corrigez le fichier, "
                "ou choisissez « Importer seulement les lignes correctes »."
            ),
        )
        return redirect("data:import_preview", token=token)
    _drop(request, token)
    request.session[RESULT_KEY] = _summary(report, entry)
    return redirect("data:import_result")


def _summary(report: ImportReport, entry: dict) -> dict:
    return {
        "label": str(find_kind(report.kind).label),
        "filename": entry["filename"],
        "counts": list(report.counts.items()),
        "total": report.total_rows,
        "skipped": report.bad_row_count,
        "errors": [
            (e.row, e.column, e.letter, e.message) for e in report.errors[:MAX_ERRORS_SHOWN]
        ],
        "more_errors": max(0, len(report.errors) - MAX_ERRORS_SHOWN),
    }


@require_perm("data.import")
def result(request):
    summary = request.session.pop(RESULT_KEY, None)
    if summary is None:
        return redirect("data:import")
    return render(request, "data/result.html", {"summary": summary})


@require_POST
@require_perm("data.import")
def cancel(request, token):
    _pending(request, token)
    _drop(request, token)
    messages.success(request, _("Import annulé : rien n'a été enregistré."))
    return redirect("data:import")


@login_required
def export(request, slug, fmt):
    kind = exporting.KINDS_BY_SLUG.get(slug)
    if kind is None or fmt not in FORMATS:
        raise Http404
    if not exporting.can_export(request.user, kind):
        raise PermissionDenied
    content = exporting.export_for_user(
        kind, fmt, user=request.user, cooperation=request.cooperation
    )
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    name = exporting.file_name(kind, fmt, request.cooperation, timezone.localdate())
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
