"""Every list exported to CSV, XLSX and ODS, read back by openpyxl and odfpy."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django_scopes import scope
from odf.namespaces import OFFICENS
from odf.opendocument import load
from odf.table import Table, TableCell, TableRow
from openpyxl import load_workbook

from coope.imports import run_import
from coope.lib.spreadsheets import read_spreadsheet
from coope.membership.services import take_membership
from coope.people.exporting import export_file, export_for_user, export_table
from coope.people.models import Person
from coope.people.services import create_household, create_person, record_quotient, record_visit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def data(in_scope):
    w = in_scope
    elodie = create_person(
        actor=w.alice,
        cooperation=w.coop,
        first_name="Élodie",
        last_name="Dupont-Gaël",
        birth_date=datetime.date(1980, 5, 4),
        sex="F",
        postcode="26100",
        home_house=w.house_a,
        notes="suivi RSA",
        occupation="retired",
    )
    hacker = create_person(
        actor=w.alice,
        cooperation=w.coop,
        first_name="Max",
        last_name='=HYPERLINK("http://evil.example","clic")',
        phone="+33 6 12 34 56 78",
    )
    household = create_household(
        actor=w.alice,
        cooperation=w.coop,
        name="Famille Dupont",
        members=[(elodie, "referent")],
        city="Romans",
    )
    record_quotient(
        actor=w.alice,
        household=household,
        value=650,
        valid_from=datetime.date(2018, 1, 15),
        source="caf",
    )
    take_membership(
        actor=w.alice,
        house=w.house_a,
        period=w.period,
        person=elodie,
        payment_method="cheque",
        fee_cents=1250,
        valid_from=datetime.date(2018, 3, 1),
    )
    record_visit(
        actor=w.alice,
        house=w.house_a,
        date=datetime.date(2018, 3, 1),
        reason="admin_help",
        person=elodie,
        comment="dossier CAF",
    )
    with scope(cooperation=w.other_coop.pk):
        create_person(
            actor=w.charlie, cooperation=w.other_coop, first_name="Valentin", last_name="Valence"
        )
    return w, elodie, hacker


def xlsx_rows(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def ods_rows(content: bytes) -> list[list]:
    """Cells as odfpy reads them: (value type, typed value or text)."""
    document = load(io.BytesIO(content))
    [table] = document.spreadsheet.getElementsByType(Table)
    rows = []
    for row in table.getElementsByType(TableRow):
        cells = []
        for cell in row.getElementsByType(TableCell):
            kind = cell.getAttrNS(OFFICENS, "value-type")
            if kind == "date":
                cells.append(("date", cell.getAttrNS(OFFICENS, "date-value")))
            elif kind == "float":
                cells.append(("float", cell.getAttrNS(OFFICENS, "value")))
            else:
                cells.append((kind, str(cell)))
        rows.append(cells)
    return rows


def test_people_to_xlsx_read_back_by_openpyxl(data):
    w, elodie, hacker = data
    rows = xlsx_rows(export_for_user("people", "xlsx", user=w.director, cooperation=w.coop))
    assert rows[0] == [
        "Prénom",
        "Nom",
        "Date de naissance",
        "Sexe",
        "Courriel",
        "Téléphone",
        "Adresse",
        "Code postal",
        "Commune",
        "Quartier",
        "Maison",
        "Catégorie socio-professionnelle",
        "Notes",
    ]
    by_first_name = {row[0]: row for row in rows[1:]}
    assert set(by_first_name) == {"Élodie", "Max"}  # never the other cooperation's people
    row = by_first_name["Élodie"]
    assert row[1] == "Dupont-Gaël" and row[2].date() == datetime.date(
        1980, 5, 4
    )  # a real date cell
    assert (row[3], row[7], row[10], row[11], row[12]) == (
        "Femme",
        "26100",
        "Maison A romans",
        "Retraité·e",
        "suivi RSA",
    )


def test_an_exported_formula_stays_text(data):
    w, _elodie, hacker = data
    content = export_for_user("people", "xlsx", user=w.director, cooperation=w.coop)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    cell = next(row[1] for row in sheet.iter_rows(min_row=2) if row[0].value == "Max")
    assert cell.data_type == "s" and cell.value == hacker.last_name
    csv_content = export_for_user("people", "csv", user=w.director, cooperation=w.coop).decode(
        "utf-8-sig"
    )
    assert "'=HYPERLINK" in csv_content and ";+33 6 12 34 56 78;" in csv_content


def test_notes_only_for_those_who_may_see_them(data):
    w, _elodie, _hacker = data
    for user in (w.coordinator, w.evaluator):
        rows = xlsx_rows(export_for_user("people", "xlsx", user=user, cooperation=w.coop))
        assert "Notes" not in rows[0] and all("suivi RSA" not in row for row in rows)
    households = xlsx_rows(
        export_for_user("households", "xlsx", user=w.coordinator, cooperation=w.coop)
    )
    assert "Quotient familial (€)" not in households[0] and all(
        650 not in row for row in households
    )


def test_households_to_ods_read_back_by_odfpy(data):
    w, _elodie, _hacker = data
    rows = ods_rows(export_for_user("households", "ods", user=w.alice, cooperation=w.coop))
    assert [text for _kind, text in rows[0]] == [
        "Foyer",
        "Prénom",
        "Nom",
        "Date de naissance",
        "Lien",
        "Dans le foyer depuis",
        "A quitté le foyer le",
        "Adresse",
        "Code postal",
        "Commune",
        "Quotient familial (€)",
        "QF valable à partir du",
        "Justificatif",
    ]
    [row] = rows[1:]
    assert row[0] == ("string", "Famille Dupont") and row[1] == ("string", "Élodie")
    assert row[3] == ("date", "1980-05-04") and row[4] == ("string", "Responsable du foyer")
    assert row[10] == ("float", "650") and row[11] == ("date", "2018-01-15")
    assert row[12] == ("string", "Attestation CAF")


def test_memberships_and_visits_in_every_format(data):
    w, _elodie, _hacker = data
    memberships = xlsx_rows(
        export_file("memberships", "xlsx", cooperation=w.coop, include_sensitive=False)
    )
    assert memberships[1][:3] == ["ROM-2018-00001", "Élodie", "Dupont-Gaël"]
    assert memberships[1][5:9] == ["Maison A romans", "2018", "Chèque", 12.5]
    assert [cell.date() for cell in memberships[1][9:]] == [
        datetime.date(2018, 3, 1),
        datetime.date(2018, 12, 31),
    ]
    ods = ods_rows(export_file("memberships", "ods", cooperation=w.coop, include_sensitive=False))
    assert ods[1][8] == ("float", "12.5")

    text = export_file("visits", "csv", cooperation=w.coop, include_sensitive=True).decode(
        "utf-8-sig"
    )
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows == [
        ["Date", "Maison", "Motif", "Prénom", "Nom", "Précision"],
        [
            "01/03/2018",
            "Maison A romans",
            "Aide aux démarches",
            "Élodie",
            "Dupont-Gaël",
            "dossier CAF",
        ],
    ]
    plain = export_table("visits", cooperation=w.coop, include_sensitive=False)
    assert plain.headers[-1] == "Nom" and "dossier CAF" not in plain.rows[0]


def test_the_csv_export_opens_in_french_excel(data):
    w, _elodie, _hacker = data
    content = export_file("memberships", "csv", cooperation=w.coop, include_sensitive=False)
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM tells Excel it is UTF-8
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][8] == "12,5" and rows[1][9] == "01/03/2018"


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_an_exported_list_imports_again(data, fmt):
    w, _elodie, _hacker = data
    table = export_table("people", cooperation=w.coop, include_sensitive=True)
    content = export_file("people", fmt, cooperation=w.coop, include_sensitive=True)
    sheet = read_spreadsheet(content, f"personnes.{fmt}")
    with scope(cooperation=w.coop.pk):
        Person.objects.filter(first_name="Max").delete()
        report = run_import("people", sheet, actor=w.director, cooperation=w.coop, dry_run=True)
    # Élodie is already there, every column the same: « déjà présente ». Max comes back exactly
    # as he was, formula included.
    by_first_name = {row.values["Prénom"]: row for row in sheet.rows}
    assert report.errors == [] and report.present_rows == 1
    assert report.counts == {"personnes créées": 1} and report.warnings == []
    assert len(sheet.rows) == len(table.rows) == 2
    assert by_first_name["Max"].values["Nom"] == '=HYPERLINK("http://evil.example","clic")'
    assert by_first_name["Élodie"].values["Notes"] == "suivi RSA"


def test_the_export_command_writes_a_file(data, tmp_path, capsys):
    w, _elodie, _hacker = data
    path = tmp_path / "personnes.ods"
    call_command(
        "export", "personnes", "--cooperation", "romans", "--format", "ods", "-o", str(path)
    )
    assert "personnes.ods écrit" in capsys.readouterr().out
    rows = ods_rows(path.read_bytes())
    assert "Notes" not in [text for _kind, text in rows[0]] and len(rows) == 3

    call_command(
        "export",
        "people",
        "--cooperation",
        "romans",
        "--format",
        "xlsx",
        "-o",
        str(tmp_path / "p.xlsx"),
        "--sensitive",
    )
    assert xlsx_rows((tmp_path / "p.xlsx").read_bytes())[0][-1] == "Notes"


def test_amounts_are_numbers_not_text(data):
    w, _elodie, _hacker = data
    table = export_table("memberships", cooperation=w.coop, include_sensitive=False)
    assert table.rows[0][8] == Decimal("12.5")
