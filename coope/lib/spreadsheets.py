"""Spreadsheets in and out: CSV, XLSX and ODS files read into rows, and rows written to files.

Generic on purpose: no model knowledge here. Reading gives a `Sheet`: its headers (the first
non-empty row) and its `Row`s, each with the row number the user sees in the spreadsheet (the
header is row 1 when the table starts at the top). Cells are text, or `datetime.date` /
`datetime.datetime` when the spreadsheet holds a real date.

Anything that cannot be read raises `SpreadsheetError` with a message in French that says what
to do about it.
"""

import csv
import datetime
import io
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO

import tablib
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from coope.lib.sheet_reading import (
    ENCODING_CHOICES,
    ENCODING_LABELS,
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ROWS,
    ODS_MIMETYPE,
    EncodingUnsure,
    RawRow,
    SpreadsheetError,
    cell_too_long,
    column_letter,
    csv_rows,
    decode,
    ods_tables,
    open_zip,
    sniff_delimiter,
    too_many_cells,
    too_many_rows,
    xlsx_tables,
    zip_format,
)

__all__ = [
    "CONTENT_TYPES",
    "ENCODING_CHOICES",
    "ENCODING_LABELS",
    "FORMATS",
    "MAX_CELL_CHARS",
    "MAX_CELLS",
    "MAX_COLUMNS",
    "MAX_ROWS",
    "ODS_MIMETYPE",
    "Cell",
    "EncodingUnsure",
    "Row",
    "Sheet",
    "SpreadsheetError",
    "check_file",
    "clean_cell",
    "column_letter",
    "read_spreadsheet",
    "read_workbook",
    "sniff_delimiter",
    "write_spreadsheet",
]

FORMATS = ("csv", "xlsx", "ods")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls)

Cell = str | datetime.date | datetime.datetime


@dataclass
class Row:
    number: int  # as the user sees it in the spreadsheet (header = row 1)
    values: dict[str, Cell]

    def get(self, header: str) -> Cell:
        return self.values.get(header, "")


@dataclass
class Sheet:
    format: str
    headers: list[str]
    rows: list[Row]
    encoding: str | None = None
    header_row: int = 1
    letters: dict[str, str] = field(default_factory=dict)  # header -> column letter
    unnamed_columns: list[str] = field(
        default_factory=list
    )  # letters of columns with data, no title

    @property
    def encoding_label(self) -> str:
        return ENCODING_LABELS.get(self.encoding or "", self.encoding or "")


# -- reading -----------------------------------------------------------------------------------


def _bytes(data: bytes | BinaryIO) -> bytes:
    if not isinstance(data, bytes | bytearray):
        data = data.read()
    return bytes(data)


def _format(data: bytes, filename: str) -> str:
    """csv, xlsx or ods, from the content, then the name; refuses an empty file and an .xls."""
    name = filename or _("le fichier")
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if not data.strip():
        raise SpreadsheetError(
            _("Le fichier « %(name)s » est vide : il n'y a rien à importer.") % {"name": name}
        )
    if data.startswith(_OLE_MAGIC) or extension == "xls":
        raise SpreadsheetError(
            _(
                "Le format Excel 97-2003 (.xls) n'est pas lu : ouvrez « %(name)s » "
                "dans le tableur et enregistrez-le en .xlsx, .ods ou .csv."
            )
            % {"name": name}
        )
    if data.startswith(_ZIP_MAGIC) or extension in ("xlsx", "ods"):
        return "zip"
    return "csv"


def check_file(data: bytes, filename: str = "", encoding: str | None = None) -> str:
    """What can be said of a file quickly, before its rows are read (on the upload page): its
    format (csv, xlsx, ods), or a SpreadsheetError (empty, .xls, a damaged or oversized zip, a
    CSV whose encoding is unsure or that holds a NUL byte)."""
    name = filename or _("le fichier")
    if _format(data, filename) == "csv":
        decode(data, name, encoding)
        return "csv"
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return zip_format(open_zip(data, name), extension, name)


def _tables(
    data: bytes, filename: str, encoding: str | None
) -> tuple[str, Iterator[tuple[str, Iterator[RawRow]]], str | None]:
    name = filename or _("le fichier")
    if _format(data, filename) == "csv":
        text, found = decode(data, name, encoding)
        stem = filename.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        return "csv", iter([(stem, csv_rows(text, name, _undefuse))]), found
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    archive = open_zip(data, name)
    fmt = zip_format(archive, extension, name)
    tables = xlsx_tables(data, name) if fmt == "xlsx" else ods_tables(archive, name)
    return fmt, tables, None


def read_spreadsheet(
    data: bytes | BinaryIO, filename: str = "", encoding: str | None = None
) -> Sheet:
    """Read a CSV, XLSX or ODS file (detected from its content, then its name) into a Sheet: its
    first sheet (the others are read too, to refuse a damaged file whole, but not kept).
    `encoding` is a CSV's, when the person said it; else it is recognised."""
    name = filename or _("le fichier")
    fmt, tables, found = _tables(_bytes(data), filename, encoding)
    sheet = None
    for number, (_title, rows) in enumerate(tables):
        if number == 0:
            sheet = _to_sheet(fmt, rows, name, encoding=found)
    if sheet is None:
        raise SpreadsheetError(
            _("Le fichier « %(name)s » est vide : il n'y a rien à importer.") % {"name": name}
        )
    return sheet


def read_workbook(
    data: bytes | BinaryIO, filename: str = "", encoding: str | None = None
) -> list[tuple[str, Sheet]]:
    """Every sheet of an XLSX or ODS file with its title, in the file's order (a CSV file is one
    sheet, titled after the file). A sheet without any cell is left out; a sheet with its titles
    and no row has no rows (a workbook's unused sheets); a file with no sheet at all is refused.
    The rows of all the sheets together are bounded by MAX_ROWS and MAX_CELLS."""
    name = filename or _("le fichier")
    fmt, tables, found = _tables(_bytes(data), filename, encoding)
    if fmt == "csv":
        [(title, rows)] = list(tables)
        return [(title, _to_sheet(fmt, rows, name, encoding=found))]
    sheets: list[tuple[str, Sheet]] = []
    budget = _Budget(name)
    for title, rows in tables:
        try:
            sheet = _collect(fmt, rows, name, budget=budget)
        except SpreadsheetError as error:
            raise SpreadsheetError(
                _("Feuille « %(sheet)s » : %(error)s") % {"sheet": title, "error": error}
            ) from error
        if sheet is not None:
            sheets.append((title, sheet))
    if not sheets:
        raise SpreadsheetError(
            _("Le fichier « %(name)s » est vide : il n'y a rien à importer.") % {"name": name}
        )
    return sheets


def clean_cell(value: Any) -> Cell:
    """Spreadsheet values as text, except real dates; 26100.0 -> '26100'. A number too big or
    not finite (1e400, NaN) stays as the text it is: the column's check refuses it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, datetime.datetime):
        return value.date() if value.time() == datetime.time(0) else value
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, Decimal) and (not value.is_finite() or abs(value.adjusted()) > 20):
        return str(value)
    if isinstance(value, float | Decimal):
        if abs(Decimal(value)) < 10**20 and value == int(value):
            return str(int(value))
        return format(Decimal(str(value)).normalize(), "f")
    return str(value).replace("\u00a0", " ").strip()


class _Budget:
    """The cells kept for a whole file (rows x titled columns), over all its sheets."""

    def __init__(self, name: str):
        self.name = name
        self.rows = 0
        self.cells = 0

    def add(self, cells: int) -> None:
        self.rows += 1
        self.cells += cells
        if self.rows > MAX_ROWS:
            raise too_many_rows(self.name)
        if self.cells > MAX_CELLS:
            raise too_many_cells(self.name)


def _to_sheet(fmt: str, table: Iterable[RawRow], name: str, encoding: str | None = None) -> Sheet:
    sheet = _collect(fmt, table, name, encoding)
    if sheet is None:
        raise SpreadsheetError(
            _("Le fichier « %(name)s » est vide : il n'y a rien à importer.") % {"name": name}
        )
    if not sheet.rows:
        raise SpreadsheetError(
            _("Le fichier « %(name)s » n'a qu'une ligne de titres et aucune ligne à importer.")
            % {"name": name}
        )
    return sheet


def _collect(
    fmt: str,
    table: Iterable[RawRow],
    name: str,
    encoding: str | None = None,
    budget: _Budget | None = None,
) -> Sheet | None:
    """The titles and rows of a table, as (number, values) come from a reader; None when it has
    no titles at all."""
    budget = budget or _Budget(name)
    headers: list[str] | None = None
    keep: list[tuple[int, str]] = []
    rows: list[Row] = []
    sheet = Sheet(format=fmt, headers=[], rows=rows, encoding=encoding)
    for number, raw in table:
        cells = [clean_cell(value) for value in raw[:MAX_COLUMNS]]
        if not any(cell != "" for cell in cells):
            continue
        for index, cell in enumerate(cells):
            if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
                raise cell_too_long(number, column_letter(index))
        if headers is None:
            headers = [str(cell) for cell in cells]
            sheet.header_row = number
            seen: dict[str, int] = {}
            for index, header in enumerate(headers):
                if not header:
                    continue
                if header in seen:
                    raise SpreadsheetError(
                        _(
                            "Deux colonnes ont le même titre « %(h)s » (colonnes %(a)s et %(b)s) : "
                            "renommez ou supprimez l'une d'elles."
                        )
                        % {"h": header, "a": column_letter(seen[header]), "b": column_letter(index)}
                    )
                seen[header] = index
                keep.append((index, header))
            sheet.headers = [header for _index, header in keep]
            sheet.letters = {header: column_letter(index) for index, header in keep}
            continue
        named = {index for index, _header in keep}
        for index, cell in enumerate(cells):
            if cell != "" and index not in named:
                letter = column_letter(index)
                if letter not in sheet.unnamed_columns:
                    sheet.unnamed_columns.append(letter)
        budget.add(len(keep))
        rows.append(
            Row(
                number=number,
                values={
                    header: cells[index] if index < len(cells) else "" for index, header in keep
                },
            )
        )
    if headers is None or not sheet.headers:
        return None
    return sheet


# -- writing -----------------------------------------------------------------------------------

_FORMULA_START = ("=", "@", "\t", "\r")
# A sign then only digits, spaces, points and commas: a number or a phone number, which a
# spreadsheet computes to itself ('-5', '+33 6 12 34 56 78', '-1,5').
_SIGNED_NUMBER = re.compile(r"[+-][\d ][\d .,]*")


def _defuse(value: str) -> str:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe.

    '+33 6 12...' and '-5' stay as they are; '=HYPERLINK(...)', '+cmd|...' and '-2+3' do not."""
    if value.startswith(_FORMULA_START) or (
        value[:1] in "+-" and value[1:2] and _SIGNED_NUMBER.fullmatch(value) is None
    ):
        return "'" + value
    return value


def _undefuse(value: str) -> str:
    """The apostrophe `_defuse` added to a CSV cell is taken off when the file comes back."""
    if value.startswith("'") and _defuse(value[1:]) != value[1:]:
        return value[1:]
    return value


def write_spreadsheet(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str, *, title: str = "Coopé"
) -> bytes:
    """Rows (text, numbers, Decimal, dates) as the bytes of a CSV, XLSX or ODS file."""
    if fmt == "csv":
        return _write_csv(headers, rows)
    if fmt == "xlsx":
        return _write_xlsx(headers, rows, title)
    if fmt == "ods":
        return _write_ods(headers, rows, title)
    raise ValueError(f"Unknown spreadsheet format {fmt!r}; expected one of {', '.join(FORMATS)}.")


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal | float):
        return str(value).replace(".", ",")
    if isinstance(value, str):
        return _defuse(value)
    return str(value)


def _write_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a BOM and ';' between cells: what French Excel and LibreOffice open directly."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_text(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def _write_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(re.sub(r"[\\*?:/\[\]]", "-", title)[:31] or "Coopé")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    widths = [len(str(h)) for h in headers]

    def cell(value: Any, *, header: bool = False) -> WriteOnlyCell:
        item = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            item.data_type = "s"  # never a formula, whatever the text starts with
        elif isinstance(value, datetime.datetime):
            item.number_format = "DD/MM/YYYY HH:MM"
        elif isinstance(value, datetime.date):
            item.number_format = "DD/MM/YYYY"
        if header:
            item.font = bold
        return item

    rows = list(rows)
    for row in rows:
        for index, value in enumerate(row[: len(widths)]):
            widths[index] = max(widths[index], min(len(_csv_text(value)), 50))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width + 2
    sheet.append([cell(str(h), header=True) for h in headers])
    for row in rows:
        sheet.append([cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_ods(headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str) -> bytes:
    dataset = tablib.Dataset(headers=list(headers), title=title)
    for row in rows:
        dataset.append([float(v) if isinstance(v, Decimal) else v for v in row])
    ods: bytes = dataset.export("ods")
    return ods
