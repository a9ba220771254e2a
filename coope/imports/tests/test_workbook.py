"""The template workbook, downloaded and read back (openpyxl, odfpy), filled and imported back
as a whole workbook: dependency order whatever the sheets' order, one transaction, one report
(sheet, row, column), safe re-imports, and a help page per kind."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django_scopes import scope
from odf.namespaces import OFFICENS, TABLENS
from odf.opendocument import load as load_ods
from odf.table import Table, TableCell, TableRow
from odf.text import P
from openpyxl import Workbook, load_workbook

from coope.cannery.models import Collection
from coope.core.models import AuditEntry
from coope.imports import Importer, ordered_kinds
from coope.imports.models import ImportJob
from coope.imports.registry import kind_of_sheet
from coope.imports.template import template_sheets
from coope.imports.workbook import HELP_SHEET, README_SHEET, plan_workbook, run_workbook
from coope.lib.spreadsheets import read_workbook
from coope.membership.models import Membership
from coope.people.models import Person
from coope.volunteering.models import VolunteerHours

pytestmark = pytest.mark.django_db

# What a new cooperation types into the template (its sheets named as the template names them).
FILLED = {
    "Personnes": [
        {"prenom": "Awa", "nom": "Diallo", "date_naissance": "12/03/1985", "maison": "A"},
        {"prenom": "Karim", "nom": "Benali", "date_naissance": "02/01/1990", "maison": "B"},
    ],
    "Adhésions": [
        {"prenom": "Awa", "nom": "Diallo", "maison": "A", "periode": "2018", "paiement": "espèces"},
    ],
    "Heures de bénévolat": [
        {"prenom": "Karim", "nom": "Benali", "date": "20/03/2018", "heures": "2", "type": "CA"},
    ],
    "Collectes": [
        {
            "date": "12/07/2018",
            "producteur": "Ferme des Chirouzes",
            "commune": "Triors",
            "produit": "abricots",
            "poids_kg": "12,5",
        },
    ],
}


@pytest.fixture(autouse=True)
def private_uploads(settings, tmp_path):
    settings.COOPE_IMPORT_DIR = tmp_path / "imports"


def fill_xlsx(content: bytes, filled: dict[str, list[dict]]) -> bytes:
    """The template, its sheets filled under their titles as a person would."""
    workbook = load_workbook(io.BytesIO(content))
    for title, rows in filled.items():
        sheet = workbook[title]
        headers = [cell.value for cell in sheet[1]]
        for row in rows:
            sheet.append([row.get(header, "") for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def fill_ods(content: bytes, filled: dict[str, list[dict]]) -> bytes:
    document = load_ods(io.BytesIO(content))
    for table in document.spreadsheet.getElementsByType(Table):
        rows = filled.get(table.getAttrNS(TABLENS, "name"), [])
        if not rows:
            continue
        header_cells = table.getElementsByType(TableRow)[0].getElementsByType(TableCell)
        headers = [str(cell.getElementsByType(P)[-1]) for cell in header_cells]
        for row in rows:
            table_row = TableRow()
            for header in headers:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=row.get(header, "")))
                table_row.addElement(cell)
            table.addElement(table_row)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def workbook_of(sheets: dict[str, list[list[str]]]) -> bytes:
    """A workbook written by hand, its sheets in the given order."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def import_workbook(world, content, name="coope.xlsx", **options):
    with scope(cooperation=world.coop.pk):
        plan = plan_workbook(read_workbook(content, name))
        assert plan.problems == []
        return run_workbook(plan, actor=world.director, cooperation=world.coop, **options)


def counts(world):
    with scope(cooperation=world.coop.pk):
        return {
            "people": Person.objects.count(),
            "memberships": Membership.objects.count(),
            "hours": VolunteerHours.objects.count(),
            "collections": Collection.objects.count(),
            "journal": AuditEntry.objects.count(),
        }


def test_the_kinds_follow_their_dependencies_in_declaration_order():
    order = list(ordered_kinds())
    for kind, importer in ordered_kinds().items():
        for needed in importer.depends_on:
            if needed in order:
                assert order.index(needed) < order.index(kind), (kind, needed)
    assert order.index("people") < order.index("memberships")
    assert order.index("people") < order.index("volunteer_hours")


def test_a_cycle_of_dependencies_is_refused(monkeypatch):
    class Eggs(Importer):
        kind = "eggs"
        depends_on = ("hens",)

    class Hens(Importer):
        kind = "hens"
        depends_on = ("eggs",)

    monkeypatch.setattr(
        "coope.imports.registry.kinds", lambda: {"eggs": Eggs, "hens": Hens, "people": Importer}
    )
    with pytest.raises(TypeError, match="en cercle : eggs → hens, hens → eggs"):
        ordered_kinds()


def test_sheets_are_matched_by_code_label_or_french_name_accents_and_case_ignored():
    assert kind_of_sheet("PERSONNES") == "people"
    assert kind_of_sheet("people") == "people"
    assert kind_of_sheet("Présences aux activités") == "attendance"
    assert kind_of_sheet("presences") == "attendance"
    assert kind_of_sheet("heures benevolat") == "volunteer_hours"
    assert kind_of_sheet("Collectes de la conserverie") == "collections"
    assert kind_of_sheet("Feuil1") is None


def test_the_template_downloads_in_both_formats_and_reads_back(world, client_as):
    client = client_as(world.director)
    xlsx = client.get(reverse("data:template", args=["xlsx"]))
    assert xlsx.status_code == 200
    assert xlsx["Content-Disposition"] == 'attachment; filename="modele-coope-romans.xlsx"'
    expected = [sheet.title for sheet in template_sheets(world.director)]
    assert {"Personnes", "Adhésions", "Heures de bénévolat", "Collectes"} <= set(expected)

    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == [README_SHEET, *expected, HELP_SHEET]
    assert "Modèle de classeur Coopé — Coopération romans" in book[README_SHEET]["A1"].value
    people = book["Personnes"]
    assert [c.value for c in people[1]][:3] == ["prenom", "nom", "date_naissance"]
    assert people.max_row == 1  # no example row to remove before importing
    assert "Date de naissance, JJ/MM/AAAA" in people["C1"].comment.text
    assert "Exemple : 04/05/1980" in people["C1"].comment.text
    assert "Obligatoire." in people["A1"].comment.text
    help_rows = list(book[HELP_SHEET].values)
    assert help_rows[0][:3] == ("feuille", "colonne", "obligatoire")
    assert ("Personnes", "prenom", "oui") in [row[:3] for row in help_rows]
    assert sum(len(s.columns) for s in template_sheets(world.director)) == len(help_rows) - 1

    ods = client.get(reverse("data:template", args=["ods"]))
    assert ods.status_code == 200
    document = load_ods(io.BytesIO(ods.content))
    tables = document.spreadsheet.getElementsByType(Table)
    assert [t.getAttrNS(TABLENS, "name") for t in tables] == [
        README_SHEET,
        *expected,
        HELP_SHEET,
    ]
    people = tables[1 + expected.index("Personnes")]
    first_cell = people.getElementsByType(TableRow)[0].getElementsByType(TableCell)[0]
    [note] = [n for n in first_cell.childNodes if n.qname == (OFFICENS, "annotation")]
    assert "Prénom. Obligatoire. Exemple : Élodie" in str(note)
    assert client.get(reverse("data:template", args=["pdf"])).status_code == 404


def test_the_template_leaves_out_what_the_user_may_not_fill(world):
    reception = {sheet.title: sheet for sheet in template_sheets(world.alice)}
    assert "Heures de bénévolat" not in reception  # Direction and Coordination only
    assert "notes" in [c.key for c in reception["Personnes"].columns]  # reception sees notes
    coordination = {sheet.title: sheet for sheet in template_sheets(world.coordinator)}
    assert "notes" not in [c.key for c in coordination["Personnes"].columns]  # sensitive


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_the_filled_template_imports_back_and_a_second_time_adds_nothing(world, client_as, fmt):
    client = client_as(world.director)
    template = client.get(reverse("data:template", args=[fmt])).content
    content = (fill_xlsx if fmt == "xlsx" else fill_ods)(template, FILLED)

    response = client.post(
        reverse("data:import"),
        {"kind": "workbook", "file": SimpleUploadedFile(f"coope.{fmt}", content)},
    )
    assert response.status_code == 302
    page = client.get(response.url).text
    assert "Aperçu de l'import du classeur" in page
    assert "5 nouvelles lignes, 0 déjà présente" in page
    assert "Feuille « Personnes » : Personnes" in page
    assert counts(world)["people"] == 0  # the preview writes nothing

    token = response.url.rstrip("/").rsplit("/", 1)[1]
    client.post(reverse("data:import_confirm", args=[token]), {"mode": "all"})
    page = client.get(response.url).text
    assert "Import terminé : le classeur" in page and "5 nouvelles lignes" in page
    after = counts(world)
    assert {k: after[k] for k in ("people", "memberships", "hours", "collections")} == {
        "people": 2,
        "memberships": 1,
        "hours": 1,
        "collections": 1,
    }
    with scope(cooperation=world.coop.pk):
        awa = Person.objects.get(first_name="Awa")
        assert awa.home_house == world.house_a
        assert Membership.objects.get().person == awa
        assert VolunteerHours.objects.get().person.first_name == "Karim"
        assert Collection.objects.get().weight_grams == 12_500

    again = import_workbook(world, content, f"coope.{fmt}")
    assert again.written and again.errors == []
    assert again.new_and_present == "0 nouvelle ligne, 5 déjà présentes"
    assert counts(world) == after  # nothing written, not even in the journal


def test_sheets_in_any_order_import_in_dependency_order(world):
    content = workbook_of(
        {
            "Adhésions": [
                ["prenom", "nom", "maison", "periode", "paiement"],
                ["Awa", "Diallo", "A", "2018", "chèque"],
            ],
            "heures_benevolat": [
                ["prenom", "nom", "date", "heures", "type"],
                ["Awa", "Diallo", "20/03/2018", "1h30", "gouvernance"],
            ],
            "PERSONNES": [["prenom", "nom"], ["Awa", "Diallo"]],
            "Notes de la réunion": [["sujet"], ["budget"]],
        }
    )
    report = import_workbook(world, content)
    assert report.errors == [] and report.written
    assert [s.kind for s in report.sheets] == ["people", "memberships", "volunteer_hours"]
    assert report.warnings[0].startswith(
        "La feuille « Notes de la réunion » ne correspond à aucun type d'import : elle est ignorée."
    )
    assert counts(world)["memberships"] == 1 and counts(world)["hours"] == 1


def test_one_bad_row_writes_nothing_unless_only_the_good_rows(world):
    content = workbook_of(
        {
            "Personnes": [
                ["prenom", "nom", "maison"],
                ["Awa", "Diallo", "A"],
                ["Zoé", "Roux", "Z"],
            ],
            "Heures de bénévolat": [
                ["prenom", "nom", "date", "heures", "type"],
                ["Awa", "Diallo", "20/03/2018", "2", "gouvernance"],
                ["Awa", "Diallo", "21/03/2018", "beaucoup", "gouvernance"],
            ],
        }
    )
    before = counts(world)
    report = import_workbook(world, content)
    assert not report.written and counts(world) == before
    assert [(e.sheet, e.row, e.column, e.letter) for e in report.errors] == [
        ("Personnes", 3, "maison", "C"),
        ("Heures de bénévolat", 3, "heures", "D"),
    ]
    assert report.bad_row_count == 2 and report.good_row_count == 2

    partial = import_workbook(world, content, only_good_rows=True)
    assert partial.written and partial.new_and_present == "2 nouvelles lignes, 0 déjà présente"
    assert counts(world)["people"] == 1 and counts(world)["hours"] == 1


def test_a_changed_row_is_reported_with_its_sheet_row_and_column(world, client_as):
    import_workbook(
        world,
        workbook_of(
            {"Personnes": [["prenom", "nom", "telephone"], ["Awa", "Diallo", "0612345678"]]}
        ),
    )
    content = workbook_of(
        {
            "Personnes": [
                ["prenom", "nom", "telephone"],
                ["Karim", "Benali", ""],
                ["Awa", "Diallo", "0799999999"],
            ]
        }
    )
    client = client_as(world.director)
    response = client.post(
        reverse("data:import"),
        {"kind": "workbook", "file": SimpleUploadedFile("coope.xlsx", content)},
    )
    page = client.get(response.url).text
    assert (
        "<tr><td>Personnes</td><td>3</td><td>telephone (C)</td><td>Awa Diallo est déjà dans "
        "Coopé, avec « 0612345678 » dans cette colonne et non « 0799999999 »" in page
    )
    assert 'value="all"' not in page and "Importer seulement les lignes correctes (1)" in page
    with scope(cooperation=world.coop.pk):
        assert Person.objects.get(first_name="Awa").phone == "0612345678"


def test_a_workbook_with_no_sheet_to_import_is_refused_on_the_upload_page(world, client_as):
    client = client_as(world.director)
    template = client.get(reverse("data:template", args=["xlsx"])).content
    response = client.post(
        reverse("data:import"),
        {"kind": "workbook", "file": SimpleUploadedFile("modele.xlsx", template)},
    )
    assert response.status_code == 200
    assert "Aucune feuille de ce classeur n&#x27;a de ligne à importer" in response.text
    with scope(cooperation=world.coop.pk):
        assert not ImportJob.objects.exists()


def test_one_kind_from_a_workbook_reads_its_sheet(world, client_as):
    content = workbook_of(
        {
            "Lisez-moi": [["à lire"]],
            "Personnes": [["prenom", "nom"], ["Awa", "Diallo"]],
        }
    )
    client = client_as(world.director)
    response = client.post(
        reverse("data:import"),
        {"kind": "people", "file": SimpleUploadedFile("coope.xlsx", content)},
    )
    page = client.get(response.url).text
    assert "Seule la feuille « Personnes » est lue" in page
    assert "personnes créées : <strong>1</strong>" in page


def test_the_help_page_shows_every_column_of_a_kind(world, client_as):
    client = client_as(world.director)
    for kind, importer in ordered_kinds().items():
        if not importer.may_import(world.director):
            continue
        page = client.get(reverse("data:kind_help", args=[kind])).text
        for column in importer.columns:
            assert f"<code>{column.key}</code>" in page, (kind, column.key)
            if column.example:
                assert f"<code>{column.example}</code>".replace("'", "&#x27;") in page
    page = client.get(reverse("data:kind_help", args=["people"])).text
    assert "Date de naissance, JJ/MM/AAAA" in page and "<strong>oui</strong>" in page
    assert "maison_de_rattachement" in page  # another title accepted
    assert client.get(reverse("data:kind_help", args=["inconnu"])).status_code == 404
    assert (
        client_as(world.alice).get(reverse("data:kind_help", args=["volunteer_hours"])).status_code
        == 403
    )


def test_my_kinds_explain_every_column(world):
    for kind in ("people", "attendance", "volunteer_hours", "collections"):
        for column in ordered_kinds()[kind].columns:
            assert str(column.help) and column.example, (kind, column.key)


def test_no_screen_sends_people_to_a_file_they_do_not_have(world, client_as, capsys):
    client = client_as(world.director)
    for url in (
        reverse("data:index"),
        reverse("data:import"),
        reverse("data:kind_help", args=["people"]),
    ):
        assert "imports.md" not in client.get(url).text
    with pytest.raises(SystemExit):
        call_command("import", "--help")
    assert "imports.md" not in capsys.readouterr().out


def test_the_command_writes_the_template_and_imports_a_workbook(world, tmp_path, capsys):
    out = tmp_path / "modele.ods"
    call_command("import", "--template", str(out))
    sheets = dict(read_workbook(out.read_bytes(), out.name))
    assert "notes" in sheets["Personnes"].headers  # the operator may fill everything

    path = tmp_path / "coope.xlsx"
    path.write_bytes(
        workbook_of({"Personnes": [["prenom", "nom"], ["Awa", "Diallo"], ["Karim", "Benali"]]})
    )
    call_command("import", "--workbook", str(path), "--cooperation", "romans")
    output = capsys.readouterr().out
    assert "feuille « Personnes » : Personnes, 2 lignes" in output
    assert "Import terminé : 2 nouvelles lignes, 0 déjà présente." in output
    call_command("import", "--workbook", str(path), "--cooperation", "romans")
    assert "Import terminé : 0 nouvelle ligne, 2 déjà présentes." in capsys.readouterr().out
    assert counts(world)["people"] == 2
