"""Importing people, households and memberships from real CSV, XLSX and ODS files."""

import datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django_scopes import scope

from coope.core.models import AuditEntry
from coope.imports import kinds, run_import
from coope.lib.spreadsheets import SpreadsheetError, read_spreadsheet
from coope.membership.models import Membership
from coope.membership.services import take_membership
from coope.people.models import FamilyQuotient, Household, Person
from coope.people.services import create_household, create_person
from coope.people.tests.spreadsheet_files import csv_bytes, ods_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[3] / "docs" / "imports.md"
PEOPLE_HEADER = ["prenom", "nom", "date_naissance", "sexe", "code_postal", "maison"]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def import_file(world, kind, content, filename, actor=None, **options):
    sheet = read_spreadsheet(content, filename)
    with scope(cooperation=world.coop.pk):
        return run_import(
            kind, sheet, actor=actor or world.alice, cooperation=world.coop, **options
        )


def people(world):
    with scope(cooperation=world.coop.pk):
        return {(p.first_name, p.last_name): p for p in Person.objects.select_related("home_house")}


def errors_of(report):
    return [(e.row, e.column, e.message) for e in report.errors]


# -- reading files -----------------------------------------------------------------------------


def test_a_latin1_csv_with_semicolons_keeps_its_accents(world):
    content = csv_bytes(
        [
            PEOPLE_HEADER,
            ["Élodie", "Dupont-Gaël", "04/05/1980", "F", "26100", "a"],
            ["Zoë", "Müller", "1975-12-31", "femme", "", "Maison B romans"],
        ],
        encoding="latin-1",
    )
    sheet = read_spreadsheet(content, "export-logiciel.csv")
    assert sheet.encoding == "cp1252" and sheet.headers == PEOPLE_HEADER

    report = import_file(world, "people", content, "export-logiciel.csv")

    assert report.errors == [] and report.written
    found = people(world)
    elodie = found["Élodie", "Dupont-Gaël"]
    assert elodie.birth_date == datetime.date(1980, 5, 4) and elodie.home_house == world.house_a
    assert found["Zoë", "Müller"].birth_date == datetime.date(1975, 12, 31)
    assert found["Zoë", "Müller"].home_house == world.house_b


def test_a_utf8_csv_with_bom_and_commas_is_read(world):
    content = b"\xef\xbb\xbf" + csv_bytes(
        [["Prénom", "Nom", "Date de naissance"], ["Élodie", "Dupont", "04/05/1980"]], delimiter=","
    )
    sheet = read_spreadsheet(content, "liste.csv")
    assert sheet.encoding == "utf-8" and sheet.headers == ["Prénom", "Nom", "Date de naissance"]
    assert sheet.rows[0].values == {
        "Prénom": "Élodie",
        "Nom": "Dupont",
        "Date de naissance": "04/05/1980",
    }


def test_an_xlsx_with_real_dates_and_number_postcodes(world):
    content = xlsx_bytes(
        [
            ["Prénom", "Nom", "Date de naissance", "Code postal", "Téléphone"],
            ["Karim", "Benali", datetime.date(1990, 1, 2), 1000, 612345678],
            [None, None, None, None, None],
            ["Awa", "Diallo", None, 26100, None],
        ]
    )
    report = import_file(world, "people", content, "liste.xlsx")

    assert report.errors == [] and report.counts == {"personnes créées": 2}
    karim = people(world)["Karim", "Benali"]
    assert karim.birth_date == datetime.date(1990, 1, 2)
    assert karim.postcode == "01000" and karim.phone == "0612345678"
    assert people(world)["Awa", "Diallo"].postcode == "26100"


def test_an_ods_with_repeated_cells_keeps_every_column_in_place(world):
    # LibreOffice writes two empty neighbours, or two equal ones, as one repeated cell.
    content = ods_bytes(
        [
            ["prenom", "nom", "date_naissance", "sexe", "commune", "quartier"],
            ["Léa", "Martin", (None, 2), "Valence", "Centre"],
            ["Paul", "Martin", datetime.date(2001, 3, 4), "M", ("Romans", 2)],
        ]
    )
    report = import_file(world, "people", content, "liste.ods")

    assert report.errors == []
    found = people(world)
    lea, paul = found["Léa", "Martin"], found["Paul", "Martin"]
    assert (lea.birth_date, lea.sex, lea.city, lea.neighbourhood) == (
        None,
        "X",
        "Valence",
        "Centre",
    )
    assert paul.birth_date == datetime.date(2001, 3, 4) and (paul.city, paul.neighbourhood) == (
        "Romans",
        "Romans",
    )


def test_a_truncated_xlsx_is_refused_with_a_clear_message(world):
    content = xlsx_bytes([["prenom", "nom"], ["Karim", "Benali"]])
    with pytest.raises(SpreadsheetError, match="incomplet ou abîmé"):
        read_spreadsheet(content[: len(content) // 2], "liste.xlsx")


@pytest.mark.parametrize("content", [b"", b"  \r\n ", csv_bytes([[";;"]])])
def test_an_empty_file_is_refused(content):
    with pytest.raises(SpreadsheetError, match="est vide"):
        read_spreadsheet(content, "vide.csv")


def test_a_file_with_only_the_titles_is_refused():
    with pytest.raises(SpreadsheetError, match="aucune ligne à importer"):
        read_spreadsheet(csv_bytes([PEOPLE_HEADER]), "titres.csv")


def test_an_old_excel_file_is_refused_with_what_to_do():
    with pytest.raises(SpreadsheetError, match=r"enregistrez-le en \.xlsx"):
        read_spreadsheet(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "vieux.xls")


# -- bad rows ----------------------------------------------------------------------------------


def test_a_date_in_the_wrong_format_is_reported_and_nothing_is_written(world):
    content = csv_bytes(
        [
            PEOPLE_HEADER,
            ["Élodie", "Dupont", "04/05/1980", "F", "", ""],
            ["Karim", "Benali", "4 mai 1990", "M", "", ""],
            ["Awa", "Diallo", "31/02/1985", "F", "", ""],
        ]
    )
    report = import_file(world, "people", content, "liste.csv")

    assert errors_of(report) == [
        (
            3,
            "date_naissance",
            "« 4 mai 1990 » n'est pas une date : écrivez-la JJ/MM/AAAA, ex. 04/05/1980.",
        ),
        (
            4,
            "date_naissance",
            "« 31/02/1985 » n'est pas une date : écrivez-la JJ/MM/AAAA, ex. 04/05/1980.",
        ),
    ]
    assert report.errors[0].letter == "C"
    assert not report.written and report.good_row_count == 1 and report.bad_row_count == 2
    assert people(world) == {}
    with scope(cooperation=world.coop.pk):
        assert AuditEntry.objects.count() == 0


def test_only_the_good_rows_are_written_when_asked(world):
    content = csv_bytes(
        [
            PEOPLE_HEADER,
            ["Élodie", "Dupont", "04/05/1980", "F", "", ""],
            ["", "Benali", "", "M", "", ""],
            ["Awa", "Diallo", "", "personne", "", ""],
        ]
    )
    report = import_file(world, "people", content, "liste.csv", only_good_rows=True)

    assert report.written and report.counts == {"personnes créées": 1}
    assert [(e.row, e.column) for e in report.errors] == [(3, "prenom"), (4, "sexe")]
    assert "F, M ou X" in report.errors[1].message
    assert list(people(world)) == [("Élodie", "Dupont")]
    with scope(cooperation=world.coop.pk):
        entry = AuditEntry.objects.get(model="people.person")
    # The import audits each record it writes: action "import", the service's step kept as "via".
    assert entry.actor == world.alice and entry.action == "import"
    assert entry.changes["via"] == "create" and entry.changes["first_name"] == "Élodie"


def test_a_dry_run_counts_but_writes_nothing(world):
    content = csv_bytes(
        [PEOPLE_HEADER, ["Élodie", "Dupont", "", "", "", ""], ["Karim", "Benali", "", "", "", ""]]
    )
    report = import_file(world, "people", content, "liste.csv", dry_run=True)
    assert report.counts == {"personnes créées": 2} and not report.written and report.errors == []
    assert report.preview_rows[0] == (2, ["Élodie", "Dupont", "", "", "", ""])
    assert people(world) == {}


def test_an_unknown_house_names_the_houses_one_may_write(world):
    content = csv_bytes([PEOPLE_HEADER, ["Élodie", "Dupont", "", "", "", "Maison Z"]])
    report = import_file(world, "people", content, "liste.csv", only_good_rows=True)
    [error] = report.errors
    assert (error.row, error.column) == (2, "maison")
    assert "Maison « Maison Z » inconnue" in error.message
    assert "Maison A romans (A)" in error.message and "Maison B romans (B)" in error.message
    assert "valence" not in error.message  # another cooperation's houses are never named
    assert people(world) == {}


def test_a_missing_required_column_stops_the_whole_file(world):
    content = csv_bytes(
        [["prenom", "date_naissance", "couleur préférée"], ["Élodie", "04/05/1980", "bleu"]]
    )
    report = import_file(world, "people", content, "liste.csv", only_good_rows=True)
    assert report.file_error and not report.good_row_count
    assert [(e.row, e.column) for e in report.errors] == [(1, "nom")]
    assert report.warnings == [
        "La colonne « couleur préférée » n'est pas connue pour cet import : elle est ignorée."
    ]
    assert people(world) == {}


def test_people_already_known_are_present_unless_they_differ_and_twice_in_the_file_is_bad(world):
    with scope(cooperation=world.coop.pk):
        create_person(
            actor=world.alice,
            cooperation=world.coop,
            first_name="Élodie",
            last_name="Dupont",
            birth_date=datetime.date(1980, 5, 4),
            postcode="26100",
        )
    content = csv_bytes(
        [
            PEOPLE_HEADER,
            ["ELODIE", "dupont", "04/05/1980", "", "26100", ""],  # the same: already there
            ["Karim", "Benali", "", "", "", ""],
            ["karim", "BENALI", "", "", "", ""],
            ["Élodie", "Dupont", "", "", "38000", ""],  # another postcode: reported
        ]
    )
    report = import_file(world, "people", content, "liste.csv", only_good_rows=True)
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (4, "nom", "Même personne que la ligne 3 de ce fichier."),
        (
            5,
            "code_postal",
            "Élodie Dupont (04/05/1980) est déjà dans Coopé, avec « 26100 » dans cette colonne "
            "et non « 38000 » : rien n'est changé. Corrigez le fichier, ou la fiche dans Coopé.",
        ),
    ]
    assert report.counts == {"personnes créées": 1}
    assert (report.present_rows, report.new_row_count) == (1, 1)
    assert people(world)["Élodie", "Dupont"].postcode == "26100"


def test_a_user_who_may_not_see_notes_may_not_import_them(world):
    content = csv_bytes([["prenom", "nom", "notes"], ["Élodie", "Dupont", "suivi RSA"]])
    report = import_file(
        world, "people", content, "liste.csv", actor=world.coordinator, only_good_rows=True
    )
    assert report.file_error and "données sensibles" in report.errors[0].message
    assert people(world) == {}


# -- households ----------------------------------------------------------------------------------


@pytest.fixture
def family(in_scope):
    w = in_scope
    make = {}
    for first, last, birth in [
        ("Élodie", "Dupont", "1980-05-04"),
        ("Marc", "Dupont", None),
        ("Lina", "Dupont", "2012-09-01"),
        ("Karim", "Benali", None),
    ]:
        make[first] = create_person(
            actor=w.alice,
            cooperation=w.coop,
            first_name=first,
            last_name=last,
            birth_date=datetime.date.fromisoformat(birth) if birth else None,
        )
    return make


def test_households_are_created_with_their_members_and_quotient(world, family):
    content = xlsx_bytes(
        [
            [
                "Foyer",
                "Prénom",
                "Nom",
                "Lien",
                "Quotient familial",
                "Date QF",
                "Justificatif",
                "Commune",
            ],
            [
                "Famille Dupont",
                "Élodie",
                "Dupont",
                "responsable",
                650,
                datetime.date(2018, 1, 15),
                "CAF",
                "Romans",
            ],
            ["famille dupont", "Marc", "Dupont", "conjoint", None, None, None, None],
            [
                "Famille Dupont",
                "Lina",
                "Dupont",
                "Enfant",
                "650",
                "15/01/2018",
                "attestation caf",
                None,
            ],
            ["Famille Benali", "Karim", "Benali", "", None, None, None, None],
        ]
    )
    report = import_file(world, "households", content, "foyers.xlsx")

    assert report.errors == [] and report.written
    assert report.counts == {
        "foyers créés": 2,
        "membres ajoutés": 4,
        "quotients familiaux enregistrés": 1,
    }
    with scope(cooperation=world.coop.pk):
        dupont = Household.objects.get(name="Famille Dupont")
        assert dupont.city == "Romans"
        assert {(m.person.first_name, m.link) for m in dupont.links.select_related("person")} == {
            ("Élodie", "referent"),
            ("Marc", "partner"),
            ("Lina", "child"),
        }
        quotient = FamilyQuotient.objects.get()
        assert (quotient.household, quotient.value, quotient.valid_from, quotient.source) == (
            dupont,
            650,
            datetime.date(2018, 1, 15),
            "caf",
        )
        assert quotient.recorded_by == world.alice
        assert (
            AuditEntry.objects.filter(action="import", changes__via="record_quotient").count() == 1
        )
        assert AuditEntry.objects.filter(action="import", changes__via="add_member").count() == 4


def test_household_rows_with_unknown_people_or_quotient_mistakes(world, family):
    content = csv_bytes(
        [
            [
                "foyer",
                "prenom",
                "nom",
                "date_naissance",
                "quotient",
                "date_quotient",
                "source_quotient",
            ],
            ["Famille Dupont", "Élodie", "Dupont", "", "650", "15/01/2018", "caf"],
            ["Famille Dupont", "Lina", "Dupont", "01/09/2013", "", "", ""],
            ["Famille Dupont", "Marc", "Dupont", "", "700", "15/01/2018", "caf"],
            ["Famille Benali", "Karim", "Benali", "", "400", "", "bulletin"],
        ]
    )
    report = import_file(world, "households", content, "foyers.csv")
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "nom"),
        (4, "quotient"),
        (5, "date_quotient"),
        (5, "source_quotient"),
    ]
    assert (
        "Personne introuvable dans Coopé : « Lina Dupont » (01/09/2013)" in report.errors[0].message
    )
    assert "ligne 2" in report.errors[1].message
    assert "CAF, MSA, impôts ou déclaré" in report.errors[3].message
    with scope(cooperation=world.coop.pk):
        assert not Household.objects.exists() and not FamilyQuotient.objects.exists()


def test_an_existing_household_is_completed_not_duplicated(world, family):
    with scope(cooperation=world.coop.pk):
        household = create_household(
            actor=world.alice,
            cooperation=world.coop,
            name="Famille Dupont",
            members=[(family["Élodie"], "referent")],
        )
    content = csv_bytes(
        [
            ["foyer", "prenom", "nom", "lien"],
            ["Famille Dupont", "Élodie", "Dupont", "responsable"],
            ["Famille Dupont", "Lina", "Dupont", "enfant"],
        ]
    )
    report = import_file(world, "households", content, "foyers.csv")
    assert (
        report.errors == []
        and report.counts["foyers créés"] == 0
        and report.counts["membres ajoutés"] == 1
    )
    with scope(cooperation=world.coop.pk):
        assert Household.objects.get() == household and household.links.count() == 2


# -- memberships ---------------------------------------------------------------------------------


def test_memberships_with_the_fee_from_the_rules_or_the_file_and_a_card_number(world, family):
    with scope(cooperation=world.coop.pk):
        create_household(
            actor=world.alice,
            cooperation=world.coop,
            name="Famille Dupont",
            members=[(family["Élodie"], "referent")],
        )
    content = ods_bytes(
        [
            [
                "carte",
                "prenom",
                "nom",
                "foyer",
                "maison",
                "periode",
                "paiement",
                "montant",
                "date_debut",
            ],
            ["ROM-2018-00042", "Karim", "Benali", None, "A", "2018", "chèque", None, None],
            [
                None,
                None,
                None,
                "famille DUPONT",
                "maison a romans",
                None,
                "especes",
                "12,50",
                datetime.date(2018, 3, 1),
            ],
        ]
    )
    report = import_file(world, "memberships", content, "adhesions.ods")

    assert report.errors == [] and report.counts == {"adhésions enregistrées": 2}
    with scope(cooperation=world.coop.pk):
        karim = Membership.objects.get(person=family["Karim"])
        assert (
            karim.card_number,
            karim.fee_cents,
            karim.payment_method,
            karim.valid_from,
            karim.house,
        ) == ("ROM-2018-00042", 1000, "cheque", datetime.date(2018, 1, 1), world.house_a)
        dupont = Membership.objects.get(household__name="Famille Dupont")
        assert (dupont.fee_cents, dupont.valid_from, dupont.valid_until) == (
            1250,
            datetime.date(2018, 3, 1),
            datetime.date(2018, 12, 31),
        )
        assert dupont.card_number == "ROM-2018-00043"  # after the imported card
        assert (
            AuditEntry.objects.filter(action="import", changes__via="take_membership").count() == 2
        )
        assert set(
            AuditEntry.objects.filter(action="import", changes__via="take_membership").values_list(
                "changes__card_number", flat=True
            )
        ) == {"ROM-2018-00042", "ROM-2018-00043"}


def test_membership_rows_that_cannot_be_taken(world, family):
    with scope(cooperation=world.coop.pk):
        take_membership(
            actor=world.alice,
            house=world.house_a,
            period=world.period,
            person=family["Marc"],
            payment_method="cash",
            valid_from=datetime.date(2018, 1, 1),
        )
    content = csv_bytes(
        [
            ["prenom", "nom", "maison", "periode", "paiement", "date_debut"],
            ["Karim", "Benali", "Maison C", "2018", "cash", ""],
            # Marc's membership of Coopé starts on 1 January: this one overlaps it.
            ["Marc", "Dupont", "A", "2018", "espèces", "01/03/2018"],
            ["Élodie", "Dupont", "A", "2019", "espèces", ""],
            ["Lina", "Dupont", "A", "2018", "bitcoin", "01/06/2019"],
            ["Karim", "Benali", "B", "2018", "cb", ""],
        ]
    )
    report = import_file(world, "memberships", content, "adhesions.csv")
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "maison"),
        (3, ""),
        (4, "periode"),
        (5, "paiement"),
        (5, "date_debut"),
        (6, "maison"),
    ]
    messages = [e.message for e in report.errors]
    assert "Marc Dupont a déjà une adhésion valable" in messages[1]
    assert messages[2].startswith(
        "Période d'adhésion « 2019 » inconnue. Périodes connues : 2018. Laissez"
    )
    assert "pas une maison de votre association" in messages[5]  # Alice works at house A only
    with scope(cooperation=world.coop.pk):
        assert Membership.objects.count() == 1


def test_the_director_may_import_memberships_of_every_house(world, family):
    content = csv_bytes(
        [["prenom", "nom", "maison", "periode", "paiement"], ["Karim", "Benali", "B", "2018", "cb"]]
    )
    report = import_file(world, "memberships", content, "adhesions.csv", actor=world.director)
    assert report.errors == [] and report.written


# -- the command -------------------------------------------------------------------------------


def test_the_command_prints_bad_rows_and_fails_without_writing(world, tmp_path, capsys):
    path = tmp_path / "personnes.csv"
    path.write_bytes(
        csv_bytes(
            [
                PEOPLE_HEADER,
                ["Élodie", "Dupont", "", "", "", ""],
                ["Karim", "Benali", "1990/01/02", "", "", ""],
            ],
            encoding="latin-1",
        )
    )
    with pytest.raises(CommandError, match="Rien n'a été enregistré"):
        call_command("import", "people", str(path), "--cooperation", "romans")
    out = capsys.readouterr().out
    assert "encodage Latin-1 (Windows)" in out
    assert "     3  date_naissance (C)        « 1990/01/02 » n'est pas une date" in out
    assert people(world) == {}

    call_command("import", "personnes", str(path), "--cooperation", "romans", "--only-good-rows")
    out = capsys.readouterr().out
    assert "Import terminé : 1 nouvelle ligne, 0 déjà présente, 1 ignorée(s)." in out
    assert list(people(world)) == [("Élodie", "Dupont")]
    with scope(cooperation=world.coop.pk):
        assert AuditEntry.objects.get().actor is None  # the operator at the command line


def test_the_command_dry_run_and_progress(world, tmp_path, capsys):
    path = tmp_path / "personnes.xlsx"
    path.write_bytes(
        xlsx_bytes([["prenom", "nom"]] + [["Personne", f"Numéro {n}"] for n in range(600)])
    )
    call_command("import", "people", str(path), "--cooperation", "romans", "--dry-run")
    out = capsys.readouterr().out
    assert "… 500 / 600 lignes vérifiées" in out and "… 600 / 600 lignes vérifiées" in out
    assert "personnes créées : 600 (rien n'est enregistré)" in out
    assert people(world) == {}


def test_the_command_refuses_an_unknown_cooperation_or_a_broken_file(world, tmp_path):
    path = tmp_path / "cassé.xlsx"
    path.write_bytes(xlsx_bytes([["prenom", "nom"], ["a", "b"]])[:300])
    with pytest.raises(CommandError, match="incomplet ou abîmé"):
        call_command("import", "people", str(path), "--cooperation", "romans")
    with pytest.raises(CommandError, match="Coopération « lyon » inconnue"):
        call_command("import", "people", str(path), "--cooperation", "lyon")


def test_the_other_cooperation_is_untouched_by_an_import(world):
    content = csv_bytes([PEOPLE_HEADER, ["Élodie", "Dupont", "", "", "", "A"]])
    import_file(world, "people", content, "liste.csv")
    with scope(cooperation=world.other_coop.pk):
        assert not Person.objects.exists()


def test_the_documentation_describes_every_column():
    docs = DOCS.read_text(encoding="utf-8")
    for kind, importer in kinds().items():
        for column in importer.columns:
            assert f"`{column.key}`" in docs, (kind, column.key)
