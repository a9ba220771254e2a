"""Importing activities, sessions (in a house or a commune), registrations and headcounts from
real XLSX, ODS and CSV files; re-importing them is safe (docs/imports.md)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from coope.activities import services
from coope.activities.models import Activity, Headcount, Registration, Session
from coope.core.models import AuditEntry
from coope.imports import run_import
from coope.lib.indicators import compute_figures
from coope.lib.periods import Period
from coope.lib.spreadsheets import read_spreadsheet
from coope.people.services import create_person
from coope.people.tests.spreadsheet_files import csv_bytes, ods_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

ACTIVITIES = [
    ["titre", "maison", "type", "theme", "programme", "places", "publique", "reguliere"],
    ["Atelier couture", "A", "atelier", "Couture", "", "12", "oui", "oui"],
    ["Conseil de maison", "Maison B romans", "réunion", "", "", "", "non", ""],
    ["Ateliers conserves", "", "atelier", "Alimentation", "cannery", "", "oui", "non"],
]


def day_ahead(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def load(world, kind, content, filename, actor="director", cooperation=None, **options):
    """The import by the director (`actor`: another account, or None at the command line)."""
    cooperation = cooperation or world.coop
    actor = world.director if actor == "director" else actor
    sheet = read_spreadsheet(content, filename)
    with scope(cooperation=cooperation.pk):
        return run_import(kind, sheet, actor=actor, cooperation=cooperation, **options)


def written(world) -> tuple[int, ...]:
    """Every row these imports may write, and the journal."""
    with scope(cooperation=world.coop.pk):
        return tuple(
            model.objects.count()
            for model in (Activity, Session, Registration, Headcount, AuditEntry)
        )


def problems(report) -> list[tuple[int, str]]:
    return [(e.row, e.column) for e in report.errors]


@pytest.fixture
def activities(world):
    report = load(world, "activities", xlsx_bytes(ACTIVITIES), "activites.xlsx")
    assert report.errors == [] and report.counts["activités créées"] == 3
    return report


def test_activities_are_created_and_the_same_file_again_writes_nothing(world, activities):
    with scope(cooperation=world.coop.pk):
        sewing = Activity.objects.get(title="Atelier couture")
        assert (sewing.house, sewing.capacity, sewing.public, sewing.regular, sewing.theme) == (
            world.house_a,
            12,
            True,
            True,
            "Couture",
        )
        board = Activity.objects.get(title="Conseil de maison")
        assert (board.house, board.kind, board.public) == (world.house_b, "meeting", False)
        cannery = Activity.objects.get(title="Ateliers conserves")
        assert (cannery.house, cannery.programme) == (None, "cannery")
        assert AuditEntry.objects.filter(model="activities.activity", action="import").count() == 3
    before = written(world)
    again = load(world, "activities", xlsx_bytes(ACTIVITIES), "activites.xlsx")
    assert again.errors == [] and again.counts["activités créées"] == 0
    assert (again.present_rows, again.new_row_count) == (3, 0)
    assert written(world) == before


def test_an_activity_already_there_with_other_content_is_reported_not_overwritten(
    world, activities
):
    before = written(world)
    changed = [ACTIVITIES[0], ["atelier COUTURE", "A", "", "", "", "15", "", ""]]
    report = load(world, "activities", xlsx_bytes(changed), "activites.xlsx")
    assert problems(report) == [(2, "places")]
    assert "« 12 », la ligne dit « 15 »" in report.errors[0].message
    assert written(world) == before


def test_sessions_in_houses_and_communes_count_and_show_in_the_agenda(world, client, activities):
    soon = day_ahead(10)
    rows = [
        ["activite", "maison", "date", "heure", "heure_fin", "commune", "publique", "places"],
        ["Ateliers conserves", "", soon, "14:00", "17:00", "Peyrins", "oui", "8"],
        ["Ateliers conserves", "", soon, "09:30", "11:30", "Génissieux", "non", ""],
        ["Atelier couture", "", soon, "14 h", "16 h", "", "", ""],
        ["Ateliers conserves", "B", day_ahead(17), "14:00", "17:00", "", "", ""],
    ]
    report = load(world, "sessions", ods_bytes(rows), "seances.ods")
    assert report.errors == [] and report.counts["séances créées"] == 4
    with scope(cooperation=world.coop.pk):
        peyrins = Session.objects.get(commune="Peyrins")
        assert (peyrins.house, peyrins.public, peyrins.capacity, peyrins.places) == (
            None,
            True,
            8,
            8,
        )
        assert timezone.localtime(peyrins.ends_at).time() == datetime.time(17)
        sewing = Session.objects.get(activity__title="Atelier couture")
        assert (sewing.house, sewing.places) == (world.house_a, 12)
        assert Session.objects.get(
            activity__title="Ateliers conserves", house__isnull=False
        ).house == (world.house_b)
        figures = compute_figures(
            world.coop,
            Period(soon, soon),
            keys=["activities.communes", "activities.sessions", "activities.events_published"],
        )
    assert figures == {
        "activities.communes": 2,
        "activities.sessions": 3,
        "activities.events_published": 2,
    }
    page = client.get(reverse("agenda:agenda", args=[world.coop.slug])).content.decode()
    assert "Peyrins" in page and "Génissieux" not in page
    before = written(world)
    again = load(world, "sessions", ods_bytes(rows), "seances.ods")
    assert again.errors == [] and (again.present_rows, again.new_row_count) == (4, 0)
    assert written(world) == before


def test_a_session_already_there_with_another_end_or_place_is_reported(world, activities):
    soon = day_ahead(3)
    header = ["activite", "date", "heure", "heure_fin", "commune"]
    load(world, "sessions", csv_bytes([header, ["Ateliers conserves", f"{soon:%d/%m/%Y}", "14:00", "17:00", "Peyrins"]]), "s.csv")  # fmt: skip
    before = written(world)
    report = load(
        world,
        "sessions",
        csv_bytes([header, ["Ateliers conserves", f"{soon:%d/%m/%Y}", "14:00", "18:00", "Mours"]]),
        "s.csv",
    )
    assert problems(report) == [(2, "heure_fin"), (2, "commune")]
    assert "« Peyrins », la ligne dit « Mours »" in report.errors[1].message
    assert written(world) == before


def test_bad_session_values_are_reported_on_their_row_and_column(world, activities):
    header = ["activite", "maison", "date", "heure", "heure_fin", "commune", "places"]
    soon = f"{day_ahead(5):%d/%m/%Y}"
    rows = [
        header,
        ["Atelier couture", "Maison Z", soon, "14:00", "16:00", "", ""],
        ["Ateliers conserves", "", soon, "14:00", "16:00", "", ""],
        ["Atelier couture", "", soon, "16:00", "14:00", "", ""],
        ["Atelier couture", "", soon, "10:00", "12:00", "", "-1"],
        ["Atelier couture", "", soon, "10:00", "12:00", "", str(10**9)],
        ["Atelier couture", "", "0001-01-01", "10:00", "12:00", "", ""],
        ["Atelier couture", "", soon, "18:00", "19:00", "", "beaucoup"],
        # Another cooperation's house is unknown here.
        ["Atelier couture", "Maison A valence", soon, "14:00", "16:00", "", ""],
    ]
    before = written(world)
    report = load(world, "sessions", csv_bytes(rows), "seances.csv")
    assert problems(report) == [
        (2, "maison"),
        (3, "commune"),
        (4, "heure_fin"),
        (5, "places"),
        (6, "places"),
        (7, "date"),
        (8, "places"),
        (9, "maison"),
    ]
    messages = [e.message for e in report.errors]
    assert "Maison « Maison Z » inconnue" in messages[0]
    assert "une maison (colonne maison) ou une commune" in messages[1]
    assert "L'heure de fin (14:00) doit être après l'heure de début (16:00)" in messages[2]
    assert "-1 est hors limites : écrivez un nombre entre 1 et 5\u202f000" in messages[3]
    assert "1000000000 est hors limites" in messages[4]
    assert "Le 01/01/0001 n'est pas une date possible" in messages[5]
    assert "« beaucoup » n'est pas un nombre entier" in messages[6]
    assert "Maison « Maison A valence » inconnue" in messages[7]
    assert not report.written and written(world) == before


def test_bad_activity_values_and_rights(world, activities):
    rows = [
        ["titre", "maison", "type", "places", "publique", "programme"],
        ["Yoga", "A", "danse", "", "", ""],
        ["Yoga", "A", "", "-1", "peut-être", ""],
        ["Yoga", "A", "", "", "", "radio"],
        ["Yoga", "B", "", "", "", ""],
    ]
    before = written(world)
    report = load(world, "activities", csv_bytes(rows), "a.csv", actor=world.coordinator)
    assert problems(report) == [
        (2, "type"),
        (3, "places"),
        (3, "publique"),
        (4, "programme"),
        (5, "maison"),
    ]
    assert "atelier, sortie, spectacle" in report.errors[0].message
    assert "oui ou non" in report.errors[2].message
    assert "Vous ne pouvez pas créer d'activité pour Maison B romans" in report.errors[4].message
    assert written(world) == before


def test_the_communes_of_the_cooperation_are_the_ones_accepted_when_it_lists_them(
    world, activities
):
    world.coop.communes = {"Saint-Donat-sur-l'Herbasse": [45.12, 4.98], "Peyrins": [45.09, 5.04]}
    world.coop.save()
    header = ["activite", "date", "heure", "heure_fin", "commune"]
    soon = f"{day_ahead(4):%d/%m/%Y}"
    report = load(
        world,
        "sessions",
        csv_bytes(
            [
                header,
                ["Ateliers conserves", soon, "10:00", "12:00", "saint donat sur l herbasse"],
                ["Ateliers conserves", soon, "14:00", "16:00", "Valence"],
            ]
        ),
        "s.csv",
        only_good_rows=True,
    )
    assert problems(report) == [(3, "commune")]
    assert "Communes du territoire : Peyrins, Saint-Donat" in report.errors[0].message
    with scope(cooperation=world.coop.pk):
        assert Session.objects.get().commune == "Saint-Donat-sur-l'Herbasse"


@pytest.fixture
def session_rows(world, activities):
    """Two sessions of the sewing workshop (12 places) in 2018, and two people."""
    rows = [
        ["activite", "date", "heure", "heure_fin"],
        ["Atelier couture", "06/03/2018", "14:00", "16:00"],
        ["Atelier couture", "13/03/2018", "14:00", "16:00"],
    ]
    assert load(world, "sessions", csv_bytes(rows), "s.csv").errors == []
    with scope(cooperation=world.coop.pk):
        for first in ("Élodie", "Marc"):
            create_person(actor=None, cooperation=world.coop, first_name=first, last_name="Dupont")


def test_registrations_keep_their_state_and_a_second_import_writes_nothing(world, session_rows):
    rows = [
        ["activite", "date", "heure", "prenom", "nom", "etat"],
        ["Atelier couture", "06/03/2018", "14:00", "Élodie", "Dupont", ""],
        ["Atelier couture", "06/03/2018", "14:00", "Marc", "Dupont", "liste d'attente"],
        ["Atelier couture", "13/03/2018", "14 h", "Marc", "Dupont", "désinscrit"],
    ]
    report = load(world, "registrations", xlsx_bytes(rows), "inscriptions.xlsx")
    assert report.errors == [] and report.counts["inscriptions enregistrées"] == 3
    with scope(cooperation=world.coop.pk):
        assert sorted(Registration.objects.values_list("person__first_name", "status")) == [
            ("Marc", "cancelled"),
            ("Marc", "waiting"),
            ("Élodie", "confirmed"),
        ]
    before = written(world)
    again = load(world, "registrations", xlsx_bytes(rows), "inscriptions.xlsx")
    assert (again.errors, again.present_rows, again.new_row_count) == ([], 3, 0)
    assert written(world) == before
    changed = [rows[0], ["Atelier couture", "06/03/2018", "14:00", "Marc", "Dupont", "inscrite"]]
    report = load(world, "registrations", xlsx_bytes(changed), "inscriptions.xlsx")
    assert problems(report) == [(2, "etat")]
    assert "« Liste d'attente », la ligne dit « Inscrit·e »" in report.errors[0].message
    assert written(world) == before


def test_a_registration_names_a_session_and_a_person_coope_knows(world, session_rows):
    rows = [
        ["activite", "date", "heure", "prenom", "nom", "etat"],
        ["Atelier couture", "07/03/2018", "14:00", "Élodie", "Dupont", ""],
        ["Atelier couture", "06/03/2018", "14:00", "Zoé", "Dupont", ""],
        ["Atelier couture", "06/03/2018", "14:00", "Élodie", "Dupont", "peut-être"],
    ]
    report = load(world, "registrations", csv_bytes(rows), "i.csv")
    assert problems(report) == [(2, "date"), (3, "nom"), (4, "etat")]
    assert "importez d'abord les séances" in report.errors[0].message
    assert "Personne introuvable" in report.errors[1].message
    assert "liste d'attente ou désinscrit·e" in report.errors[2].message


def test_headcounts_by_age_band_add_up_and_a_changed_count_is_reported(world, session_rows):
    rows = [
        ["activite", "date", "heure", "tranche_age", "nombre"],
        ["Atelier couture", "06/03/2018", "14:00", "6-11", "5"],
        ["Atelier couture", "06/03/2018", "14:00", "60 ans et plus", "3"],
        ["Atelier couture", "06/03/2018", "14:00", "", "2"],
    ]
    report = load(world, "headcounts", xlsx_bytes(rows), "comptages.xlsx")
    assert report.errors == [] and report.counts["comptages enregistrés"] == 3
    with scope(cooperation=world.coop.pk):
        assert dict(Headcount.objects.values_list("age_band", "count")) == {
            "6-11": 5,
            "60+": 3,
            "": 2,
        }
        figures = compute_figures(
            world.coop, Period.year(2018), keys=["activities.headcount_participants"]
        )
        assert figures == {"activities.headcount_participants": 10}
    before = written(world)
    again = load(world, "headcounts", xlsx_bytes(rows), "comptages.xlsx")
    assert (again.errors, again.present_rows) == ([], 3)
    assert written(world) == before
    bad = [
        rows[0],
        ["Atelier couture", "06/03/2018", "14:00", "6-11", "6"],
        ["Atelier couture", "06/03/2018", "14:00", "bébés", "1"],
        ["Atelier couture", "06/03/2018", "14:00", "", "-1"],
        ["Atelier couture", "06/03/2018", "14:00", "", str(10**9)],
    ]
    report = load(world, "headcounts", xlsx_bytes(bad), "comptages.xlsx")
    assert problems(report) == [(2, "nombre"), (3, "tranche_age"), (4, "nombre"), (5, "nombre")]
    assert "tous âges" in report.errors[1].message
    assert written(world) == before


def test_a_reception_account_may_not_create_activities_or_sessions(world, activities):
    report = load(
        world,
        "sessions",
        csv_bytes(
            [
                ["activite", "date", "heure", "heure_fin"],
                ["Atelier couture", "06/03/2018", "14:00", "16:00"],
            ]
        ),
        "s.csv",
        actor=world.alice,
    )
    assert problems(report) == [(2, "activite")]
    assert "Vous ne pouvez pas créer de séances" in report.errors[0].message


def test_another_cooperation_imports_its_own_activities_apart(world, activities):
    report = load(
        world,
        "activities",
        xlsx_bytes([["titre", "maison"], ["Atelier couture", "A"]]),
        "a.xlsx",
        actor=None,
        cooperation=world.other_coop,
    )
    assert report.errors == [] and report.counts["activités créées"] == 1
    with scope(cooperation=world.other_coop.pk):
        assert Activity.objects.get().house == world.other_house
    with scope(cooperation=world.coop.pk):
        assert Activity.objects.filter(title="Atelier couture").count() == 1


def test_a_session_s_own_places_hold_at_registration(world, activities):
    rows = [
        ["activite", "date", "heure", "heure_fin", "places"],
        ["Atelier couture", f"{day_ahead(6):%d/%m/%Y}", "14:00", "16:00", "1"],
    ]
    assert load(world, "sessions", csv_bytes(rows), "s.csv").errors == []
    with scope(cooperation=world.coop.pk):
        session = Session.objects.get()
        first, second = (
            create_person(actor=None, cooperation=world.coop, first_name=name, last_name="Roux")
            for name in ("Paul", "Rose")
        )
        # The activity has 12 places, this session 1.
        assert services.register(actor=None, session=session, person=first).status == "confirmed"
        assert services.register(actor=None, session=session, person=second).status == "waiting"
