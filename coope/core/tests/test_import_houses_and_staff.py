"""A new cooperation's associations, houses and staff accounts imported from real files, through
the core's services; re-importing them is safe, and only a director imports them."""

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory
from django_scopes import scope

from coope.core.models import Association, AuditEntry, Cooperation, House, StaffRole, User
from coope.imports import run_import
from coope.lib.spreadsheets import read_spreadsheet
from coope.people.tests.spreadsheet_files import csv_bytes, ods_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

ASSOCIATIONS = [
    ["nom", "adresse"],
    ["MJC Robert Martin", "2 rue Jean Moulin"],
    ["Centre social Coluche", ""],
]
HOUSES = [
    ["association", "nom", "nom_court", "adresse", "code_postal", "commune", "couleur", "qpv"],
    ["MJC Robert Martin", "Maison Saint-Nicolas", "St Nicolas", "1 place", "26100", "Romans", "#e4572e", "oui"],
    ["Centre social Coluche", "Maison des Ors", "Les Ors", "5 rue", 1000, "Bourg", "", ""],
]  # fmt: skip
STAFF = [
    ["identifiant", "prenom", "nom", "courriel", "association", "role"],
    ["m.dupont", "Marie", "Dupont", "m.dupont@example.org", "MJC Robert Martin", "accueil"],
    ["m.dupont", "Marie", "Dupont", "", "Centre social Coluche", "Bénévole"],
    ["k.benali", "Karim", "Benali", "", "Centre social Coluche", "directeur"],
]


@pytest.fixture
def fresh(db):
    """A cooperation created a moment ago, and its first director."""
    cooperation = Cooperation.objects.create(name="Coopé du Nord", slug="nord", card_prefix="NRD")
    with scope(cooperation=cooperation.pk):
        first = Association.objects.create(cooperation=cooperation, name="Fédération du Nord")
        director = User.objects.create_user(username="dir-nord", cooperation=cooperation)
        StaffRole.objects.create(
            cooperation=cooperation, user=director, association=first, role="director"
        )
    return cooperation, director


def load(cooperation, kind, content, filename, actor):
    with scope(cooperation=cooperation.pk):
        return run_import(
            kind, read_spreadsheet(content, filename), actor=actor, cooperation=cooperation
        )


def written(cooperation) -> tuple[int, ...]:
    with scope(cooperation=cooperation.pk):
        return (
            Association.objects.count(),
            House.objects.count(),
            User.objects.count(),
            StaffRole.objects.count(),
            AuditEntry.objects.count(),
        )


@pytest.fixture
def imported(fresh):
    cooperation, director = fresh
    for kind, rows in (("associations", ASSOCIATIONS), ("maisons", HOUSES), ("comptes", STAFF)):
        report = load(cooperation, kind, xlsx_bytes(rows), f"{kind}.xlsx", director)
        assert report.errors == [], report.errors
    return cooperation, director


def test_associations_houses_and_staff_are_created_through_the_services(imported):
    cooperation, _director = imported
    with scope(cooperation=cooperation.pk):
        mjc = Association.objects.get(name="MJC Robert Martin")
        assert mjc.address == "2 rue Jean Moulin"
        nicolas = House.objects.get(short_name="St Nicolas")
        assert (nicolas.association, nicolas.colour, nicolas.priority_area) == (
            mjc,
            "#E4572E",
            True,
        )
        ors = House.objects.get(short_name="Les Ors")
        assert (ors.postcode, ors.colour, ors.priority_area) == ("01000", "#3A6EA5", False)
        marie = User.objects.get(username="m.dupont")
        assert (marie.cooperation, marie.email, marie.first_name) == (
            cooperation,
            "m.dupont@example.org",
            "Marie",
        )
        assert {(r.association.name, r.role) for r in marie.staff_roles.all()} == {
            ("MJC Robert Martin", "reception"),
            ("Centre social Coluche", "volunteer"),
        }
        karim = User.objects.get(username="k.benali")
        assert karim.roles() == {"director"} and karim.is_staff
        # No password came with the file: the director gives one in the setup screens.
        assert not marie.has_usable_password() and not karim.has_usable_password()
        assert authenticate(RequestFactory().post("/"), username="m.dupont", password="") is None
        audited = set(AuditEntry.objects.filter(action="import").values_list("model", flat=True))
        assert {"core.association", "core.house", "core.user", "core.staffrole"} <= audited


def test_the_same_files_again_write_nothing(imported):
    cooperation, director = imported
    before = written(cooperation)
    for kind, rows, count in (
        ("associations", ASSOCIATIONS, 2),
        ("houses", HOUSES, 2),
        ("staff", STAFF, 3),
    ):
        report = load(cooperation, kind, ods_bytes(rows), f"{kind}.ods", director)
        assert (report.errors, report.present_rows, report.new_row_count) == ([], count, 0)
    assert written(cooperation) == before


def test_records_already_there_with_other_content_are_reported(imported):
    cooperation, director = imported
    before = written(cooperation)
    houses = [
        HOUSES[0],
        ["MJC Robert Martin", "maison saint nicolas", "St Nicolas", "1 place", "26100", "Romans", "#17BEBB", "non"],
    ]  # fmt: skip
    report = load(cooperation, "houses", csv_bytes(houses), "m.csv", director)
    assert [(e.row, e.column) for e in report.errors] == [(2, "couleur"), (2, "qpv")]
    assert "« #E4572E », la ligne dit « #17BEBB »" in report.errors[0].message
    staff = [STAFF[0], ["M.Dupont", "Maria", "Dupont", "", "MJC Robert Martin", "accueil"]]
    report = load(cooperation, "staff", csv_bytes(staff), "c.csv", director)
    assert [(e.row, e.column) for e in report.errors] == [(2, "prenom")]
    associations = [ASSOCIATIONS[0], ["MJC Robert Martin", "9 avenue Gambetta"]]
    report = load(cooperation, "associations", csv_bytes(associations), "a.csv", director)
    assert [(e.row, e.column) for e in report.errors] == [(2, "adresse")]
    assert written(cooperation) == before


def test_bad_values_are_reported_on_their_row_and_column_and_nothing_is_written(imported):
    cooperation, director = imported
    before = written(cooperation)
    houses = [
        HOUSES[0],
        ["MJC Robert Martin", "Maison Rouge", "Rouge", "1 rue", "26100", "Romans", "rouge", ""],
        ["Association Inconnue", "Maison Bleue", "Bleue", "1 rue", "26100", "Romans", "", ""],
        ["MJC Robert Martin", "Maison Verte", "St Nicolas", "1 rue", "261", "Romans", "", "bof"],
        ["MJC Robert Martin", "", "", "", "", "", "", ""],
    ]
    report = load(cooperation, "houses", csv_bytes(houses), "m.csv", director)
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "couleur"),
        (3, "association"),
        (4, "nom_court"),
        (4, "code_postal"),
        (4, "qpv"),
        (5, "nom"),
        (5, "nom_court"),
        (5, "adresse"),
        (5, "code_postal"),
        (5, "commune"),
    ]
    messages = [e.message for e in report.errors]
    assert "« rouge » n'est pas une couleur : écrivez-la #RRGGBB" in messages[0]
    assert "Association « Association Inconnue » inconnue" in messages[1]
    assert "« St Nicolas » désigne déjà Maison Saint-Nicolas" in messages[2]
    assert "5 chiffres" in messages[3]
    staff = [
        STAFF[0],
        ["p.roux", "Paul", "Roux", "", "MJC Robert Martin", "stagiaire"],
        ["p roux", "Paul", "Roux", "pas-un-courriel", "MJC Robert Martin", "accueil"],
        ["p.roux", "Paul", "Roux", "", "", ""],
    ]
    report = load(cooperation, "staff", csv_bytes(staff), "c.csv", director)
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "role"),
        (3, "identifiant"),
        (3, "courriel"),
        (4, "association"),
        (4, "role"),
    ]
    assert "direction, coordination, accueil, bénévole ou évaluation" in report.errors[0].message
    assert written(cooperation) == before


def test_only_a_director_imports_them_and_other_cooperations_are_apart(imported, world):
    cooperation, director = imported
    with scope(cooperation=cooperation.pk):
        reception = User.objects.get(username="m.dupont")
    report = load(cooperation, "houses", xlsx_bytes(HOUSES), "m.xlsx", reception)
    assert report.file_error and "Seule la direction" in report.errors[0].message
    # Another cooperation's association is unknown here, its usernames are taken.
    rows = [STAFF[0], ["alice", "Alice", "", "", "MJC Robert Martin", "accueil"]]
    report = load(cooperation, "staff", csv_bytes(rows), "c.csv", director)
    assert [(e.row, e.column) for e in report.errors] == [(2, "identifiant")]
    assert "« alice » est déjà pris" in report.errors[0].message
    houses = [HOUSES[0], [world.assoc_a.name, "Maison X", "X", "1 rue", "26100", "Romans", "", ""]]
    report = load(cooperation, "houses", csv_bytes(houses), "m.csv", director)
    assert [(e.row, e.column) for e in report.errors] == [(2, "association")]
    with scope(cooperation=world.coop.pk):
        assert not House.objects.filter(name="Maison X").exists()


def test_the_first_association_s_address_is_completed_not_refused(fresh):
    # Created with the cooperation, « Fédération du Nord » has no address yet: the template's
    # row gives it. A second, different address is then a difference, reported.
    cooperation, director = fresh
    rows = [["nom", "adresse"], ["Fédération du Nord", "4 rue des Tilleuls"]]
    report = load(cooperation, "associations", csv_bytes(rows), "a.csv", director)
    assert report.errors == [] and report.written
    with scope(cooperation=cooperation.pk):
        assert Association.objects.get(name="Fédération du Nord").address == "4 rue des Tilleuls"
        entry = AuditEntry.objects.get(model="core.association")  # the import's, by the director
        assert entry.action == "import" and entry.actor == director
    again = load(cooperation, "associations", csv_bytes(rows), "a.csv", director)
    assert again.present_rows == 1 and again.errors == []
    other = [["nom", "adresse"], ["Fédération du Nord", "9 place du Marché"]]
    refused = load(cooperation, "associations", csv_bytes(other), "a.csv", director)
    assert refused.errors and "4 rue des Tilleuls" in refused.errors[0].message
