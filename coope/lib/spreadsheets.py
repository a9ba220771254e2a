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
import re
import zipfile
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO

import tablib
from django.utils.translation import gettext as _
from odf import teletype
from odf.namespaces import OFFICENS, TABLENS
from odf.opendocument import load as load_ods
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMATS = ("csv", "xlsx", "ods")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
ENCODING_LABELS = {
    "utf-8": "UTF-8",
    "utf-16": "UTF-16",
    "cp1252": "Latin-1 (Windows)",
    "latin-1": "Latin-1",
}

MAX_ROWS = 50_000
MAX_COLUMNS = 200
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls)

Cell = str | datetime.date | datetime.datetime


class SpreadsheetError(Exception):
    """A file that cannot be read as a table; the message tells the user what to do."""


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


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# -- reading -----------------------------------------------------------------------------------


def read_spreadsheet(data: bytes | BinaryIO, filename: str = "") -> Sheet:
    """Read a CSV, XLSX or ODS file (detected from its content, then its name) into a Sheet."""
    if not isinstance(data, bytes | bytearray):
        data = data.read()
    data = bytes(data)
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
        fmt = _zip_format(data, extension, name)
        table = _read_xlsx(data, name) if fmt == "xlsx" else _read_ods(data, name)
        return _to_sheet(fmt, table, name)
    text, encoding = _decode(data, name)
    return _to_sheet("csv", _read_csv(text), name, encoding=encoding)


def _broken(name: str) -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "Le fichier « %(name)s » est incomplet ou abîmé et ne peut pas être lu. "
            "Ouvrez-le dans le tableur, enregistrez-le de nouveau, puis réessayez."
        )
        % {"name": name}
    )


def _zip_format(data: bytes, extension: str, name: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
                return "ods"
            if "xl/workbook.xml" in names or (
                "[Content_Types].xml" in names and extension == "xlsx"
            ):
                return "xlsx"
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise _broken(name) from error
    raise SpreadsheetError(
        _(
            "« %(name)s » n'est pas un tableau : envoyez un fichier CSV, XLSX (Excel) "
            "ou ODS (LibreOffice)."
        )
        % {"name": name}
    )


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """UTF-8 (with or without BOM) first, UTF-16 when it says so, else Windows Latin-1."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as error:
            raise _broken(name) from error
    if b"\x00" in data[:4096]:
        raise SpreadsheetError(
            _(
                "« %(name)s » n'est pas un tableau : envoyez un fichier CSV, XLSX (Excel) "
                "ou ODS (LibreOffice)."
            )
            % {"name": name}
        )
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def sniff_delimiter(text: str) -> str:
    """The delimiter of the header line: ';' (French Excel), ',' or a tab."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    outside_quotes = re.sub(r'"[^"]*"', "", first_line)
    counts = {delimiter: outside_quotes.count(delimiter) for delimiter in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(text: str) -> Iterator[list[Any]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    try:
        for row in reader:
            yield [_undefuse(value) for value in row]
    except csv.Error as error:
        raise SpreadsheetError(
            _(
                "Ligne %(line)s : le fichier CSV est mal formé (%(error)s). Vérifiez "
                "les guillemets de cette ligne."
            )
            % {"line": reader.line_num, "error": error}
        ) from error


def _read_xlsx(data: bytes, name: str) -> Iterator[list[Any]]:
    tables = _xlsx_tables(data, name)
    try:
        for _title, rows in tables:
            yield from rows
            return
    finally:
        tables.close()


def _xlsx_tables(data: bytes, name: str) -> Generator[tuple[str, Iterator[list[Any]]], None, None]:
    """(title, rows) of every sheet, in the workbook's order; read each before the next."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds of errors on a damaged file
        raise _broken(name) from error
    try:
        for worksheet in workbook.worksheets:
            yield worksheet.title, _xlsx_rows(worksheet, name)
    finally:
        workbook.close()


def _xlsx_rows(worksheet: Any, name: str) -> Iterator[list[Any]]:
    rows = worksheet.iter_rows(values_only=True)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as error:  # a damaged sheet fails while it is being read
            raise _broken(name) from error
        yield list(row)


def _read_ods(data: bytes, name: str) -> Iterator[list[Any]]:
    for _title, rows in _ods_tables(data, name):
        yield from rows
        return


def _ods_tables(data: bytes, name: str) -> Iterator[tuple[str, Iterator[list[Any]]]]:
    try:
        document = load_ods(io.BytesIO(data))
    except Exception as error:  # odfpy raises many kinds of errors on a damaged file
        raise _broken(name) from error
    for node in document.spreadsheet.childNodes:
        if node.qname == (TABLENS, "table"):
            yield str(node.getAttrNS(TABLENS, "name") or ""), _ods_table_rows(node)


def _ods_table_rows(table: Any) -> Iterator[list[Any]]:
    blank_rows = 0
    for row in _ods_rows(table):
        repeat = int(row.getAttrNS(TABLENS, "number-rows-repeated") or 1)
        values = _ods_row_values(row)
        if not any(v != "" for v in values):
            blank_rows += repeat  # thousands of trailing blank rows are not materialised
            continue
        for _blank in range(min(blank_rows, MAX_ROWS + 1)):
            yield []
        blank_rows = 0
        for _copy in range(min(repeat, MAX_ROWS + 1)):
            yield list(values)


def _ods_rows(node: Any) -> Iterator[Any]:
    for child in node.childNodes:
        if child.nodeType != child.ELEMENT_NODE:
            continue
        if child.qname == (TABLENS, "table-row"):
            yield child
        elif child.qname[1] in ("table-header-rows", "table-rows", "table-row-group"):
            yield from _ods_rows(child)


def _ods_row_values(row: Any) -> list[Any]:
    values: list[Any] = []
    pending_blanks = 0
    for cell in row.childNodes:
        if cell.nodeType != cell.ELEMENT_NODE or cell.qname[1] not in (
            "table-cell",
            "covered-table-cell",
        ):
            continue
        repeat = int(cell.getAttrNS(TABLENS, "number-columns-repeated") or 1)
        kind = cell.getAttrNS(OFFICENS, "value-type")
        if kind == "date":
            raw = cell.getAttrNS(OFFICENS, "date-value") or ""
            value: Any = (
                datetime.datetime.fromisoformat(raw)
                if "T" in raw
                else datetime.date.fromisoformat(raw)
            )
        elif kind in ("float", "percentage", "currency"):
            value = Decimal(cell.getAttrNS(OFFICENS, "value") or "0")
        elif kind == "boolean":
            value = cell.getAttrNS(OFFICENS, "boolean-value") == "true"
        else:
            paragraphs = [
                node
                for node in cell.childNodes
                if node.nodeType == node.ELEMENT_NODE and node.qname[1] == "p"
            ]
            value = "\n".join(teletype.extractText(p) for p in paragraphs)
        if value == "" or value is None:
            pending_blanks += repeat  # blanks count only when a value follows them
            continue
        values.extend([""] * min(pending_blanks, MAX_COLUMNS))
        pending_blanks = 0
        values.extend([value] * min(repeat, MAX_COLUMNS))
        if len(values) > MAX_COLUMNS:
            break
    return values


def clean_cell(value: Any) -> Cell:
    """Spreadsheet values as text, except real dates; 26100.0 -> '26100'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, datetime.datetime):
        return value.date() if value.time() == datetime.time(0) else value
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float | Decimal):
        if value == int(value):
            return str(int(value))
        return format(Decimal(str(value)).normalize(), "f")
    return str(value).replace("\u00a0", " ").strip()


def read_workbook(data: bytes | BinaryIO, filename: str = "") -> list[tuple[str, Sheet]]:
    """Every sheet of an XLSX or ODS file with its title, in the file's order (a CSV file is one
    sheet, titled after the file). A sheet without any cell is left out; a sheet with its titles
    and no row has no rows (a workbook's unused sheets); a file with no sheet at all is refused."""
    if not isinstance(data, bytes | bytearray):
        data = data.read()
    data = bytes(data)
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if data.startswith(_ZIP_MAGIC) or extension in ("xlsx", "ods"):
        name = filename or _("le fichier")
        fmt = _zip_format(data, extension, name)
        tables = _xlsx_tables(data, name) if fmt == "xlsx" else _ods_tables(data, name)
        sheets = []
        for title, rows in tables:
            try:
                sheet = _collect(fmt, rows, name)
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
    stem = filename.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return [(stem, read_spreadsheet(data, filename))]


def _to_sheet(
    fmt: str, table: Iterable[list[Any]], name: str, encoding: str | None = None
) -> Sheet:
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
    fmt: str, table: Iterable[list[Any]], name: str, encoding: str | None = None
) -> Sheet | None:
    """The titles and rows of a table; None when it has no titles at all."""
    headers: list[str] | None = None
    keep: list[tuple[int, str]] = []
    rows: list[Row] = []
    sheet = Sheet(format=fmt, headers=[], rows=rows, encoding=encoding)
    for number, raw in enumerate(table, start=1):
        cells = [clean_cell(value) for value in raw[:MAX_COLUMNS]]
        if not any(cell != "" for cell in cells):
            continue
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
            letter = column_letter(index)
            if cell != "" and index not in named and letter not in sheet.unnamed_columns:
                sheet.unnamed_columns.append(letter)
        rows.append(
            Row(
                number=number,
                values={
                    header: cells[index] if index < len(cells) else "" for index, header in keep
                },
            )
        )
        if len(rows) > MAX_ROWS:
            raise SpreadsheetError(
                _("« %(name)s » a plus de %(max)s lignes : découpez-le en plusieurs fichiers.")
                % {"name": name, "max": f"{MAX_ROWS:,}".replace(",", " ")}
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
