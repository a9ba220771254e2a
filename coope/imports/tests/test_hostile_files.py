"""Files that could hurt: damaged, oversized once unzipped, repeated to millions of cells, in an
encoding nobody said. Each is refused whole with a French message, quickly, in little memory,
with nothing written and nothing of the file's content in the log."""

import io
import logging
import time
import tracemalloc
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django_scopes import scope

from coope.lib import sheet_reading
from coope.lib.spreadsheets import (
    EncodingUnsure,
    SpreadsheetError,
    check_file,
    read_spreadsheet,
    read_workbook,
)
from coope.people.models import Person
from coope.people.tests.spreadsheet_files import csv_bytes, ods_bytes, xlsx_bytes

ROWS = [
    ["prenom", "nom", "maison"],
    *[[f"Secretprenom{i}", f"Secretnom{i}", "A"] for i in range(60)],
]

ODS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
    "<office:body><office:spreadsheet>"
)
ODS_TAIL = "</office:spreadsheet></office:body></office:document-content>"


def cell(text: str, repeat: int = 1) -> str:
    more = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return f'<table:table-cell office:value-type="string"{more}><text:p>{text}</text:p></table:table-cell>'


def row(*cells: str, repeat: int = 1) -> str:
    more = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{more}>{''.join(cells)}</table:table-row>"


def ods_of(content_xml: str | bytes, *, declared: dict | None = None) -> bytes:
    """An ODS file whose content.xml is given as is (cut, repeated, hostile)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        archive.writestr("content.xml", content_xml)
    return buffer.getvalue()


def table(*rows: str, name: str = "Feuille1") -> str:
    return f'<table:table table:name="{name}">{"".join(rows)}</table:table>'


def rezipped(content: bytes, change, member: str = "xl/worksheets/sheet1.xml") -> bytes:
    """The same zip, with `change` applied to `member` (re-zipped: its CRC is right)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info)
            archive.writestr(info, change(data) if info.filename == member else data)
    return buffer.getvalue()


def cut_member(content: bytes, member: str) -> bytes:
    """The same zip, with `member` cut in the middle."""
    return rezipped(content, lambda data: data[: len(data) // 2], member)


def refused(content: bytes, name: str, match: str) -> None:
    with pytest.raises(SpreadsheetError, match=match):
        read_workbook(content, name)
    with pytest.raises(SpreadsheetError, match=match):
        read_spreadsheet(content, name)


BROKEN = "incomplet ou abîmé"


# -- damaged files --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_ods_whose_content_is_cut_is_refused_whole_and_nothing_personal_is_logged(
    world, tmp_path, caplog
):
    content = cut_member(ods_bytes(ROWS), "content.xml")
    refused(content, "personnes.ods", BROKEN)
    path = tmp_path / "personnes.ods"
    path.write_bytes(content)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(CommandError, match=BROKEN):
        call_command("import", "people", str(path), "--cooperation", "romans")
    with scope(cooperation=world.coop.pk):
        assert not Person.objects.filter(first_name__startswith="Secret").exists()
    assert "Secret" not in caplog.text


def test_an_xlsx_whose_sheet_is_cut_or_has_bad_xml_is_refused_whole():
    content = xlsx_bytes(ROWS)
    refused(cut_member(content, "xl/worksheets/sheet1.xml"), "p.xlsx", BROKEN)
    bad_xml = rezipped(content, lambda data: data.replace(b"</row>", b"</rowx>", 1))
    refused(bad_xml, "p.xlsx", BROKEN)


def test_a_cut_zip_or_a_member_altered_on_disk_is_refused():
    content = ods_bytes(ROWS)
    refused(content[: len(content) - 200], "p.ods", BROKEN)  # the central directory is gone
    refused(content[: len(content) // 2], "p.ods", BROKEN)
    # A byte changed inside the compressed content.xml: its CRC no longer matches.
    info = zipfile.ZipFile(io.BytesIO(content)).getinfo("content.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 20
    altered = content[:start] + bytes([content[start] ^ 0xFF]) + content[start + 1 :]
    refused(altered, "p.ods", BROKEN)


def test_a_second_sheet_damaged_refuses_the_first_too():
    second = (
        table(row(cell("prenom"), cell("nom")), row(cell("Awa"), cell("Diallo")))
        + '<table:table table:name="Deux"><table:table-row>'
    )
    refused(ods_of(ODS_HEAD + second), "p.ods", BROKEN)


def test_an_xml_with_a_dtd_or_entities_is_refused():
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    body = ODS_HEAD.replace('<?xml version="1.0" encoding="UTF-8"?>', laughs)
    content = ods_of(body + table(row(cell("prenom")), row(cell("&lol2;"))) + ODS_TAIL)
    refused(content, "p.ods", BROKEN)


def test_a_csv_with_a_nul_byte_is_refused_whole():
    content = csv_bytes(ROWS).replace(b"Secretnom30", b"Secret\x00nom30")
    refused(content, "p.csv", "caractère nul")
    with pytest.raises(SpreadsheetError, match="caractère nul"):
        check_file(content, "p.csv")


# -- limits checked while reading ----------------------------------------------------------------


def test_a_member_too_big_once_unzipped_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr(sheet_reading, "MAX_MEMBER_BYTES", 1024 * 1024)
    filler = row(cell("x" * 100)) * 20_000  # 2.6 MB of XML, a few KB zipped
    content = ods_of(ODS_HEAD + table(row(cell("prenom")), filler) + ODS_TAIL)
    assert len(content) < 50_000
    refused(content, "bombe.ods", "trop gros une fois décompressé")
    with pytest.raises(SpreadsheetError, match="trop gros"):
        check_file(content, "bombe.ods")


def test_a_member_that_says_it_is_small_and_is_not_is_refused():
    """The sizes a zip declares are checked, and the bytes are counted as they are read: a
    member that expands past its declared size fails."""
    content = ods_bytes(ROWS)
    info = zipfile.ZipFile(io.BytesIO(content)).getinfo("content.xml")
    lie = (100).to_bytes(4, "little")
    local = info.header_offset + 22  # the uncompressed size, in the local header
    content = content[:local] + lie + content[local + 4 :]
    entry = content.find(b"PK\x01\x02")
    while content[entry + 46 : entry + 46 + len("content.xml")] != b"content.xml":
        entry = content.find(b"PK\x01\x02", entry + 4)
    content = content[: entry + 24] + lie + content[entry + 28 :]  # ...in the central directory
    assert zipfile.ZipFile(io.BytesIO(content)).getinfo("content.xml").file_size == 100
    refused(content, "p.ods", BROKEN)


def test_rows_repeated_to_millions_stop_at_the_row_limit_quickly_in_little_memory(monkeypatch):
    """0.5 KB of XML that says « this row, ten million times »."""
    header = row(cell("prenom"), cell("nom"), cell("maison"))
    body = row(cell("Awa"), cell("Diallo"), cell("A"), repeat=10_000_000)
    content = ods_of(ODS_HEAD + table(header, body) + ODS_TAIL)
    start = time.perf_counter()
    with pytest.raises(SpreadsheetError, match="plus de 50\u202f000 lignes"):
        read_workbook(content, "bombe.ods")
    assert time.perf_counter() - start < 60  # 2 s on an idle machine, 11 s on a loaded one
    # The memory, traced (slowly) up to a tenth of the limit: what is kept is the rows read.
    monkeypatch.setattr(sheet_reading, "MAX_ROWS", 5_000)
    tracemalloc.start()
    with pytest.raises(SpreadsheetError, match="plus de 5\u202f000 lignes"):
        read_workbook(content, "bombe.ods")
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 10 * 1024 * 1024, peak


def test_cells_repeated_to_a_million_columns_are_read_up_to_the_column_limit():
    header = row(cell("prenom"), cell("nom"), cell("maison"))
    wide = row(cell("Awa"), cell("Diallo"), cell("A"), cell("x", repeat=1_000_000))
    blank_tail = (
        '<table:table-row table:number-rows-repeated="1048000">'
        '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
    )
    content = ods_of(ODS_HEAD + table(header, wide, blank_tail) + ODS_TAIL)
    start = time.perf_counter()
    sheet = read_spreadsheet(content, "large.ods")
    assert time.perf_counter() - start < 5
    assert [r.values for r in sheet.rows] == [{"prenom": "Awa", "nom": "Diallo", "maison": "A"}]
    assert sheet.unnamed_columns[0] == "D" and len(sheet.unnamed_columns) == 197


def test_the_cells_of_a_file_are_counted_across_its_sheets(monkeypatch):
    monkeypatch.setattr(sheet_reading, "MAX_CELLS", 100)
    monkeypatch.setattr("coope.lib.spreadsheets.MAX_CELLS", 100)
    refused(ods_bytes(ROWS), "p.ods", "plus de 100 cellules")
    refused(xlsx_bytes(ROWS), "p.xlsx", "plus de 100 cellules")
    refused(csv_bytes(ROWS), "p.csv", "plus de 100 cellules")


@pytest.mark.parametrize("maker,name", [(ods_bytes, "p.ods"), (xlsx_bytes, "p.xlsx")])
def test_a_cell_too_long_is_refused_with_its_row_and_column(maker, name):
    rows = [ROWS[0], ["Awa", "D" * 20_000, "A"]]
    refused(maker(rows), name, "Ligne 2, colonne B : la cellule a plus de 10\u202f000 caractères")


def test_a_csv_cell_too_long_is_refused_with_its_row_and_column():
    refused(csv_bytes([ROWS[0], ["Awa", "D" * 20_000, "A"]]), "p.csv", "Ligne 2, colonne B")


def test_an_xlsx_row_far_below_the_others_costs_nothing_to_skip():
    """A row numbered a million (or a sheet dimension of A1:XFD1048576) materialises no empty
    row or column in between."""
    content = xlsx_bytes(ROWS[:3])
    far = rezipped(
        content,
        lambda data: data.replace(
            b"</sheetData>",
            b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>loin</t></is>'
            b'</c><c r="C1048576" t="inlineStr"><is><t>A</t></is></c></row></sheetData>',
        ).replace(b'<dimension ref="A1:C3"/>', b'<dimension ref="A1:XFD1048576"/>'),
    )
    start = time.perf_counter()
    sheet = read_spreadsheet(far, "loin.xlsx")
    assert time.perf_counter() - start < 5
    assert [r.number for r in sheet.rows] == [2, 3, 1048576]


def test_numbers_nobody_can_count_stay_as_their_text():
    numbers = (
        '<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p>'
        "</table:table-cell>"
    )
    content = ods_of(
        ODS_HEAD
        + table(
            row(cell("a"), cell("b"), cell("c")),
            row(*(numbers.format(v=v) for v in ("NaN", "1e400", "1e999999999"))),
        )
        + ODS_TAIL
    )
    sheet = read_spreadsheet(content, "n.ods")
    assert list(sheet.rows[0].values.values()) == ["NaN", "1e400", "1e999999999"]


# -- encodings ------------------------------------------------------------------------------------

FRENCH = [
    ["prenom", "nom", "commune"],
    ["Élodie", "Dupré", "Romans-sur-Isère"],
    ["François", "Lefèvre", "Bourg-de-Péage"],
    ["Zoé", "Gaël", "Saint-Étienne"],
]


@pytest.mark.parametrize(
    "encoding,label",
    [
        ("utf-8", "UTF-8"),
        ("utf-8-sig", "UTF-8"),
        ("utf-16", "UTF-16"),
        ("utf-16-le", "UTF-16"),
        ("cp1252", "Latin-1 (Windows)"),
        ("mac_roman", "Mac Roman (Mac)"),
        ("cp850", "DOS (CP850)"),
    ],
)
def test_the_encoding_of_a_french_csv_is_recognised(encoding, label):
    sheet = read_spreadsheet(csv_bytes(FRENCH, encoding=encoding), "p.csv")
    assert sheet.encoding_label == label
    assert [list(r.values.values()) for r in sheet.rows] == FRENCH[1:]


def test_a_csv_that_reads_more_than_one_way_is_refused_and_the_encoding_asked():
    content = "nom\r\nПривет мир\r\n".encode("cp1251")
    with pytest.raises(EncodingUnsure, match="ne reconnaît pas avec certitude l'encodage"):
        read_spreadsheet(content, "p.csv")
    with pytest.raises(EncodingUnsure):
        check_file(content, "p.csv")
    # Said by the person: read so.
    assert read_spreadsheet(content, "p.csv", encoding="cp1252").encoding == "cp1252"


def test_an_encoding_said_wrongly_is_refused_not_garbled():
    content = csv_bytes(FRENCH, encoding="cp1252")
    with pytest.raises(SpreadsheetError, match="ne se lit pas en UTF-8"):
        read_spreadsheet(content, "p.csv", encoding="utf-8")
    sheet = read_spreadsheet(csv_bytes(FRENCH, encoding="mac_roman"), "p.csv", encoding="mac_roman")
    assert sheet.rows[0].values["prenom"] == "Élodie"
