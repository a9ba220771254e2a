"""Reading spreadsheet files with their limits checked while they are read (see
coope/lib/spreadsheets.py for the API callers use).

A file from outside is hostile until read: a zip member that expands to gigabytes, an ODS cell
repeated a million times, a workbook cut in the middle, a CSV in an unknown encoding. So:

- XLSX and ODS are zip files. Before any row is read, every member's declared size is checked
  (`MAX_MEMBER_BYTES`, `MAX_UNCOMPRESSED_BYTES`) and every member is read once, its bytes
  counted: a member cut or altered (its CRC) refuses the whole file.
- The sheets' XML is streamed (no DTD, so no entity, as defusedxml forbids), each row handed on and
  dropped as soon as it is read; repeated rows and cells (ODS `number-rows-repeated`,
  `number-columns-repeated`) are expanded only as far as the limits allow; rows
  (`MAX_ROWS`), cells (`MAX_CELLS`), columns (`MAX_COLUMNS`) and a cell's text
  (`MAX_CELL_CHARS`) are counted as they come.
- A CSV's encoding is recognised (UTF-8 with or without BOM, UTF-16, Windows-1252, Mac Roman,
  DOS CP850) or, when the text could be read more than one way, asked (`EncodingUnsure`); a NUL
  byte refuses the file.

Every refusal is a `SpreadsheetError` whose message, in French, says what to do; it never quotes
the file's content (names, birth dates), and nothing is logged.
"""

import codecs
import csv
import datetime
import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError, XMLPullParser

from defusedxml import DefusedXmlException, DTDForbidden  # type: ignore[import-untyped]
from django.utils.translation import gettext as _
from openpyxl.utils.cell import coordinate_to_tuple

MAX_FILE_BYTES = 10 * 1024 * 1024  # the upload's own limit (compressed, for XLSX and ODS)
MAX_MEMBERS = 1000  # files inside an XLSX or ODS
MAX_MEMBER_BYTES = 200 * 1024 * 1024  # one member, uncompressed (a sheet's XML)
MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024  # all members, uncompressed
MAX_SHEETS = 100
MAX_ROWS = 50_000  # rows with something in them, per sheet (and per file, for an import)
MAX_COLUMNS = 200  # columns read; those beyond are ignored
MAX_CELLS = 1_500_000  # cells kept in memory for a file: rows x titled columns
MAX_CELL_CHARS = 10_000  # the text of one cell

# Encodings a person may choose (the form's « Encodage », the command's --encoding), with the
# names people know them by.
ENCODING_LABELS = {
    "utf-8": "UTF-8",
    "utf-16": "UTF-16",
    "cp1252": "Latin-1 (Windows)",
    "latin-1": "Latin-1",
    "mac_roman": "Mac Roman (Mac)",
    "cp850": "DOS (CP850)",
    "iso8859-15": "Latin-9 (ISO 8859-15)",
}
ENCODING_CHOICES = ("utf-8", "cp1252", "mac_roman", "cp850", "iso8859-15", "utf-16")
# The 8-bit encodings a French file may be in, recognised by the letters they give.
_GUESSED = ("cp1252", "mac_roman", "cp850")

TABLENS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICENS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXTNS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
SHEETNS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

RawRow = tuple[int, list[Any]]  # (row number as the spreadsheet shows it, its values)


class SpreadsheetError(Exception):
    """A file that cannot be read as a table; the message tells the user what to do."""


class EncodingUnsure(SpreadsheetError):
    """A CSV file that reads as text in more than one encoding: the person says which."""


def thousands(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


def broken(name: str) -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "Le fichier « %(name)s » est incomplet ou abîmé et ne peut pas être lu : rien n'a été "
            "importé. Ouvrez-le dans le tableur, enregistrez-le de nouveau, puis réessayez."
        )
        % {"name": name}
    )


def too_big(name: str) -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "« %(name)s » est trop gros une fois décompressé (%(max)s Mo au plus) : découpez-le "
            "en plusieurs fichiers."
        )
        % {"name": name, "max": thousands(MAX_UNCOMPRESSED_BYTES // (1024 * 1024))}
    )


def too_many_rows(name: str) -> SpreadsheetError:
    return SpreadsheetError(
        _("« %(name)s » a plus de %(max)s lignes : découpez-le en plusieurs fichiers.")
        % {"name": name, "max": thousands(MAX_ROWS)}
    )


def too_many_cells(name: str) -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "« %(name)s » a plus de %(max)s cellules : découpez-le en plusieurs fichiers, ou "
            "retirez les colonnes qui ne sont pas à importer."
        )
        % {"name": name, "max": thousands(MAX_CELLS)}
    )


def cell_too_long(row: int, letter: str) -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "Ligne %(row)s, colonne %(letter)s : la cellule a plus de %(max)s caractères. "
            "Raccourcissez-la, puis réessayez."
        )
        % {"row": row, "letter": letter, "max": thousands(MAX_CELL_CHARS)}
    )


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# -- zip files (XLSX, ODS) ----------------------------------------------------------------------


class CountedReader(io.RawIOBase):
    """A zip member read through a counter: more bytes than allowed stops the reading."""

    def __init__(self, member: IO[bytes], limit: int, name: str):
        self.member, self.limit, self.name, self.count = member, limit, name, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.member.read(-1 if size is None else size)
        self.count += len(data)
        if self.count > self.limit:
            raise too_big(self.name)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.member.close()
        super().close()


def open_zip(data: bytes, name: str) -> zipfile.ZipFile:
    """The archive, once its members' sizes are checked and every member read in full (a member
    cut or altered fails its CRC here, before any row is read)."""
    if len(data) > MAX_FILE_BYTES:
        raise too_big(name)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise too_big(name)
        if any(info.flag_bits & 0x1 for info in infos):
            raise SpreadsheetError(
                _(
                    "« %(name)s » est protégé par un mot de passe : enregistrez-le sans mot de "
                    "passe, puis réessayez."
                )
                % {"name": name}
            )
        if any(info.file_size > MAX_MEMBER_BYTES for info in infos) or (
            sum(info.file_size for info in infos) > MAX_UNCOMPRESSED_BYTES
        ):
            raise too_big(name)
        for info in infos:
            with archive.open(info) as member:
                counted = CountedReader(member, min(info.file_size, MAX_MEMBER_BYTES), name)
                while counted.read(1 << 20):
                    pass
    except SpreadsheetError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError):
        raise broken(name) from None
    return archive


def zip_format(archive: zipfile.ZipFile, extension: str, name: str) -> str:
    names = set(archive.namelist())
    if "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
        return "ods"
    if "xl/workbook.xml" in names or ("[Content_Types].xml" in names and extension == "xlsx"):
        return "xlsx"
    raise SpreadsheetError(
        _(
            "« %(name)s » n'est pas un tableau : envoyez un fichier CSV, XLSX (Excel) "
            "ou ODS (LibreOffice)."
        )
        % {"name": name}
    )


ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def _events(stream: IO[bytes] | io.RawIOBase) -> Iterator[tuple[str, Any]]:
    """The XML's start and end events, parsed by the C parser as the bytes come. No DTD: an
    XLSX or ODS never has one, and without it no entity can be declared (billion laughs) or
    point outside (XXE), which is what defusedxml forbids; its own iterparse does the same
    with a parser in Python, three times slower (measured on 5,000 rows)."""
    parser: XMLPullParser[Element] = XMLPullParser(events=("start", "end"))
    tail = b""
    while chunk := stream.read(1 << 16):
        window = tail + chunk
        if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
            raise DTDForbidden(None, None, None)
        tail = window[-16:]
        parser.feed(chunk)
        yield from _pairs(parser)
    parser.close()
    yield from _pairs(parser)


def _pairs(parser: "XMLPullParser[Element]") -> Iterator[tuple[str, Any]]:
    for event in parser.read_events():
        yield event[0], event[1]  # type: ignore[misc]  # start and end events are pairs


class _Counter:
    """Rows and cells of a whole file, as they are read."""

    def __init__(self, name: str):
        self.name = name
        self.cells = 0

    def row(self, values: list[Any]) -> None:
        self.cells += sum(1 for value in values if value not in ("", None))
        if self.cells > MAX_CELLS:
            raise too_many_cells(self.name)


def guarded[T](rows: Iterator[T], name: str) -> Iterator[T]:
    """A parser's failures (bad XML, a DTD, a cut stream) as « abîmé », never with the content."""
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except SpreadsheetError:
            raise
        except (
            ParseError,
            DefusedXmlException,
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            OSError,
            ValueError,
            KeyError,
            IndexError,
            TypeError,
            OverflowError,
        ):
            raise broken(name) from None
        yield row


# -- ODS ----------------------------------------------------------------------------------------

_T = f"{{{TABLENS}}}"
_O = f"{{{OFFICENS}}}"
_X = f"{{{TEXTNS}}}"
_TABLE, _ROW, _CELL, _COVERED = (
    _T + "table",
    _T + "table-row",
    _T + "table-cell",
    _T + "covered-table-cell",
)


def _repeat(element: Element, attribute: str) -> int:
    raw = element.get(_T + attribute)
    if raw is None:
        return 1
    number = int(raw)  # a ValueError is a damaged file
    return max(1, number)


def _ods_text(element: Element, limit: int) -> str:
    """The text of a paragraph as the spreadsheet shows it (spaces, tabs, line breaks)."""
    parts: list[str] = [element.text or ""]
    for child in element:
        tag = child.tag
        if tag == _X + "s":
            parts.append(" " * min(int(child.get(_X + "c") or 1), limit + 1))
        elif tag == _X + "tab":
            parts.append("\t")
        elif tag == _X + "line-break":
            parts.append("\n")
        elif tag != f"{{{OFFICENS}}}annotation":
            parts.append(_ods_text(child, limit))
        parts.append(child.tail or "")
    return "".join(parts)


def _ods_value(cell: Element, row: int, column: int) -> Any:
    kind = cell.get(_O + "value-type")
    try:
        if kind == "date":
            raw = cell.get(_O + "date-value") or ""
            return (
                datetime.datetime.fromisoformat(raw)
                if "T" in raw
                else datetime.date.fromisoformat(raw)
            )
        if kind in ("float", "percentage", "currency"):
            number = Decimal(cell.get(_O + "value") or "0")
            if number.is_finite() and abs(number.adjusted()) <= 20:
                return number
        elif kind == "boolean":
            return cell.get(_O + "boolean-value") == "true"
    except (ValueError, InvalidOperation):
        pass  # an odd value: the text the spreadsheet shows
    paragraphs = [child for child in cell if child.tag in (_X + "p", _X + "h")]
    text = "\n".join(_ods_text(p, MAX_CELL_CHARS) for p in paragraphs)
    if len(text) > MAX_CELL_CHARS:
        raise cell_too_long(row, column_letter(column))
    return text


def ods_tables(archive: zipfile.ZipFile, name: str) -> Iterator[tuple[str, Iterator[RawRow]]]:
    """(title, rows) of every sheet, in order, streamed from content.xml; read each sheet's rows
    before the next. Rows with nothing in them are skipped (their numbers are not)."""
    try:
        member = archive.open("content.xml")
    except KeyError:
        raise broken(name) from None
    stream = CountedReader(member, MAX_MEMBER_BYTES, name)
    parser = _OdsParser(_events(stream), name)
    try:
        tables = 0
        while (title := parser.next_table()) is not None:
            tables += 1
            if tables > MAX_SHEETS:
                raise too_big(name)
            rows = guarded(parser.rows(), name)
            yield title, rows
            for _row in rows:  # what the reader left (read_spreadsheet reads one sheet)
                pass
    finally:
        stream.close()


class _OdsParser:
    def __init__(self, events: Iterator[tuple[str, Element]], name: str):
        self.events = guarded(events, name)
        self.name = name
        self.counter = _Counter(name)
        self.stack: list[Element] = []
        self.cell_depth = 0

    def next_table(self) -> str | None:
        for event, element in self.events:
            if event == "start":
                self.stack.append(element)
                if element.tag in (_CELL, _COVERED):
                    self.cell_depth += 1
                elif element.tag == _TABLE and self.cell_depth == 0:
                    return str(element.get(_T + "name") or "")
            else:
                self._end(element)
        return None

    def _end(self, element: Element) -> None:
        self.stack.pop()
        if element.tag in (_CELL, _COVERED):
            self.cell_depth -= 1
        if self.cell_depth == 0 and self.stack:
            self.stack[-1].remove(element)  # read: dropped, memory stays flat

    def rows(self) -> Iterator[RawRow]:
        number = 1
        data_rows = 0
        values: list[Any] = []
        blanks = 0  # empty cells waiting for a value on their right
        for event, element in self.events:
            tag = element.tag
            if event == "start":
                self.stack.append(element)
                if tag in (_CELL, _COVERED):
                    self.cell_depth += 1
                elif tag == _ROW and self.cell_depth == 0:
                    values, blanks = [], 0
                continue
            if tag in (_CELL, _COVERED) and self.cell_depth == 1:
                repeat = _repeat(element, "number-columns-repeated")
                value = _ods_value(element, number, len(values) + blanks)
                if value == "":
                    blanks += repeat
                elif len(values) < MAX_COLUMNS:
                    values.extend([""] * min(blanks, MAX_COLUMNS))
                    blanks = 0
                    values.extend([value] * min(repeat, MAX_COLUMNS))
                    del values[MAX_COLUMNS:]
            elif tag == _ROW and self.cell_depth == 0:
                repeat = _repeat(element, "number-rows-repeated")
                if not values:
                    number += repeat  # blank rows, however many: nothing to keep
                else:
                    for _copy in range(repeat):
                        data_rows += 1
                        if data_rows > MAX_ROWS + 1:  # the titles and MAX_ROWS rows
                            raise too_many_rows(self.name)
                        self.counter.row(values)
                        yield number, values
                        number += 1
            elif tag == _TABLE and self.cell_depth == 0:
                self._end(element)
                return
            self._end(element)


# -- XLSX ---------------------------------------------------------------------------------------


def xlsx_tables(data: bytes, name: str) -> Iterator[tuple[str, Iterator[RawRow]]]:
    """(title, rows) of every worksheet, in order, each streamed from its XML: openpyxl's reader
    reads the workbook, its shared strings and styles (not its sheets: openpyxl's read-only
    sheets parse their whole XML once more to size it); the rows are parsed here, one at a time,
    with openpyxl's own cell parser (dates, shared strings, booleans)."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.worksheet._reader import WorkSheetParser

    try:
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        sheets = [
            (sheet.name, rel.target)
            for sheet, rel in reader.parser.find_sheets()
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type
        ]
    except SpreadsheetError:
        raise
    except Exception:  # openpyxl raises many kinds of errors on a damaged file
        raise broken(name) from None
    if len(sheets) > MAX_SHEETS:
        raise too_big(name)
    counter = _Counter(name)
    workbook = reader.wb
    try:
        for title, path in sheets:
            try:
                source = CountedReader(reader.archive.open(path), MAX_MEMBER_BYTES, name)
                cells = WorkSheetParser(
                    source,
                    reader.shared_strings,
                    data_only=True,
                    epoch=workbook.epoch,
                    date_formats=workbook._date_formats,
                    timedelta_formats=workbook._timedelta_formats,
                )
            except Exception:
                raise broken(name) from None
            rows = guarded(_xlsx_rows(_events(source), cells, counter, name), name)
            try:
                yield title, rows
                for _row in rows:
                    pass
            finally:
                source.close()
    finally:
        reader.archive.close()


_S = f"{{{SHEETNS}}}"


def _xlsx_cell(element: Element, cells: Any) -> tuple[int, Any]:
    """(column, value) of a cell; an inline string (what most programs but Excel write) read
    here, as openpyxl's parser would but without building its rich-text objects."""
    if element.get("t") == "inlineStr":
        coordinate = element.get("r")
        if coordinate:
            _row, column = coordinate_to_tuple(coordinate)
            cells.col_counter = column
        else:
            cells.col_counter += 1
            column = cells.col_counter
        inline = element.find(_S + "is")
        if inline is None:
            return column, None
        texts = [t.text or "" for t in inline.iter(_S + "t") if t not in _phonetic(inline)]
        return column, "".join(texts)
    parsed = cells.parse_cell(element)
    return parsed["column"], parsed["value"]


def _phonetic(inline: Element) -> list[Element]:
    """The phonetic guides of a string (Japanese), which are not its text."""
    return [t for run in inline.iter(_S + "rPh") for t in run.iter(_S + "t")]


def _xlsx_rows(
    events: Iterator[tuple[str, Element]], cells: Any, counter: _Counter, name: str
) -> Iterator[RawRow]:
    stack: list[Element] = []
    values: dict[int, Any] = {}
    data_rows = 0
    for event, element in events:
        tag = element.tag
        if event == "start":
            stack.append(element)
            if tag == _S + "row":
                raw = element.get("r")
                cells.row_counter = int(float(raw)) if raw else cells.row_counter + 1
                cells.col_counter = 0
                values = {}
            continue
        stack.pop()
        if tag == _S + "c" and stack and stack[-1].tag == _S + "row":
            column, value = _xlsx_cell(element, cells)
            if column <= MAX_COLUMNS and value is not None and value != "":
                if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                    raise cell_too_long(cells.row_counter, column_letter(column - 1))
                values[column - 1] = value
        elif tag == _S + "row" and values:
            data_rows += 1
            if data_rows > MAX_ROWS + 1:  # the titles and MAX_ROWS rows
                raise too_many_rows(name)
            row = [""] * (max(values) + 1)
            for index, value in values.items():
                row[index] = value
            counter.row(row)
            yield cells.row_counter, row
        if stack and tag in (_S + "c", _S + "row"):
            stack[-1].remove(element)


# -- CSV ----------------------------------------------------------------------------------------


def decode(data: bytes, name: str, encoding: str | None = None) -> tuple[str, str]:
    """The text of a CSV file and its encoding: the one given, or the one recognised; raises
    EncodingUnsure when the bytes read as text in more than one encoding."""
    if encoding:
        return _decode_as(data, name, encoding), encoding
    if data.startswith(codecs.BOM_UTF8):
        return _decode_as(data, name, "utf-8"), "utf-8"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_as(data, name, "utf-16"), "utf-16"
    if b"\x00" in data:
        unmarked = _utf16_without_bom(data)
        if unmarked is None:
            raise nul_byte(name)
        return _decode_as(data, name, unmarked), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    scored = []
    for candidate in _GUESSED:
        try:
            text = data.decode(candidate)
        except UnicodeDecodeError:
            continue
        score, strange = french_score(text)
        scored.append((score, -strange, candidate, text))
    scored.sort(reverse=True)
    if scored:
        score, strange, candidate, text = scored[0]
        second = scored[1][0] if len(scored) > 1 else float("-inf")
        if score > 0 and strange == 0 and score - second >= 2:
            return text, candidate
    raise EncodingUnsure(
        _(
            "Coopé ne reconnaît pas avec certitude l'encodage de « %(name)s » : ses lettres "
            "accentuées pourraient être mal lues. Dites dans quel encodage il est (Windows, "
            "Mac, DOS...), ou enregistrez-le depuis le tableur en « CSV UTF-8 », puis "
            "réessayez."
        )
        % {"name": name}
    )


def nul_byte(name: str) -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "« %(name)s » contient un caractère nul : ce n'est pas un fichier texte, ou il est "
            "abîmé. Rien n'a été importé : enregistrez-le de nouveau en CSV depuis le tableur."
        )
        % {"name": name}
    )


def _decode_as(data: bytes, name: str, encoding: str) -> str:
    codec = "utf-8-sig" if encoding == "utf-8" else encoding
    try:
        text = data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        raise SpreadsheetError(
            _(
                "« %(name)s » ne se lit pas en %(encoding)s : choisissez un autre encodage, ou "
                "enregistrez-le depuis le tableur en « CSV UTF-8 »."
            )
            % {"name": name, "encoding": ENCODING_LABELS.get(encoding, encoding)}
        ) from None
    if "\x00" in text:
        raise nul_byte(name)
    return text


def _utf16_without_bom(data: bytes) -> str | None:
    """utf-16-le or utf-16-be when every other byte is a zero (text in Latin letters)."""
    head = data[:4096]
    if len(head) < 4:
        return None
    odd, even = head[1::2], head[0::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


_FRENCH = set("àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ")
_SYMBOLS = set("«»°€’‘“”–—…·•§²³µ×\u00a0\u202f")


def french_score(text: str) -> tuple[float, int]:
    """How much the non-ASCII characters of `text` look like French written right: French
    letters inside words score, other Latin letters a little; symbols stuck to letters, upper
    case inside a lower-case word and runs of three accented letters or more count against; a
    control character or a box-drawing one is strange. Returns (score, strange characters)."""
    score = 0.0
    strange = 0
    run = 0
    previous = "\n"
    for index, char in enumerate(text):
        if char < "\x80":
            if run > 2:
                score -= 3 * run
            run = 0
            previous = char
            continue
        run += 1
        following = text[index + 1 : index + 2]
        if char.isalpha() and ord(char) < 0x250:
            score += 2 if char in _FRENCH else 0.5
            if (
                char.isupper()
                and previous.isalpha()
                and (previous.islower() or following.islower())
            ):
                score -= 3  # « rÈunion », « RÈunion »: upper case inside a lower-case word
        elif char in _SYMBOLS:
            score += 0.5 - previous.isalpha() - following.isalpha()  # « …lodie », « Zo‚ »
        elif unicodedata.category(char).startswith(("C", "S", "P")) or char.isalpha():
            strange += 1
            score -= 5
        previous = char
    if run > 2:
        score -= 3 * run
    return score, strange


def sniff_delimiter(text: str) -> str:
    """The delimiter of the header line: ';' (French Excel), ',' or a tab."""
    first_line = next((line for line in text[:65536].splitlines() if line.strip()), "")
    outside_quotes = re.sub(r'"[^"]*"', "", first_line)
    counts = {delimiter: outside_quotes.count(delimiter) for delimiter in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def csv_rows(text: str, name: str, undefuse: Any) -> Iterator[RawRow]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    counter = _Counter(name)
    data_rows = 0
    number = 0
    try:
        for number, row in enumerate(reader, start=1):  # noqa: B007 (read after the loop)
            values = [undefuse(value) for value in row[:MAX_COLUMNS]]
            if not any(value.strip() for value in values):
                continue
            for index, value in enumerate(values):
                if len(value) > MAX_CELL_CHARS:
                    raise cell_too_long(number, column_letter(index))
            data_rows += 1
            if data_rows > MAX_ROWS + 1:  # the titles and MAX_ROWS rows
                raise too_many_rows(name)
            counter.row(values)
            yield number, values
    except csv.Error:
        raise SpreadsheetError(
            _(
                "Ligne %(line)s : le fichier CSV est mal formé (une cellule trop longue, ou des "
                "guillemets qui ne se ferment pas). Vérifiez les guillemets de cette ligne."
            )
            % {"line": number + 1}
        ) from None
