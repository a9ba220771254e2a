"""Running an import: map the file's columns, check and write every row, report (see
docs/imports.md).

`run_import` checks every row, writes the good ones through the services, and reports every
bad row with its number as the user sees it in the spreadsheet, its column and a reason a
receptionist can act on. Everything happens in one transaction: when some rows are bad and the
user did not choose to import only the good rows, or for a dry run (the preview), the
transaction is rolled back and nothing stays.

The preview is a dry run of the real import, so it finds every problem the import would find
(a fee rule missing, a membership already taken...), not only the spelling ones.

Every record a row creates or changes gets one audit entry, action "import", by the user (None
at the command line). The entries are gathered while the row runs (the services' own entries,
and a record of every model saved that no service entry covers) and bulk-created with the rows,
in the same transaction, a thousand at a time: an import of 50,000 rows writes 50 inserts into
the journal rather than 50,000. The entries of a refused row are dropped with the row.
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save
from django.utils.translation import gettext as _

from coope.core import audit
from coope.core.models import AuditEntry
from coope.imports.cells import as_text, key_of
from coope.imports.framework import Importer, ImportReport, Problems, RowError
from coope.imports.registry import find_kind
from coope.lib.spreadsheets import Row, Sheet

PREVIEW_ROWS = 10
PROGRESS_EVERY = 500
AUDIT_BATCH = 1000
IMPORT_ACTION = "import"

# -- the journal of an import --------------------------------------------------------------------

_saved: ContextVar[dict | None] = ContextVar("import_saved_records", default=None)


def _note_saved(sender, instance, created, raw=False, **kwargs):
    saved = _saved.get()
    if saved is None or raw or isinstance(instance, AuditEntry):
        return
    if not instance._meta.app_config.name.startswith("coope."):
        return
    key = (instance._meta.label_lower, str(instance.pk))
    was_created = saved[key][1] if key in saved else False
    saved[key] = (instance, was_created or created)


post_save.connect(_note_saved, weak=False, dispatch_uid="coope.imports.note_saved")


def note_written(*instances, created: bool = True) -> None:
    """For an importer whose service writes without `save()` (a `bulk_create` sends no signal):
    the records the row wrote, so that the import audits them."""
    for instance in instances:
        _note_saved(type(instance), instance, created)


def _plain(values: dict) -> dict:
    """JSON-ready values: what `audit.snapshot` does not convert (a time, a duration) as text."""
    return {
        key: value if value is None or isinstance(value, str | int | float | bool) else str(value)
        for key, value in values.items()
    }


class Journal:
    """The audit entries of an import, gathered row by row and bulk-created in batches."""

    def __init__(self, *, actor, cooperation, write: bool):
        self.actor = actor if actor is not None and actor.is_authenticated else None
        self.cooperation = cooperation
        self.write = write
        self.pending: list[AuditEntry] = []

    @contextmanager
    def row(self) -> Iterator[None]:
        """Gathers the entries of one row; kept only when the row went through."""
        token = _saved.set({})
        try:
            with audit.collected() as entries:
                yield
                saved = _saved.get() or {}
        finally:
            _saved.reset(token)
        covered = set()
        for entry in entries:
            entry.changes = {"via": entry.action, **(entry.changes or {})}
            entry.action = IMPORT_ACTION
            covered.add((entry.model, entry.object_id))
        for key, (instance, created) in saved.items():
            if key in covered:
                continue
            entries.append(
                AuditEntry(
                    cooperation_id=getattr(instance, "cooperation_id", None) or self.cooperation.pk,
                    actor=self.actor,
                    action=IMPORT_ACTION,
                    model=key[0],
                    object_id=key[1],
                    object_repr=str(instance)[:200],
                    changes={
                        "via": "create" if created else "update",
                        **_plain(audit.snapshot(instance)),
                    },
                )
            )
        if self.write:
            self.pending.extend(entries)
            if len(self.pending) >= AUDIT_BATCH:
                self.flush()

    def flush(self) -> None:
        AuditEntry.objects.bulk_create(self.pending, batch_size=AUDIT_BATCH)
        self.pending = []

    def close(self, *, keep: bool) -> None:
        """The end of the import's transaction: the last entries written with the rows, or
        everything rolled back (a dry run, or bad rows the user did not choose to leave out)."""
        if keep:
            self.flush()
        else:
            transaction.set_rollback(True)


# -- running an import ---------------------------------------------------------------------------


def _refuse_nul(values: dict[str, Any]) -> None:
    """A NUL character cannot be stored (PostgreSQL refuses it): the row's problem, in words."""
    bad = [key for key, value in values.items() if isinstance(value, str) and "\x00" in value]
    if bad:
        raise Problems(
            [
                (key, _("Cette cellule contient un caractère invisible (nul) : retapez-la."))
                for key in bad
            ]
        )


def _as_sheet(rows: Sheet | Iterable[Row | dict[str, Any]]) -> Sheet:
    if isinstance(rows, Sheet):
        return rows
    items = list(rows)
    converted = [
        item if isinstance(item, Row) else Row(number=index, values=dict(item))
        for index, item in enumerate(items, start=2)
    ]
    headers: list[str] = []
    for row in converted:
        headers.extend(h for h in row.values if h not in headers)
    return Sheet(format="", headers=headers, rows=converted)


def _map_columns(importer: Importer, sheet: Sheet, report: ImportReport) -> dict[str, str] | None:
    """Column key -> header as written in the file; None when the columns make the file unusable."""
    aliases = importer.aliases()
    mapping: dict[str, str] = {}
    problems = []
    for header in sheet.headers:
        key = aliases.get(key_of(header))
        if key is None:
            report.warnings.append(
                _("La colonne « %(h)s » n'est pas connue pour cet import : elle est ignorée.")
                % {"h": header}
            )
        elif key in mapping:
            problems.append(
                RowError(
                    sheet.header_row,
                    header,
                    sheet.letters.get(header, ""),
                    _(
                        "Les colonnes « %(a)s » et « %(b)s » disent la même chose : gardez-en une seule."
                    )
                    % {"a": mapping[key], "b": header},
                )
            )
        else:
            mapping[key] = header
    for letter in sheet.unnamed_columns:
        report.warnings.append(
            _("La colonne %(l)s n'a pas de titre : elle est ignorée.") % {"l": letter}
        )
    for column in importer.columns:
        if column.required and column.key not in mapping:
            problems.append(
                RowError(
                    sheet.header_row,
                    column.key,
                    "",
                    _(
                        "Colonne obligatoire « %(c)s » absente : ajoutez-la en ligne %(r)s (titres des colonnes)."
                    )
                    % {"c": column.key, "r": sheet.header_row},
                )
            )
        if column.sensitive and column.key in mapping and not importer.can("people.view_sensitive"):
            problems.append(
                RowError(
                    sheet.header_row,
                    mapping[column.key],
                    sheet.letters.get(mapping[column.key], ""),
                    _(
                        "Vous n'avez pas le droit de saisir cette colonne (données sensibles) : retirez-la du fichier."
                    ),
                )
            )
    problems += [
        RowError(sheet.header_row, "", "", message)
        for message in importer.check_columns(set(mapping))
    ]
    if problems:
        report.errors.extend(problems)
        report.file_error = True
        return None
    return mapping


def _preview(sheet: Sheet, size: int) -> list[tuple[int, list[str]]]:
    return [
        (row.number, [as_text(row.get(header)) for header in sheet.headers])
        for row in sheet.rows[:size]
    ]


def run_import(
    kind: str,
    rows: Sheet | Iterable[Row | dict[str, Any]],
    *,
    actor,
    cooperation,
    only_good_rows: bool = False,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    preview_size: int = PREVIEW_ROWS,
) -> ImportReport:
    """Check and import the rows; see the module docstring for what is written when."""
    journal = Journal(actor=actor, cooperation=cooperation, write=not dry_run)
    with transaction.atomic():
        report = check_rows(
            find_kind(kind),
            _as_sheet(rows),
            actor=actor,
            cooperation=cooperation,
            journal=journal,
            progress=progress,
            preview_size=preview_size,
        )
        report.dry_run = dry_run
        report.written = (
            not dry_run and not report.file_error and (only_good_rows or not report.errors)
        )
        journal.close(keep=report.written)
    return report


def check_rows(
    importer_class: type[Importer],
    sheet: Sheet,
    *,
    actor,
    cooperation,
    journal: Journal,
    progress: Callable[[int, int], None] | None = None,
    preview_size: int = PREVIEW_ROWS,
    title: str = "",
) -> ImportReport:
    """Checks and writes every row of `sheet`, each in its savepoint, inside the caller's
    transaction: the caller keeps or rolls back the whole (`Journal.close`)."""
    importer = importer_class(actor=actor, cooperation=cooperation)
    report = ImportReport(
        kind=importer_class.kind,
        total_rows=len(sheet.rows),
        preview_headers=list(sheet.headers),
        preview_rows=_preview(sheet, preview_size),
        sheet=title,
    )
    mapping = _map_columns(importer, sheet, report)
    if mapping is None:
        report.counts = {str(label): 0 for label in importer.count_labels.values()}
        for error in report.errors:
            error.sheet = title
        return report

    def place(key: str) -> tuple[str, str]:
        header = mapping.get(key, key)
        return header, sheet.letters.get(header, "")

    order = {
        header: index for index, header in enumerate(sheet.headers)
    }  # a row's errors, left to right

    for done, row in enumerate(sheet.rows, start=1):
        values = {key: row.get(header) for key, header in mapping.items()}
        present = importer.present
        try:
            _refuse_nul(values)
            with journal.row(), transaction.atomic():
                importer.import_row(row.number, values)
        except Problems as error:
            problems = error.problems
        except ValidationError as error:
            problems = _validation_problems(importer, error)
        except IntegrityError:
            problems = [
                (
                    "",
                    _(
                        "Cette ligne contredit une donnée déjà enregistrée (doublon ?) : vérifiez-la."
                    ),
                )
            ]
        else:
            problems = []
        if problems:
            importer.present = present  # a refused row is not « déjà présente »
        row_errors = [
            RowError(
                row.number,
                *place(key),
                message,
                sheet=title,
                value=as_text(row.get(mapping.get(key, key))),
            )
            if key
            else RowError(row.number, "", "", message, sheet=title)
            for key, message in problems
        ]
        report.errors.extend(sorted(row_errors, key=lambda e: order.get(e.column, len(order))))
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(sheet.rows)):
            progress(done, len(sheet.rows))
    report.counts = {
        str(label): importer.counts[name] for name, label in importer.count_labels.items()
    }
    report.present_rows = importer.present
    return report


def _validation_problems(importer: Importer, error: ValidationError) -> list[tuple[str, str]]:
    if hasattr(error, "error_dict"):
        return [
            (importer.field_columns.get(name, ""), message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [("", message) for message in error.messages]
