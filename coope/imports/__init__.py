"""Spreadsheets in: the import framework, its kinds found by discovery, and the data pages
(`/donnees/`, see docs/imports.md).

An app brings an import kind by subclassing `Importer` (in its own `importing.py`) and listing
its dotted path in its declaration, `coope = CoopeApp(import_kinds=(...))` in its apps.py.
`kinds()` reads every declaration; `run_import` runs one kind over the rows of a file.

    cells.py      reading cells (dates, amounts, choices, times), each with a French reason
    framework.py  the report, the columns, the `Importer` base class and its look-ups
    registry.py   the kinds, found by discovery
    running.py    mapping the columns, checking and writing the rows, the audit of the import
    views.py      the data pages: upload, preview, confirm, result, and the exports
"""

from coope.imports.cells import (
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
    name_columns,
    person_columns,
    person_of_row,
)
from coope.imports.registry import UnknownKind, find_kind, kind_aliases, kinds
from coope.imports.running import (
    IMPORT_ACTION,
    PREVIEW_ROWS,
    PROGRESS_EVERY,
    note_written,
    run_import,
)

__all__ = [
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
    "find_kind",
    "key_of",
    "kind_aliases",
    "kinds",
    "name_columns",
    "note_written",
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
