"""Importing the trainings volunteers followed from real files; re-importing them is safe."""

import pytest
from django_scopes import scope

from coope.core.models import AuditEntry, ProjectGroup
from coope.imports import run_import
from coope.lib.indicators import compute_figures
from coope.lib.periods import Period
from coope.lib.spreadsheets import read_spreadsheet
from coope.people.services import create_person
from coope.people.tests.spreadsheet_files import csv_bytes, ods_bytes, xlsx_bytes
from coope.volunteering.models import Training

pytestmark = pytest.mark.django_db

ROWS = [
    ["prenom", "nom", "formation", "date", "programme", "groupe_projet"],
    ["Karim", "Benali", "Formation à l'animation", "15/03/2018", "cannery", "Alimentation"],
    ["Karim", "Benali", "Hygiène alimentaire", "16/03/2018", "Conserverie mobile et solidaire", ""],
    ["Léa", "Martin", "Premiers secours", "02/02/2018", "", ""],
]


@pytest.fixture
def volunteers(world):
    with scope(cooperation=world.coop.pk):
        ProjectGroup.objects.create(
            cooperation=world.coop, name="Alimentation", slug="alimentation"
        )
        for first, last in (("Karim", "Benali"), ("Léa", "Martin")):
            create_person(actor=None, cooperation=world.coop, first_name=first, last_name=last)


def load(world, content, filename, actor="director", cooperation=None, **options):
    cooperation = cooperation or world.coop
    actor = world.director if actor == "director" else actor
    with scope(cooperation=cooperation.pk):
        return run_import(
            "formations",
            read_spreadsheet(content, filename),
            actor=actor,
            cooperation=cooperation,
            **options,
        )


def written(world) -> tuple[int, int]:
    with scope(cooperation=world.coop.pk):
        return Training.objects.count(), AuditEntry.objects.count()


def test_trainings_are_recorded_and_counted_and_a_second_import_writes_nothing(world, volunteers):
    report = load(world, xlsx_bytes(ROWS), "formations.xlsx")
    assert report.errors == [] and report.counts["formations enregistrées"] == 3
    with scope(cooperation=world.coop.pk):
        animation = Training.objects.get(title="Formation à l'animation")
        assert (animation.programme, animation.project_group.name) == ("cannery", "Alimentation")
        assert Training.objects.get(title="Hygiène alimentaire").programme == "cannery"
        assert (
            AuditEntry.objects.filter(model="volunteering.training", action="import").count() == 3
        )
        figures = compute_figures(
            world.coop,
            Period.year(2018),
            keys=["volunteering.volunteers_trained"],
            programme="cannery",
        )
        assert figures == {"volunteering.volunteers_trained": 1}
    before = written(world)
    again = load(world, ods_bytes(ROWS), "formations.ods")
    assert (again.errors, again.present_rows, again.new_row_count) == ([], 3, 0)
    assert written(world) == before


def test_a_training_already_there_with_another_programme_is_reported(world, volunteers):
    load(world, xlsx_bytes(ROWS), "formations.xlsx")
    before = written(world)
    changed = [ROWS[0], ["Karim", "Benali", "formation a l'animation", "15/03/2018", "", "Culture"]]
    report = load(world, csv_bytes(changed), "formations.csv")
    assert [(e.row, e.column) for e in report.errors] == [(2, "groupe_projet")]
    assert "Groupe projet « Culture » inconnu. Groupes projets connus : Alimentation" in (
        report.errors[0].message
    )
    with scope(cooperation=world.coop.pk):
        ProjectGroup.objects.create(cooperation=world.coop, name="Culture", slug="culture")
    changed = [ROWS[0], ["Karim", "Benali", "Formation à l'animation", "15/03/2018", "", "Culture"]]
    report = load(world, csv_bytes(changed), "formations.csv")
    assert [(e.row, e.column) for e in report.errors] == [(2, "groupe_projet")]
    assert "« Alimentation », la ligne dit « Culture »" in report.errors[0].message
    assert written(world) == before


def test_bad_training_rows_are_reported_and_nothing_is_written(world, volunteers):
    rows = [
        ["prenom", "nom", "formation", "date", "programme"],
        ["Karim", "Benali", "Animation", "0001-01-01", ""],
        ["Karim", "Benali", "", "15/03/2018", ""],
        ["Zoé", "Inconnue", "Animation", "15/03/2018", ""],
        ["Karim", "Benali", "Animation", "15/03/2018", "radio"],
        ["Karim", "Benali", "Animation", "31/02/2018", ""],
    ]
    before = written(world)
    report = load(world, csv_bytes(rows), "formations.csv")
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "date"),
        (3, "formation"),
        (4, "nom"),
        (5, "programme"),
        (6, "date"),
    ]
    assert "Le 01/01/0001 n'est pas une date possible" in report.errors[0].message
    assert "Programmes : cannery (Conserverie mobile et solidaire)" in report.errors[3].message
    assert not report.written and written(world) == before


def test_only_coordination_and_direction_import_trainings(world, volunteers):
    report = load(world, csv_bytes(ROWS), "formations.csv", actor=world.alice)
    assert report.file_error and "Vous n'avez pas le droit d'enregistrer des formations" in (
        report.errors[0].message
    )


def test_people_of_another_cooperation_are_unknown(world, volunteers):
    report = load(world, csv_bytes(ROWS[:2]), "f.csv", actor=None, cooperation=world.other_coop)
    assert [(e.row, e.column) for e in report.errors] == [(2, "nom"), (2, "groupe_projet")]
    assert "Personne introuvable" in report.errors[0].message
