"""Importing past volunteer hours from real CSV, XLSX and ODS files (docs/imports.md)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django_scopes import scope

from coope.activities import services
from coope.activities.models import Activity
from coope.core.models import ProjectGroup
from coope.lib.indicators import compute_figures
from coope.lib.periods import Period
from coope.people.services import create_person
from coope.people.tests import test_import as foundation
from coope.people.tests.spreadsheet_files import csv_bytes, ods_bytes, xlsx_bytes
from coope.volunteering.importing import parse_minutes
from coope.volunteering.models import VolunteerHours

pytestmark = pytest.mark.django_db

HEADER = ["prenom", "nom", "date", "heures", "type", "programme", "activite", "precision"]
FIGURES = [
    "volunteering.hours",
    "volunteering.activity_volunteers",
    "volunteering.governance_volunteers",
]


class Team:
    pass


@pytest.fixture
def team(world):
    t = Team()
    t.w = world
    with scope(cooperation=world.coop.pk):
        t.food = ProjectGroup.objects.create(
            cooperation=world.coop, name="Alimentation", slug="alimentation"
        )
        t.culture = ProjectGroup.objects.create(
            cooperation=world.coop, name="Culture", slug="culture"
        )
        t.cooking = Activity.objects.create(
            cooperation=world.coop,
            house=world.house_a,
            title="Atelier cuisine",
            project_group=t.food,
        )
        [t.session] = services.schedule_sessions(
            actor=None,
            activity=t.cooking,
            duration=datetime.timedelta(hours=2),
            first_start=datetime.datetime(2018, 3, 5, 14, tzinfo=ZoneInfo("Europe/Paris")),
        )
        t.karim = create_person(
            actor=None, cooperation=world.coop, first_name="Karim", last_name="Benali"
        )
        t.awa = create_person(
            actor=None, cooperation=world.coop, first_name="Awa", last_name="Diallo"
        )
    return t


def import_file(world, content, filename, actor=None, **options):
    return foundation.import_file(
        world, "volunteer_hours", content, filename, actor=actor or world.coordinator, **options
    )


def figures(world):
    with scope(cooperation=world.coop.pk):
        return compute_figures(world.coop, Period.year(2018), keys=FIGURES)


def hours(world):
    with scope(cooperation=world.coop.pk):
        return sorted(
            (
                h.person.first_name,
                f"{h.date:%Y-%m-%d}",
                h.kind,
                h.duration_minutes,
                h.project_group.name if h.project_group else "",
                h.session_id,
                h.comment,
            )
            for h in VolunteerHours.objects.select_related("person", "project_group")
        )


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("1h30", 90),
        ("1 h 30", 90),
        ("1H30min", 90),
        ("1:30", 90),
        ("01:30:00", 90),
        ("1,5", 90),
        ("1.5", 90),
        ("1,5 h", 90),
        ("2", 120),
        ("2 heures", 120),
        ("90 min", 90),
        ("45 mn", 45),
        ("0h45", 45),
        ("24h", 1440),
    ],
)
def test_durations_as_people_write_them(text, minutes):
    assert parse_minutes(text) == minutes


@pytest.mark.parametrize("text", ["1h75", "beaucoup", "0", "25h", "-2", "0 min"])
def test_durations_that_are_refused(text):
    with pytest.raises(ValueError, match="durée|24 heures"):
        parse_minutes(text)


GOOD_ROWS = [
    HEADER,
    ["Karim", "Benali", "05/03/2018", "1h30", "activité", "", "Atelier cuisine", "accueil"],
    ["Awa", "Diallo", "20/03/2018", "2", "Gouvernance", "culture", "", "CA"],
    ["Awa", "Diallo", "20/06/2018", "90 min", "CA", "Culture", "", ""],
    ["Awa", "Diallo", "20/03/2018", "2", "Gouvernance", "culture", "", "CA"],  # double
]


def test_a_utf8_csv_with_hours_in_every_writing_and_a_double_row_counted_once(team):
    w = team.w
    before = figures(w)
    report = import_file(w, csv_bytes(GOOD_ROWS), "benevolat.csv")

    assert report.errors == [] and report.written
    assert report.counts == {
        "heures de bénévolat enregistrées (lignes)": 3,
        "minutes de bénévolat enregistrées": 300,
        "lignes en double dans le fichier (comptées une fois)": 1,
    }
    assert report.new_and_present == "3 nouvelles lignes, 1 déjà présente"  # the double
    assert hours(w) == [
        ("Awa", "2018-03-20", "governance", 120, "Culture", None, "CA"),
        ("Awa", "2018-06-20", "governance", 90, "Culture", None, ""),
        # Linked to the session of that day; the programme is the activity's.
        ("Karim", "2018-03-05", "activity", 90, "Alimentation", team.session.pk, "accueil"),
    ]
    after = figures(w)
    # Values are exact, in minutes (units apply at display).
    assert after["volunteering.hours"] == before["volunteering.hours"] + 300
    assert (
        after["volunteering.activity_volunteers"] == before["volunteering.activity_volunteers"] + 1
    )
    assert (
        after["volunteering.governance_volunteers"]
        == before["volunteering.governance_volunteers"] + 1
    )

    again = import_file(w, csv_bytes(GOOD_ROWS), "benevolat.csv")
    assert again.written and again.counts["minutes de bénévolat enregistrées"] == 0
    assert again.new_and_present == "0 nouvelle ligne, 4 déjà présentes"
    assert figures(w) == after


def test_a_latin1_csv_an_xlsx_and_an_ods(team):
    w = team.w
    latin1 = csv_bytes(
        [
            HEADER,
            ["Awa", "Diallo", "20/03/2018", "1,5", "gouvernance", "Alimentation", "", "Réunion"],
        ],
        encoding="latin-1",
    )
    xlsx = xlsx_bytes(
        [
            ["Prénom", "Nom", "Date", "Durée", "Type de bénévolat"],
            ["Karim", "Benali", datetime.date(2018, 4, 2), 3, "animation"],
        ]
    )
    ods = ods_bytes(
        [
            ["prenom", "nom", "date", "heures", "type"],
            ["Karim", "Benali", datetime.date(2018, 5, 7), 2.5, "activite"],
        ]
    )
    for content, name in ((latin1, "b.csv"), (xlsx, "b.xlsx"), (ods, "b.ods")):
        report = import_file(w, content, name)
        assert report.errors == [] and report.written, name
    assert hours(w) == [
        ("Awa", "2018-03-20", "governance", 90, "Alimentation", None, "Réunion"),
        ("Karim", "2018-04-02", "activity", 180, "", None, ""),
        ("Karim", "2018-05-07", "activity", 150, "", None, ""),
    ]
    assert figures(w)["volunteering.hours"] == 7 * 60


def test_bad_rows_say_which_row_which_column_and_why_and_nothing_is_written(team):
    w = team.w
    before = figures(w)
    content = csv_bytes(
        [
            HEADER,
            ["Karim", "Benali", "05/03/2018", "1h30", "activité", "", "", ""],
            ["Karim", "Benali", "05/03/2018", "beaucoup", "activité", "", "", ""],
            ["Karim", "Benali", "05/03/2018", "2", "loisir", "", "", ""],
            ["Awa", "Diallo", "20/03/2018", "2", "gouvernance", "Sport", "", ""],
            ["Zoé", "Martin", "20/03/2018", "2", "gouvernance", "", "", ""],
            ["Karim", "Benali", "06/03/2018", "2", "activité", "", "Atelier cuisine", ""],
            ["Karim", "Benali", "", "", "", "", "", ""],
        ]
    )
    report = import_file(w, content, "benevolat.csv")

    assert not report.written and report.good_row_count == 1
    errors = [(e.row, e.column, e.letter) for e in report.errors]
    assert errors == [
        (3, "heures", "D"),
        (4, "type", "E"),
        (5, "programme", "F"),
        (6, "nom", "B"),
        (7, "activite", "G"),
        (8, "date", "C"),
        (8, "heures", "D"),
        (8, "type", "E"),
    ]
    messages = [e.message for e in report.errors]
    assert (
        "1h30, 1,5 (heures) ou 90 min" in messages[0] and "activité ou gouvernance" in messages[1]
    )
    assert "Programme « Sport » inconnu" in messages[2] and "Alimentation, Culture" in messages[2]
    assert "Personne introuvable" in messages[3]
    assert "Aucune séance de « Atelier cuisine » le 06/03/2018" in messages[4]
    assert figures(w) == before and hours(w) == []


def test_only_the_good_rows_are_written_when_asked(team):
    w = team.w
    content = csv_bytes(
        [
            HEADER,
            ["Karim", "Benali", "05/03/2018", "1h30", "activité", "", "", ""],
            ["Karim", "Benali", "05/03/2018", "beaucoup", "activité", "", "", ""],
            ["Awa", "Diallo", "20/03/2018", "45 min", "gouvernance", "Culture", "", ""],
        ]
    )
    report = import_file(w, content, "benevolat.csv", only_good_rows=True)
    assert report.written and [e.row for e in report.errors] == [3]
    assert [h[:4] for h in hours(w)] == [
        ("Awa", "2018-03-20", "governance", 45),
        ("Karim", "2018-03-05", "activity", 90),
    ]
    assert figures(w)["volunteering.hours"] == 135  # minutes, exact


def test_reception_may_not_import_volunteer_hours_the_director_may(team):
    w = team.w
    content = csv_bytes(GOOD_ROWS[:2])
    refused = import_file(w, content, "benevolat.csv", actor=w.alice)
    assert refused.file_error and not refused.written
    assert "pas le droit d'enregistrer des heures de bénévolat" in refused.errors[0].message
    assert hours(w) == []
    assert import_file(w, content, "benevolat.csv", actor=w.director).written
    assert len(hours(w)) == 1


def test_another_time_for_the_same_day_is_reported_never_added(team):
    w = team.w
    assert import_file(w, csv_bytes(GOOD_ROWS), "benevolat.csv").written
    before = hours(w)
    rows = [
        HEADER,
        # Awa's governance hours of 20 March are 2 h in Coopé.
        ["Awa", "Diallo", "20/03/2018", "3", "Gouvernance", "culture", "", "CA"],
        # Twice in the file, with two times: one row per person and date.
        ["Karim", "Benali", "10/04/2018", "1h", "gouvernance", "", "", ""],
        ["Karim", "Benali", "10/04/2018", "2h", "gouvernance", "", "", ""],
    ]
    report = import_file(w, csv_bytes(rows), "benevolat.csv", only_good_rows=True)
    assert [(e.row, e.column) for e in report.errors] == [(2, "heures"), (4, "heures")]
    assert report.errors[0].message == (
        "Le bénévolat de Awa Diallo du 20/03/2018 est déjà dans Coopé, avec « 2 h » "
        "dans cette colonne et non « 3 h » : rien n'est changé. Corrigez le fichier, ou la fiche "
        "dans Coopé."
    )
    assert "La ligne 3 donne déjà les heures de Karim Benali" in report.errors[1].message
    assert hours(w) == sorted([*before, ("Karim", "2018-04-10", "governance", 60, "", None, "")])
