"""Importing the cannery's producers from real files; re-importing them is safe."""

import pytest
from django_scopes import scope

from coope.cannery.models import Producer
from coope.core.models import AuditEntry
from coope.imports import run_import
from coope.lib.spreadsheets import read_spreadsheet
from coope.people.tests.spreadsheet_files import csv_bytes, ods_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

ROWS = [
    ["producteur", "commune", "contact", "telephone", "bio"],
    ["Ferme des Chirouzes", "Triors", "Jeanne Roux", "04 75 00 00 00", "oui"],
    ["GAEC du Bois", "Peyrins", "", "", "non"],
    ["Vergers de la Joyeuse", "Châtillon-Saint-Jean", "", "", "AB"],
]


def load(world, content, filename, actor="director", cooperation=None):
    cooperation = cooperation or world.coop
    actor = world.director if actor == "director" else actor
    with scope(cooperation=cooperation.pk):
        return run_import(
            "producteurs",
            read_spreadsheet(content, filename),
            actor=actor,
            cooperation=cooperation,
        )


def written(world) -> tuple[int, int]:
    with scope(cooperation=world.coop.pk):
        return Producer.objects.count(), AuditEntry.objects.count()


def test_producers_are_created_and_the_same_file_again_writes_nothing(world):
    report = load(world, xlsx_bytes(ROWS), "fermes.xlsx")
    assert report.errors == [] and report.counts == {"producteurs créés": 3}
    with scope(cooperation=world.coop.pk):
        farm = Producer.objects.get(name="Ferme des Chirouzes")
        assert (farm.commune, farm.contact, farm.phone, farm.organic) == (
            "Triors",
            "Jeanne Roux",
            "04 75 00 00 00",
            True,
        )
        assert Producer.objects.get(name="Vergers de la Joyeuse").organic
        assert not Producer.objects.get(name="GAEC du Bois").organic
        assert AuditEntry.objects.filter(model="cannery.producer", action="import").count() == 3
    before = written(world)
    again = load(world, ods_bytes(ROWS), "fermes.ods")
    assert (again.errors, again.present_rows, again.new_row_count) == ([], 3, 0)
    assert written(world) == before


def test_a_producer_already_there_with_other_content_is_reported(world):
    load(world, xlsx_bytes(ROWS), "fermes.xlsx")
    before = written(world)
    rows = [
        ROWS[0],
        # The same farm, written otherwise, with no contact: nothing said against Coopé.
        ["ferme des chirouzes", "TRIORS", "", "", ""],
        ["GAEC du Bois", "Mours", "", "", "oui"],
    ]
    report = load(world, csv_bytes(rows), "fermes.csv")
    assert [(e.row, e.column) for e in report.errors] == [(3, "commune"), (3, "bio")]
    assert "« Peyrins », la ligne dit « Mours »" in report.errors[0].message
    assert "« non », la ligne dit « oui »" in report.errors[1].message
    assert written(world) == before


def test_bad_producer_rows_are_reported_and_nothing_is_written(world):
    rows = [
        ROWS[0],
        ["", "Triors", "", "", ""],
        ["Ferme Sans Commune", "", "", "", ""],
        ["Ferme Peut-Être", "Triors", "", "", "peut-être"],
        ["F" * 201, "Triors", "", "", ""],
    ]
    before = written(world)
    report = load(world, csv_bytes(rows), "fermes.csv")
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "producteur"),
        (3, "commune"),
        (4, "bio"),
        (5, "producteur"),
    ]
    assert "oui ou non" in report.errors[2].message
    assert "200 caractères au plus" in report.errors[3].message
    assert not report.written and written(world) == before


def test_rights_and_cooperations_are_apart(world):
    report = load(world, csv_bytes(ROWS), "fermes.csv", actor=world.alice)
    assert report.file_error and "conserverie" in report.errors[0].message
    load(world, csv_bytes(ROWS), "fermes.csv")
    other = load(world, csv_bytes(ROWS), "fermes.csv", actor=None, cooperation=world.other_coop)
    assert other.errors == [] and other.counts == {"producteurs créés": 3}
    with scope(cooperation=world.coop.pk):
        assert Producer.objects.count() == 3
