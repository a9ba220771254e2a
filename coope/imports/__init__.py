"""Spreadsheets in: the import framework, its kinds found by discovery, and the data pages
(`/donnees/`, see docs/imports.md).

An app brings an import kind by subclassing `Importer` (in its own `importing.py`) and listing
its dotted path in its declaration, `coope = CoopeApp(import_kinds=(...))` in its apps.py.
`kinds()` reads every declaration; `run_import` runs one kind over the rows of a file, and
`run_workbook` every sheet of a workbook, in the order of the kinds' `depends_on`.

Re-importing is safe: a row already in Coopé, the same, calls `Importer.already_present()` and
writes nothing (« 0 nouvelle ligne, 2 635 déjà présentes »); a row that matches a record but
says otherwise is a bad row (`Importer.differences`). Each `Column` has its French `help` and
an `example`: the import page, the help pages and the template workbook show them.

    cells.py      reading cells (dates, amounts, choices, times), each with a French reason
    framework.py  the report, the columns, the `Importer` base class and its look-ups
    registry.py   the kinds, found by discovery, in dependency order; a sheet's kind by its name
    running.py    mapping the columns, checking and writing the rows, the audit of the import
    workbook.py   a whole workbook (or one sheet) planned and run in one transaction
    template.py   the template workbook (XLSX, ODS)
    models.py     ImportJob: an upload, its preview, progress and result
    jobs.py       running a job, in the request or as a background task (django.tasks)
    views.py      the data pages: upload, progress, preview, confirm, result, help, template,
                  and the exports
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from coope.imports.cells import (
        YES_NO,
        as_text,
        check_past,
        choices_table,
        key_of,
        parse_choice,
        parse_date,
        parse_euros,
        parse_time,
        parse_whole_number,
        take_cell,
        words_of,
    )
    from coope.imports.framework import (
        Column,
        Importer,
        ImportReport,
        Problems,
        RowError,
        explained,
        name_columns,
        new_and_present,
        person_columns,
        person_of_row,
    )
    from coope.imports.registry import (
        UnknownKind,
        find_kind,
        kind_aliases,
        kinds,
        ordered_kinds,
    )
    from coope.imports.running import (
        IMPORT_ACTION,
        PREVIEW_ROWS,
        PROGRESS_EVERY,
        note_written,
        run_import,
    )

__all__ = [
    "YES_NO",
    "IMPORT_ACTION",
    "PREVIEW_ROWS",
    "PROGRESS_EVERY",
    "Column",
    "ImportReport",
    "Importer",
    "Problems",
    "RowError",
    "UnknownKind",
    "as_text",
    "check_past",
    "choices_table",
    "explained",
    "find_kind",
    "key_of",
    "kind_aliases",
    "kinds",
    "name_columns",
    "new_and_present",
    "note_written",
    "ordered_kinds",
    "parse_choice",
    "parse_date",
    "parse_euros",
    "parse_time",
    "parse_whole_number",
    "person_columns",
    "person_of_row",
    "run_import",
    "take_cell",
    "words_of",
]

# coope.imports is also an app (its ImportJob model): the package is imported while the apps
# load, before any model may be, so its names are imported at their first use.
_HOMES = {
    **dict.fromkeys(
        (
            "YES_NO",
            "as_text",
            "check_past",
            "choices_table",
            "key_of",
            "parse_choice",
            "parse_date",
            "parse_euros",
            "parse_time",
            "parse_whole_number",
            "take_cell",
            "words_of",
        ),
        "coope.imports.cells",
    ),
    **dict.fromkeys(
        (
            "Column",
            "Importer",
            "ImportReport",
            "Problems",
            "RowError",
            "explained",
            "name_columns",
            "new_and_present",
            "new_and_present",
            "person_columns",
            "person_of_row",
        ),
        "coope.imports.framework",
    ),
    **dict.fromkeys(
        ("UnknownKind", "find_kind", "kind_aliases", "kinds", "ordered_kinds"),
        "coope.imports.registry",
    ),
    **dict.fromkeys(
        ("IMPORT_ACTION", "PREVIEW_ROWS", "PROGRESS_EVERY", "note_written", "run_import"),
        "coope.imports.running",
    ),
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'coope.imports' has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)
