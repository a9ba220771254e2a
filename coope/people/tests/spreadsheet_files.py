"""Real spreadsheet files built for the tests: openpyxl writes XLSX, odfpy writes ODS."""

import datetime
import io

from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P
from openpyxl import Workbook


def csv_bytes(rows: list[list[str]], *, encoding: str = "utf-8", delimiter: str = ";") -> bytes:
    return "\r\n".join(delimiter.join(row) for row in rows).encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ods_bytes(rows: list[list]) -> bytes:
    """A cell given as ("text", n) is written once with number-columns-repeated=n, as
    LibreOffice does for equal neighbours; None is an empty cell."""
    document = OpenDocumentSpreadsheet()
    table = Table(name="Feuille1")
    for row in rows:
        table_row = TableRow()
        for value in row:
            repeat = 1
            if isinstance(value, tuple):
                value, repeat = value
            attributes = {"numbercolumnsrepeated": repeat} if repeat > 1 else {}
            if value is None:
                cell = TableCell(**attributes)
            elif isinstance(value, datetime.date):
                cell = TableCell(valuetype="date", datevalue=value.isoformat(), **attributes)
                cell.addElement(P(text=value.strftime("%d/%m/%Y")))
            elif isinstance(value, int | float):
                cell = TableCell(valuetype="float", value=value, **attributes)
                cell.addElement(P(text=str(value)))
            else:
                cell = TableCell(valuetype="string", **attributes)
                cell.addElement(P(text=str(value)))
            table_row.addElement(cell)
        table.addElement(table_row)
    document.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
