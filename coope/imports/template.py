"""The template workbook (`/donnees/modele.xlsx`, `.ods`, `coope import --template`): a first
« Lisez-moi » sheet, one sheet per kind the user may import in the order they are imported, and
an « Aide » sheet with every column explained.

A data sheet holds its titles (the column keys) in row 1 and nothing else: each title carries a
note with its help, and the examples are on the « Aide » sheet, so a filled template imports
back as it is (there is no example row to remove). Sensitive columns are left out for those who
may not fill them (the import would refuse the whole sheet).
"""

import io
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from odf.office import Annotation
from odf.opendocument import OpenDocumentSpreadsheet
from odf.style import Style, TableColumnProperties, TextProperties
from odf.table import Table, TableCell, TableColumn, TableRow
from odf.text import P
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font

from coope.imports.framework import Column, Importer
from coope.imports.registry import ordered_kinds
from coope.imports.workbook import HELP_SHEET, README_SHEET


@dataclass
class TemplateSheet:
    title: str
    importer: type[Importer]
    columns: tuple[Column, ...]


def template_sheets(user=None) -> list[TemplateSheet]:
    """The kinds `user` may import (None: an operator at the command line, every kind), in
    the order of their dependencies, each with the columns the user may fill."""
    sensitive = user is None or user.has_coope_perm("people.view_sensitive")
    return [
        TemplateSheet(
            importer.sheet_title(),
            importer,
            tuple(c for c in importer.columns if sensitive or not c.sensitive),
        )
        for importer in ordered_kinds().values()
        if importer.may_import(user)
    ]


def column_note(column: Column) -> str:
    """What a column's note says: what to write, whether it is required, an example."""
    parts = [str(column.help) or column.key]
    parts.append(_("Obligatoire.") if column.required else _("Facultative."))
    if column.example:
        parts.append(_("Exemple : %(e)s") % {"e": column.example})
    if column.sensitive:
        parts.append(_("Donnée sensible."))
    return " ".join(parts)


def readme_lines(sheets: list[TemplateSheet], cooperation=None) -> list[str]:
    name = f" — {cooperation.name}" if cooperation is not None else ""
    lines = [
        _("Modèle de classeur Coopé%(n)s, du %(d)s")
        % {"n": name, "d": f"{timezone.localdate():%d/%m/%Y}"},
        "",
        _(
            "Une feuille par type de données, dans l'ordre où Coopé les importe (les personnes "
            "avant leurs adhésions, par exemple) :"
        ),
        *[
            f"  • {sheet.title} : {sheet.importer.label} ({len(sheet.columns)} colonnes)"
            for sheet in sheets
        ],
        "",
        _(
            "Remplissez une ligne par enregistrement sous la ligne des titres (ligne 1). Ne "
            "changez pas les titres ni le nom des feuilles. Une colonne facultative peut rester "
            "vide ou être supprimée ; une feuille dont vous n'avez pas besoin reste vide."
        ),
        _(
            "Chaque titre a une note qui dit quoi écrire ; la feuille « %(h)s » explique toutes "
            "les colonnes, dit lesquelles sont obligatoires et donne un exemple pour chacune."
        )
        % {"h": HELP_SHEET},
        _("Dates : JJ/MM/AAAA (ex. 04/05/1980). Heures : 14:30. Poids : en kilos (ex. 12,5)."),
        "",
        _(
            "Pour importer : menu Données, « Importer un fichier », « Un classeur entier » ; ou "
            "coope import --workbook fichier.xlsx --cooperation <identifiant>."
        ),
        _(
            "Tout le classeur est importé en une fois, après un aperçu : si une ligne a un "
            "problème (feuille, ligne, colonne et raison sont indiqués), rien n'est enregistré, "
            "sauf si vous choisissez « Importer seulement les lignes correctes »."
        ),
        _(
            "Importer deux fois le même classeur n'ajoute rien : ses lignes sont comptées "
            "« déjà présentes ». Une ligne qui dit autre chose qu'une donnée déjà dans Coopé est "
            "signalée, jamais écrite par-dessus."
        ),
        _("Les feuilles « %(r)s » et « %(h)s » ne sont jamais importées.")
        % {"r": README_SHEET, "h": HELP_SHEET},
    ]
    return lines


HELP_HEADERS = (
    "feuille",
    "colonne",
    "obligatoire",
    "ce qu'il faut écrire",
    "exemple",
    "autres titres acceptés",
)


def help_rows(sheets: list[TemplateSheet]) -> list[list[str]]:
    return [
        [
            sheet.title,
            column.key,
            _("oui") if column.required else _("non"),
            str(column.help) + (" " + _("Donnée sensible.") if column.sensitive else ""),
            column.example,
            ", ".join(column.aliases),
        ]
        for sheet in sheets
        for column in sheet.columns
    ]


def template_workbook(fmt: str, *, user=None, cooperation=None) -> bytes:
    """The template as the bytes of an XLSX or ODS file."""
    sheets = template_sheets(user)
    readme = readme_lines(sheets, cooperation)
    if fmt == "xlsx":
        return _xlsx(sheets, readme)
    if fmt == "ods":
        return _ods(sheets, readme)
    raise ValueError(f"Unknown template format {fmt!r}; expected xlsx or ods.")


def file_name(fmt: str, cooperation=None) -> str:
    slug = f"-{cooperation.slug}" if cooperation is not None else ""
    return f"modele-coope{slug}.{fmt}"


def _xlsx(sheets: list[TemplateSheet], readme: list[str]) -> bytes:
    workbook = Workbook()
    first = workbook.active
    first.title = README_SHEET
    first.column_dimensions["A"].width = 110
    for line in readme:
        first.append([line])
        first.cell(row=first.max_row, column=1).alignment = Alignment(wrap_text=True)
    first.cell(row=1, column=1).font = Font(bold=True, size=14)
    bold = Font(bold=True)
    for sheet in sheets:
        data = workbook.create_sheet(sheet.title)
        data.append([column.key for column in sheet.columns])
        for index, column in enumerate(sheet.columns, start=1):
            cell = data.cell(row=1, column=index)
            cell.font = bold
            cell.comment = Comment(column_note(column), "Coopé", width=300, height=150)
            letter = cell.column_letter
            data.column_dimensions[letter].width = max(14, len(column.key) + 4)
        data.freeze_panes = "A2"
    aide = workbook.create_sheet(HELP_SHEET)
    aide.append(list(HELP_HEADERS))
    for cell in aide[1]:
        cell.font = bold
    for row in help_rows(sheets):
        aide.append(row)
    for letter, width in zip("ABCDEF", (24, 22, 12, 70, 22, 40), strict=True):
        aide.column_dimensions[letter].width = width
    aide.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _ods(sheets: list[TemplateSheet], readme: list[str]) -> bytes:
    document = OpenDocumentSpreadsheet()
    bold = Style(name="titre", family="table-cell")
    bold.addElement(TextProperties(fontweight="bold"))
    document.automaticstyles.addElement(bold)
    widths = {}
    for centimetres in (3, 5, 8, 15, 25):
        style = Style(name=f"col{centimetres}", family="table-column")
        style.addElement(TableColumnProperties(columnwidth=f"{centimetres}cm"))
        document.automaticstyles.addElement(style)
        widths[centimetres] = style

    def text_cell(text: str, *, style=None, note: str = "") -> TableCell:
        cell = TableCell(valuetype="string", **({"stylename": style} if style else {}))
        if note:
            annotation = Annotation()
            annotation.addElement(P(text=note))
            cell.addElement(annotation)
        cell.addElement(P(text=text))
        return cell

    def table(name: str, column_widths: list[int]) -> Table:
        result = Table(name=name)
        for width in column_widths:
            result.addElement(TableColumn(stylename=widths[width]))
        return result

    first = table(README_SHEET, [25])
    for line in readme:
        row = TableRow()
        row.addElement(text_cell(line, style=bold if line == readme[0] else None))
        first.addElement(row)
    document.spreadsheet.addElement(first)
    for sheet in sheets:
        data = table(sheet.title, [5] * len(sheet.columns))
        row = TableRow()
        for column in sheet.columns:
            row.addElement(text_cell(column.key, style=bold, note=column_note(column)))
        data.addElement(row)
        document.spreadsheet.addElement(data)
    aide = table(HELP_SHEET, [5, 5, 3, 15, 5, 8])
    header = TableRow()
    for title in HELP_HEADERS:
        header.addElement(text_cell(title, style=bold))
    aide.addElement(header)
    for values in help_rows(sheets):
        row = TableRow()
        for value in values:
            row.addElement(text_cell(value))
        aide.addElement(row)
    document.spreadsheet.addElement(aide)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
