"""A whole workbook imported in one go: each sheet holds one kind, named after it; the sheets
are checked and written in the order of the kinds' dependencies (people before their
memberships, whatever the order of the sheets in the file), in ONE transaction, with one report.

A file of one kind (a CSV, or a workbook when the user says what it contains) goes the same way,
as a plan of one sheet: the data pages and the background jobs know one path only.

    plan = plan_workbook(read_workbook(content, name))          # or plan_workbook(..., kind="people")
    report = run_workbook(plan, actor=user, cooperation=coop, dry_run=True)
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from coope.imports.cells import words_of
from coope.imports.framework import Importer, ImportReport, RowError, new_and_present
from coope.imports.registry import find_kind, kind_of_sheet, ordered_kinds
from coope.imports.running import PREVIEW_ROWS, Journal, check_rows
from coope.lib.db_statistics import LARGE_IMPORT_ROWS, refresh_statistics
from coope.lib.spreadsheets import MAX_ROWS, Sheet

# The template's own sheets: read by people, never imported.
README_SHEET = "Lisez-moi"
HELP_SHEET = "Aide"
_TEMPLATE_SHEETS = {words_of(README_SHEET), words_of(HELP_SHEET)}
MAX_ERRORS_KEPT = 500


@dataclass
class PlannedSheet:
    title: str
    importer: type[Importer]
    sheet: Sheet


@dataclass
class Plan:
    sheets: list[PlannedSheet] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Why the file cannot be imported at all (said on the upload page).
    problems: list[str] = field(default_factory=list)
    workbook: bool = False  # several kinds, one per sheet: the report names the sheets

    @property
    def total_rows(self) -> int:
        return sum(len(item.sheet.rows) for item in self.sheets)


def plan_workbook(sheets: list[tuple[str, Sheet]], *, kind: str | None = None) -> Plan:
    """Which sheet holds which kind, in the order they are imported. With `kind`, the file
    holds that kind only: its sheet named so, else its first sheet (as a single-sheet file)."""
    if kind is not None:
        return _plan_one_kind(sheets, find_kind(kind))
    plan = Plan(workbook=True)
    found: dict[str, PlannedSheet] = {}
    for title, sheet in sheets:
        if words_of(title) in _TEMPLATE_SHEETS:
            continue
        sheet_kind = kind_of_sheet(title)
        if sheet_kind is None:
            if sheet.rows:
                plan.warnings.append(
                    _(
                        "La feuille « %(s)s » ne correspond à aucun type d'import : elle est "
                        "ignorée. Donnez-lui le nom d'une feuille du modèle (%(known)s)."
                    )
                    % {"s": title, "known": _known_titles()}
                )
            continue
        if sheet_kind in found:
            plan.problems.append(
                _(
                    "Les feuilles « %(a)s » et « %(b)s » contiennent toutes deux des « %(k)s » : "
                    "réunissez-les en une seule feuille."
                )
                % {"a": found[sheet_kind].title, "b": title, "k": find_kind(sheet_kind).label}
            )
            continue
        found[sheet_kind] = PlannedSheet(title, find_kind(sheet_kind), sheet)
    order = list(ordered_kinds())
    plan.sheets = [
        found[k] for k in sorted(found, key=order.index) if found[k].sheet.rows
    ]  # a sheet left empty (the template's) is no kind to import
    if not plan.sheets and not plan.problems:
        plan.problems.append(
            _(
                "Aucune feuille de ce classeur n'a de ligne à importer : chaque feuille porte le "
                "nom d'un type (%(known)s), ses titres en ligne 1 et ses lignes en dessous."
            )
            % {"known": _known_titles()}
        )
    _check_size(plan)
    return plan


def _plan_one_kind(sheets: list[tuple[str, Sheet]], importer: type[Importer]) -> Plan:
    plan = Plan()
    named = [(t, s) for t, s in sheets if kind_of_sheet(t) == importer.kind]
    title, sheet = named[0] if named else sheets[0]
    if len(sheets) > 1:
        plan.warnings.append(
            _(
                "Seule la feuille « %(s)s » est lue. Pour importer toutes les feuilles du "
                "classeur, choisissez « Un classeur entier »."
            )
            % {"s": title}
        )
    if not sheet.rows:
        plan.problems.append(
            _("La feuille « %(s)s » n'a qu'une ligne de titres et aucune ligne à importer.")
            % {"s": title}
        )
    else:
        plan.sheets = [PlannedSheet(title, importer, sheet)]
    _check_size(plan)
    return plan


def _check_size(plan: Plan) -> None:
    if plan.total_rows > MAX_ROWS:
        plan.problems.append(
            _("Ce classeur a plus de %(max)s lignes en tout : découpez-le en plusieurs fichiers.")
            % {"max": f"{MAX_ROWS:,}".replace(",", "\u202f")}
        )


def _known_titles() -> str:
    return ", ".join(importer.sheet_title() for importer in ordered_kinds().values())


# -- running it -------------------------------------------------------------------------------


@dataclass
class WorkbookReport:
    sheets: list[ImportReport]
    warnings: list[str]
    workbook: bool = False
    written: bool = False
    dry_run: bool = False
    format: str = ""  # csv, xlsx, ods
    encoding: str = ""  # of a CSV file, as people name it (« Latin-1 (Windows) »)

    @property
    def errors(self) -> list[RowError]:
        return [error for report in self.sheets for error in report.errors]

    @property
    def has_errors(self) -> bool:
        return any(report.errors for report in self.sheets)

    @property
    def file_error(self) -> bool:
        """No sheet can be imported (its columns do not fit)."""
        return all(report.file_error for report in self.sheets)

    @property
    def total_rows(self) -> int:
        return sum(report.total_rows for report in self.sheets)

    @property
    def bad_row_count(self) -> int:
        return sum(report.bad_row_count for report in self.sheets)

    @property
    def good_row_count(self) -> int:
        return self.total_rows - self.bad_row_count

    @property
    def present_rows(self) -> int:
        return sum(report.present_rows for report in self.sheets)

    @property
    def new_row_count(self) -> int:
        return self.good_row_count - self.present_rows

    @property
    def new_and_present(self) -> str:
        return new_and_present(self.new_row_count, self.present_rows)

    def as_data(self) -> dict[str, Any]:
        """The report as JSON, kept with its job: the preview and result pages read this."""
        errors = self.errors
        return {
            "workbook": self.workbook,
            "format": self.format,
            "encoding": self.encoding,
            "written": self.written,
            "dry_run": self.dry_run,
            "warnings": [str(w) for w in self.warnings],
            "total": self.total_rows,
            "good": self.good_row_count,
            "bad": self.bad_row_count,
            "new": self.new_row_count,
            "present": self.present_rows,
            "new_and_present": self.new_and_present,
            "has_errors": self.has_errors,
            "file_error": self.file_error,
            "errors": [
                [e.sheet, e.row, e.column, e.letter, e.message] for e in errors[:MAX_ERRORS_KEPT]
            ],
            "more_errors": max(0, len(errors) - MAX_ERRORS_KEPT),
            "sheets": [
                {
                    "title": report.sheet,
                    "kind": report.kind,
                    "label": str(find_kind(report.kind).label),
                    "total": report.total_rows,
                    "good": report.good_row_count,
                    "bad": report.bad_row_count,
                    "new": report.new_row_count,
                    "present": report.present_rows,
                    "new_and_present": report.new_and_present,
                    "file_error": report.file_error,
                    "counts": [[label, number] for label, number in report.counts.items()],
                    "headers": report.preview_headers,
                    "rows": [[n, cells] for n, cells in report.preview_rows],
                    "bad_rows": sorted(
                        n for n, _cells in report.preview_rows if n in report.bad_rows
                    ),
                }
                for report in self.sheets
            ],
        }


def run_workbook(
    plan: Plan,
    *,
    actor,
    cooperation,
    only_good_rows: bool = False,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    preview_size: int = PREVIEW_ROWS,
) -> WorkbookReport:
    """Every sheet of the plan, in its order, in one transaction: kept only when no row is bad
    (or the user chose to leave the bad rows out), and never for a dry run (the preview)."""
    total = plan.total_rows
    first = plan.sheets[0].sheet if plan.sheets else None
    report = WorkbookReport(
        sheets=[],
        warnings=list(plan.warnings),
        workbook=plan.workbook,
        dry_run=dry_run,
        format=first.format if first else "",
        encoding=first.encoding_label if first else "",
    )
    journal = Journal(actor=actor, cooperation=cooperation, write=not dry_run)
    with transaction.atomic():
        offset = 0
        for item in plan.sheets:
            sheet_progress = None
            if progress is not None:

                def sheet_progress(done: int, _total: int, offset: int = offset) -> None:
                    progress(offset + done, total)

            report.sheets.append(
                check_rows(
                    item.importer,
                    item.sheet,
                    actor=actor,
                    cooperation=cooperation,
                    journal=journal,
                    progress=sheet_progress,
                    preview_size=preview_size,
                    title=item.title if plan.workbook else "",
                )
            )
            report.warnings += [
                _("Feuille « %(s)s » : %(w)s") % {"s": item.title, "w": w} if plan.workbook else w
                for w in report.sheets[-1].warnings
            ]
            offset += len(item.sheet.rows)
        report.written = (
            not dry_run and not report.file_error and (only_good_rows or not report.has_errors)
        )
        journal.close(keep=report.written)
    if report.written:  # an import can multiply a table's rows: the planner is told
        refresh_statistics(postgresql=report.total_rows >= LARGE_IMPORT_ROWS)
    return report
