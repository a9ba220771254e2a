"""Households imported with their members' dates, through the dated services; re-importing the
same file writes nothing, and a row that contradicts a known stay is reported."""

import datetime

import pytest
from django_scopes import scope

from coope.core.models import AuditEntry
from coope.imports import run_import
from coope.lib.spreadsheets import read_spreadsheet
from coope.people.models import FamilyQuotient, Household, HouseholdMember
from coope.people.services import create_person
from coope.people.tests.spreadsheet_files import csv_bytes, ods_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

D = datetime.date
HEADER = [
    "foyer",
    "prenom",
    "nom",
    "lien",
    "membre_depuis",
    "membre_jusqu_au",
    "quotient",
    "date_quotient",
    "source_quotient",
    "commune",
]
ROWS = [
    HEADER,
    ["Famille Dupont", "Élodie", "Dupont", "responsable", "", "", 650, D(2018, 1, 15), "CAF", "Romans"],
    ["Famille Dupont", "Marc", "Dupont", "conjoint", D(2016, 2, 1), D(2018, 6, 30), "", "", "", ""],
    ["Famille Dupont", "Marc", "Dupont", "conjoint", D(2020, 1, 1), "", "", "", "", ""],
    ["Famille Dupont", "Lina", "Dupont", "enfant", D(2018, 9, 15), "", 650, D(2018, 1, 15), "CAF", ""],
]  # fmt: skip


@pytest.fixture
def dupont(world):
    with scope(cooperation=world.coop.pk):
        return {
            first: create_person(
                actor=None, cooperation=world.coop, first_name=first, last_name="Dupont"
            )
            for first in ("Élodie", "Marc", "Lina")
        }


def load(world, rows, maker=xlsx_bytes, filename="foyers.xlsx"):
    if maker is csv_bytes:  # text only, dates as people type them
        rows = [[f"{v:%d/%m/%Y}" if isinstance(v, D) else str(v) for v in row] for row in rows]
    with scope(cooperation=world.coop.pk):
        return run_import(
            "foyers",
            read_spreadsheet(maker(rows), filename),
            actor=world.director,
            cooperation=world.coop,
        )


def stays(world) -> set:
    with scope(cooperation=world.coop.pk):
        return set(
            HouseholdMember.objects.values_list(
                "person__first_name", "link", "valid_from", "valid_until"
            )
        )


def written(world) -> tuple[int, ...]:
    with scope(cooperation=world.coop.pk):
        return tuple(
            m.objects.count() for m in (Household, HouseholdMember, FamilyQuotient, AuditEntry)
        )


def test_members_come_with_their_dates_and_the_same_file_again_writes_nothing(world, dupont):
    report = load(world, ROWS)
    assert report.errors == [] and report.counts == {
        "foyers créés": 1,
        "membres ajoutés": 4,
        "quotients familiaux enregistrés": 1,
    }
    assert stays(world) == {
        ("Élodie", "referent", None, None),
        ("Marc", "partner", D(2016, 2, 1), D(2018, 6, 30)),
        ("Marc", "partner", D(2020, 1, 1), None),
        ("Lina", "child", D(2018, 9, 15), None),
    }
    with scope(cooperation=world.coop.pk):
        assert AuditEntry.objects.filter(action="import", changes__via="remove_member").count() == 1
    before = written(world)
    again = load(world, ROWS, ods_bytes, "foyers.ods")
    assert again.errors == [] and (again.present_rows, again.new_row_count) == (4, 0)
    assert again.counts == {
        "foyers créés": 0,
        "membres ajoutés": 0,
        "quotients familiaux enregistrés": 0,
    }
    assert written(world) == before


def test_a_departure_coope_does_not_know_closes_the_open_stay(world, dupont):
    load(world, ROWS)
    rows = [HEADER, ["Famille Dupont", "Lina", "Dupont", "enfant", D(2018, 9, 15), D(2024, 8, 31), "", "", "", ""]]  # fmt: skip
    report = load(world, rows)
    assert report.errors == [] and (report.present_rows, report.new_row_count) == (0, 1)
    assert ("Lina", "child", D(2018, 9, 15), D(2024, 8, 31)) in stays(world)
    before = written(world)
    assert load(world, rows).present_rows == 1 and written(world) == before


def test_rows_that_contradict_a_known_stay_are_reported_and_nothing_changes(world, dupont):
    load(world, ROWS)
    before = written(world)
    rows = [
        HEADER,
        # Another link.
        ["Famille Dupont", "Élodie", "Dupont", "conjoint", "", "", "", "", "", ""],
        # Another day of departure for the same stay.
        ["Famille Dupont", "Marc", "Dupont", "conjoint", D(2016, 2, 1), D(2018, 12, 31), "", "", "", ""],
        # Coopé knows she is still there since 2018: not since 2017.
        ["Famille Dupont", "Lina", "Dupont", "enfant", D(2017, 1, 1), "", "", "", "", ""],
        # Another quotient on the same day.
        ["Famille Dupont", "Élodie", "Dupont", "", "", "", 700, D(2018, 1, 15), "CAF", ""],
        # Another commune for the household.
        ["Famille Dupont", "Élodie", "Dupont", "", "", "", "", "", "", "Valence"],
    ]  # fmt: skip
    report = load(world, rows, csv_bytes, "foyers.csv")
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "lien"),
        (3, "membre_jusqu_au"),
        (4, "membre_depuis"),
        (5, "quotient"),
        (6, "commune"),
    ]
    messages = [e.message for e in report.errors]
    assert "« Responsable du foyer », la ligne dit « Conjoint·e »" in messages[0]
    assert "a quitté ce foyer le 30/06/2018 ; la ligne dit le 31/12/2018" in messages[1]
    assert "déjà dans ce foyer (depuis le 15/09/2018)" in messages[2]
    assert "« 650 », la ligne dit « 700 »" in messages[3]
    assert "« Romans », la ligne dit « Valence »" in messages[4]
    assert written(world) == before


def test_a_member_coope_says_has_left_is_not_put_back_without_a_new_start(world, dupont):
    load(world, ROWS)
    rows = [HEADER, ["Famille Dupont", "Marc", "Dupont", "", D(2016, 2, 1), "", "", "", "", ""]]
    report = load(world, rows, csv_bytes, "foyers.csv")
    assert [(e.row, e.column) for e in report.errors] == [(2, "membre_jusqu_au")]
    assert "qu'il ou elle y est encore" in report.errors[0].message


def test_dates_out_of_sense_are_the_rows_problems(world, dupont):
    rows = [
        HEADER,
        ["Famille Dupont", "Élodie", "Dupont", "", "0001-01-01", "", "", "", "", ""],
        ["Famille Dupont", "Lina", "Dupont", "", "", "", 650, "0001-01-01", "CAF", ""],
    ]
    before = written(world)
    report = load(world, rows, csv_bytes, "foyers.csv")
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "membre_depuis"),
        (3, "date_quotient"),
    ]
    assert "Le 01/01/0001 n'est pas une date possible" in report.errors[0].message
    assert written(world) == before


def test_households_of_another_cooperation_are_not_completed(world, dupont):
    load(world, ROWS)
    with scope(cooperation=world.other_coop.pk):
        create_person(
            actor=None, cooperation=world.other_coop, first_name="Élodie", last_name="Dupont"
        )
        report = run_import(
            "households",
            read_spreadsheet(xlsx_bytes(ROWS[:2]), "foyers.xlsx"),
            actor=None,
            cooperation=world.other_coop,
        )
        assert report.errors == [] and report.counts["foyers créés"] == 1
    with scope(cooperation=world.coop.pk):
        assert Household.objects.count() == 1
