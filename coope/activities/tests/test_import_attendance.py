"""Importing past attendance from real CSV, XLSX and ODS files (docs/imports.md, « Présences »)."""

import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from coope.activities import services
from coope.activities.models import Activity, Attendance, Registration, Session
from coope.imports import kinds
from coope.lib.indicators import compute_figures
from coope.lib.periods import Period
from coope.lib.spreadsheets import read_spreadsheet
from coope.membership.services import take_membership
from coope.people.services import create_person
from coope.people.tests import test_import as foundation
from coope.people.tests.spreadsheet_files import csv_bytes, ods_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = [
    "date",
    "heure",
    "activite",
    "maison",
    "prenom",
    "nom",
    "date_naissance",
    "sans_inscription",
]
FIGURES = ["activities.attendances", "activities.sessions", "activities.named_participants"]


def paris(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Europe/Paris"))


class Place:
    """Two houses' workshops, one weekly session each, and a few people."""


@pytest.fixture
def place(world):
    p = Place()
    p.w = world
    with scope(cooperation=world.coop.pk):
        p.cooking = Activity.objects.create(
            cooperation=world.coop, house=world.house_a, title="Atelier cuisine équilibrée"
        )
        p.sewing_a = Activity.objects.create(
            cooperation=world.coop, house=world.house_a, title="Couture"
        )
        p.sewing_b = Activity.objects.create(
            cooperation=world.coop, house=world.house_b, title="Couture"
        )
        p.outing = Activity.objects.create(cooperation=world.coop, title="Sortie au Vercors")
        [p.session] = services.schedule_sessions(
            actor=None,
            activity=p.cooking,
            first_start=paris(2018, 3, 5, 14),
            duration=datetime.timedelta(hours=2),
        )
        services.schedule_sessions(
            actor=None,
            activity=p.sewing_b,
            first_start=paris(2018, 3, 6, 9, 30),
            duration=datetime.timedelta(hours=2),
        )

        def person(first, last, birth=None, house=None):
            return create_person(
                actor=None,
                cooperation=world.coop,
                first_name=first,
                last_name=last,
                birth_date=birth,
                home_house=house,
            )

        p.elodie = person("Élodie", "Dupont", datetime.date(1980, 5, 4), world.house_a)
        p.karim = person("Karim", "Benali", None, world.house_b)
        p.lea_old = person("Léa", "Martin", datetime.date(1950, 1, 1))
        p.lea_young = person("Léa", "Martin", datetime.date(2001, 3, 4))
    with scope(cooperation=world.other_coop.pk):
        p.stranger = create_person(
            actor=None, cooperation=world.other_coop, first_name="Élodie", last_name="Dupont"
        )
    return p


def import_file(world, content, filename, actor=None, **options):
    return foundation.import_file(
        world, "attendance", content, filename, actor=actor or world.director, **options
    )


def figures(world):
    with scope(cooperation=world.coop.pk):
        return compute_figures(world.coop, Period.year(2018), keys=FIGURES)


def attendance_rows(world):
    with scope(cooperation=world.coop.pk):
        return sorted(
            (
                a.session.activity.title,
                f"{timezone.localtime(a.session.starts_at):%Y-%m-%d %H:%M}",
                a.person.first_name,
                a.walk_in,
            )
            for a in Attendance.objects.select_related("session__activity", "person")
        )


def errors_of(report):
    return [(e.row, e.column, e.letter, e.message) for e in report.errors]


GOOD_ROWS = [
    HEADER,
    ["05/03/2018", "14:00", "Atelier cuisine équilibrée", "A", "Élodie", "Dupont", "", "non"],
    ["05/03/2018", "", "atelier cuisine equilibree", "", "Karim", "Benali", "", "oui"],
    [
        "12/03/2018",
        "14 h",
        "Atelier cuisine équilibrée",
        "Maison A romans",
        "Élodie",
        "Dupont",
        "",
        "",
    ],
    [
        "05/03/2018",
        "14:00",
        "Atelier cuisine équilibrée",
        "A",
        "élodie",
        "DUPONT",
        "",
        "non",
    ],  # double
]


def test_a_utf8_csv_finds_or_creates_the_sessions_and_counts_a_double_row_once(place):
    w = place.w
    before = figures(w)
    report = import_file(w, csv_bytes(GOOD_ROWS), "presences.csv")

    assert errors_of(report) == [] and report.written
    assert report.counts == {
        "présences enregistrées": 3,
        "séances créées": 1,
        "lignes en double dans le fichier (comptées une fois)": 1,
    }
    assert report.new_and_present == "3 nouvelles lignes, 1 déjà présente"  # the double
    assert attendance_rows(w) == [
        ("Atelier cuisine équilibrée", "2018-03-05 14:00", "Karim", True),
        (
            "Atelier cuisine équilibrée",
            "2018-03-05 14:00",
            "Élodie",
            False,
        ),  # registered: not a walk-in
        ("Atelier cuisine équilibrée", "2018-03-12 14:00", "Élodie", True),
    ]
    after = figures(w)
    assert after["activities.attendances"] == before["activities.attendances"] + 3
    assert after["activities.sessions"] == before["activities.sessions"] + 1
    assert after["activities.named_participants"] == before["activities.named_participants"] + 2
    with scope(cooperation=w.coop.pk):
        created = Session.objects.get(activity=place.cooking, starts_at=paris(2018, 3, 12, 14))
        assert created.ends_at == paris(2018, 3, 12, 16) and created.house == w.house_a
        assert Registration.objects.get().person == place.elodie

    again = import_file(
        w, csv_bytes(GOOD_ROWS), "presences.csv"
    )  # the same file twice adds nothing
    assert again.written and again.counts["présences enregistrées"] == 0
    assert again.new_and_present == "0 nouvelle ligne, 4 déjà présentes"
    assert figures(w) == after


def test_a_latin1_csv_keeps_its_accents(place):
    w = place.w
    content = csv_bytes(
        [
            HEADER,
            ["05/03/2018", "14:00", "Atelier cuisine équilibrée", "A", "Élodie", "Dupont", "", ""],
        ],
        encoding="latin-1",
    )
    assert read_spreadsheet(content, "p.csv").encoding == "cp1252"
    report = import_file(w, content, "presences.csv")
    assert errors_of(report) == [] and report.counts["présences enregistrées"] == 1
    assert attendance_rows(w) == [
        ("Atelier cuisine équilibrée", "2018-03-05 14:00", "Élodie", True)
    ]


def test_an_xlsx_with_real_date_and_time_cells(place):
    w = place.w
    content = xlsx_bytes(
        [
            [
                "Date de la séance",
                "Heure de début",
                "Activité",
                "Maison",
                "Prénom",
                "Nom",
                "Date de naissance",
                "Venu sans inscription",
            ],
            [
                datetime.date(2018, 3, 6),
                datetime.time(9, 30),
                "Couture",
                "B",
                "Léa",
                "Martin",
                datetime.date(2001, 3, 4),
                True,
            ],
            # A date-and-time cell, as a spreadsheet holds it: without a time zone.
            [
                datetime.datetime(2018, 3, 13, 9, 30),  # noqa: DTZ001
                None,
                "Couture",
                "B",
                "Léa",
                "Martin",  # noqa: DTZ001
                datetime.date(1950, 1, 1),
                False,
            ],
        ]
    )
    before = figures(w)
    report = import_file(w, content, "presences.xlsx")

    assert errors_of(report) == [] and report.counts["séances créées"] == 1
    with scope(cooperation=w.coop.pk):
        assert {(a.person, a.session.activity) for a in Attendance.objects.all()} == {
            (place.lea_young, place.sewing_b),
            (place.lea_old, place.sewing_b),
        }
        # The new session takes the time and length of the activity's last one.
        new = Session.objects.get(starts_at__date=datetime.date(2018, 3, 13))
        assert (new.starts_at, new.ends_at) == (
            paris(2018, 3, 13, 9, 30),
            paris(2018, 3, 13, 11, 30),
        )
    assert figures(w)["activities.attendances"] == before["activities.attendances"] + 2


def test_an_ods_with_date_cells_and_a_cooperation_wide_outing_at_a_house(place):
    w = place.w
    content = ods_bytes(
        [
            ["date", "heure", "heure_fin", "activite", "maison", "prenom", "nom"],
            [
                datetime.date(2018, 7, 14),
                "8h30",
                "18h",
                "Sortie au Vercors",
                "B",
                "Karim",
                "Benali",
            ],
            [datetime.date(2018, 7, 14), None, None, "Sortie au Vercors", None, "Élodie", "Dupont"],
        ]
    )
    report = import_file(w, content, "sortie.ods")

    assert errors_of(report) == [] and report.counts["présences enregistrées"] == 2
    with scope(cooperation=w.coop.pk):
        [session] = Session.objects.filter(activity=place.outing)
        assert (session.starts_at, session.ends_at) == (
            paris(2018, 7, 14, 8, 30),
            paris(2018, 7, 14, 18),
        )
        assert session.house == w.house_b  # the outing belongs to the cooperation; it left from B
        assert session.attendances.count() == 2


def test_bad_rows_say_which_row_which_column_and_why_and_nothing_is_written(place):
    w = place.w
    before = figures(w)
    with scope(cooperation=w.coop.pk):
        sessions_before = Session.objects.count()
    content = csv_bytes(
        [
            HEADER,
            ["05/03/2018", "14:00", "Atelier cuisine équilibrée", "A", "Élodie", "Dupont", "", ""],
            ["05/03/2018", "", "Atelier tricot", "A", "Élodie", "Dupont", "", ""],
            ["05/03/2018", "", "Couture", "", "Élodie", "Dupont", "", ""],
            [
                "12/03/2018",
                "14:00",
                "Atelier cuisine équilibrée",
                "Maison Z",
                "Élodie",
                "Dupont",
                "",
                "",
            ],
            ["05/03/2018", "", "Atelier cuisine équilibrée", "A", "Zoé", "Inconnue", "", ""],
            [
                "5 mars",
                "14:00",
                "Atelier cuisine équilibrée",
                "A",
                "Léa",
                "Martin",
                "",
                "peut-être",
            ],
            ["12/03/2018", "25:00", "Atelier cuisine équilibrée", "A", "Élodie", "Dupont", "", ""],
            ["12/03/2018", "", "Couture", "A", "Karim", "Benali", "", ""],
        ]
    )
    report = import_file(w, content, "presences.csv")

    assert not report.written and report.good_row_count == 1 and report.bad_row_count == 7
    errors = errors_of(report)
    assert errors[0] == (3, "activite", "C", errors[0][3])
    assert "Activité « Atelier tricot » inconnue dans Coopé" in errors[0][3]
    assert errors[1][:3] == (4, "maison", "D")
    assert "Plusieurs activités s'appellent « Couture »" in errors[1][3]
    assert errors[2][:3] == (5, "maison", "D") and "Maison « Maison Z » inconnue" in errors[2][3]
    assert errors[3][:3] == (6, "nom", "F") and "Personne introuvable" in errors[3][3]
    assert [e[:3] for e in errors[4:7]] == [
        (7, "date", "A"),
        (7, "nom", "F"),
        (7, "sans_inscription", "H"),
    ]
    assert "n'est pas une date" in errors[4][3] and "Plusieurs personnes" in errors[5][3]
    assert "oui ou non" in errors[6][3]
    assert errors[7][:3] == (8, "heure", "B") and "n'est pas une heure" in errors[7][3]
    assert errors[8][:3] == (9, "heure", "B") and "indiquez son heure" in errors[8][3]
    assert len(errors) == 9
    assert figures(w) == before and attendance_rows(w) == []
    with scope(cooperation=w.coop.pk):
        assert Session.objects.count() == sessions_before


def test_only_the_good_rows_are_written_when_asked(place):
    w = place.w
    before = figures(w)
    content = csv_bytes(
        [
            HEADER,
            ["05/03/2018", "14:00", "Atelier cuisine équilibrée", "A", "Élodie", "Dupont", "", ""],
            ["05/03/2018", "14:00", "Atelier tricot", "A", "Karim", "Benali", "", ""],
            ["12/03/2018", "", "Atelier cuisine équilibrée", "A", "Karim", "Benali", "", ""],
            ["12/03/2018", "", "Atelier cuisine équilibrée", "A", "Léa", "Martin", "", ""],
        ]
    )
    report = import_file(w, content, "presences.csv", only_good_rows=True)

    assert report.written and [(e.row, e.column) for e in report.errors] == [
        (3, "activite"),
        (5, "nom"),
    ]
    assert report.counts["présences enregistrées"] == 2 and report.counts["séances créées"] == 1
    assert attendance_rows(w) == [
        ("Atelier cuisine équilibrée", "2018-03-05 14:00", "Élodie", True),
        ("Atelier cuisine équilibrée", "2018-03-12 14:00", "Karim", True),
    ]
    assert figures(w)["activities.attendances"] == before["activities.attendances"] + 2


def test_a_card_number_tells_namesakes_apart_and_must_match_the_name(place):
    w = place.w
    with scope(cooperation=w.coop.pk):
        take_membership(
            actor=None,
            house=w.house_a,
            period=w.period,
            payment_method="cash",
            person=place.lea_old,
            card_number="ROM-2018-00042",
            valid_from=datetime.date(2018, 1, 1),
        )
    header = ["date", "activite", "prenom", "nom", "carte"]
    content = csv_bytes(
        [
            header,
            ["05/03/2018", "Atelier cuisine équilibrée", "Léa", "Martin", "rom-2018-00042"],
            ["05/03/2018", "Atelier cuisine équilibrée", "Karim", "Benali", "ROM-2018-00042"],
            ["05/03/2018", "Atelier cuisine équilibrée", "Karim", "Benali", "ROM-2018-99999"],
        ]
    )
    report = import_file(w, content, "presences.csv", only_good_rows=True)

    assert [(e.row, e.column, e.letter) for e in report.errors] == [
        (3, "carte", "E"),
        (4, "carte", "E"),
    ]
    assert "est celle de Léa Martin, pas de « Karim Benali »" in report.errors[0].message
    assert "Carte ROM-2018-99999 inconnue" in report.errors[1].message
    with scope(cooperation=w.coop.pk):
        assert [a.person for a in Attendance.objects.all()] == [place.lea_old]


def test_rights_follow_the_house_of_the_activity(place):
    w = place.w
    content = csv_bytes(
        [
            HEADER,
            ["05/03/2018", "14:00", "Atelier cuisine équilibrée", "A", "Élodie", "Dupont", "", ""],
            ["12/03/2018", "14:00", "Atelier cuisine équilibrée", "A", "Élodie", "Dupont", "", ""],
        ]
    )
    bob = import_file(w, content, "p.csv", actor=w.bob)  # reception at house B
    assert [(e.row, e.column) for e in bob.errors] == [(2, "activite"), (3, "activite")]
    assert "pas une activité de votre association" in bob.errors[0].message

    alice = import_file(
        w, content, "p.csv", actor=w.alice
    )  # reception at A: ticks, does not schedule
    assert [(e.row, e.column) for e in alice.errors] == [(3, "activite")]
    assert "demandez à la coordination de la créer" in alice.errors[0].message

    director = import_file(w, content, "p.csv", actor=w.director)
    assert director.errors == [] and director.counts["séances créées"] == 1


def test_a_future_date_is_refused(place):
    w = place.w
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    content = csv_bytes(
        [HEADER, [f"{tomorrow:%d/%m/%Y}", "14:00", "Couture", "A", "Karim", "Benali", "", ""]]
    )
    report = import_file(w, content, "p.csv")
    assert [(e.row, e.column) for e in report.errors] == [(2, "date")]
    assert "dans le futur" in report.errors[0].message


def test_the_other_cooperation_is_neither_found_nor_touched(place):
    w = place.w
    with scope(cooperation=w.other_coop.pk):
        Activity.objects.create(
            cooperation=w.other_coop, house=w.other_house, title="Atelier valentinois"
        )
    content = csv_bytes(
        [HEADER, ["05/03/2018", "14:00", "Atelier valentinois", "", "Élodie", "Dupont", "", ""]]
    )
    report = import_file(w, content, "p.csv")
    assert [(e.row, e.column) for e in report.errors] == [(2, "activite")]
    with scope(cooperation=w.other_coop.pk):
        assert not Attendance.objects.exists() and not Session.objects.exists()


def test_the_command_imports_attendance_under_its_french_name(place, tmp_path, capsys):
    w = place.w
    path = tmp_path / "presences.csv"
    path.write_bytes(
        csv_bytes(GOOD_ROWS[:3] + [GOOD_ROWS[1][:2] + ["Atelier tricot"] + GOOD_ROWS[1][3:]])
    )
    with pytest.raises(CommandError, match="Rien n'a été enregistré"):
        call_command("import", "presences", str(path), "--cooperation", "romans")
    assert "Activité « Atelier tricot » inconnue" in capsys.readouterr().out
    call_command("import", "presences", str(path), "--cooperation", "romans", "--only-good-rows")
    assert "présences enregistrées : 2" in capsys.readouterr().out
    assert len(attendance_rows(w)) == 2


def test_the_upload_page_lists_the_new_kinds_and_imports_attendance(
    place, client_as, settings, tmp_path
):
    settings.COOPE_IMPORT_DIR = tmp_path / "imports"
    w = place.w
    client = client_as(w.director)
    page = client.get(reverse("data:import")).text
    assert 'value="attendance"' in page and 'value="volunteer_hours"' in page
    assert "Présences aux activités" in page and "Heures de bénévolat" in page
    assert "<code>sans_inscription</code>" in page and "<code>heures</code>" in page

    file = SimpleUploadedFile("presences.csv", csv_bytes(GOOD_ROWS, encoding="latin-1"))
    preview_url = client.post(reverse("data:import"), {"kind": "attendance", "file": file}).url
    page = client.get(preview_url).text
    assert "présences enregistrées : <strong>3</strong>" in page and attendance_rows(w) == []
    token = preview_url.rstrip("/").rsplit("/", 1)[1]
    response = client.post(reverse("data:import_confirm", args=[token]), {"mode": "all"})
    assert response.url == preview_url  # the job's page, now its result
    assert len(attendance_rows(w)) == 3


def test_the_documentation_describes_the_attendance_and_volunteer_hours_columns():
    docs = (Path(__file__).resolve().parents[3] / "docs" / "imports.md").read_text(encoding="utf-8")
    for kind in ("attendance", "volunteer_hours"):
        assert f"(`{kind}`)" in docs
        section = docs.split(f"(`{kind}`)", 1)[1].split("\n## ", 1)[0]
        for column in kinds()[kind].columns:
            assert f"| `{column.key}` |" in section, (kind, column.key)


def test_a_row_that_says_otherwise_than_coope_is_reported_and_changes_nothing(place):
    w = place.w
    assert import_file(w, csv_bytes(GOOD_ROWS), "presences.csv").written
    before = attendance_rows(w)
    rows = [
        [*HEADER, "heure_fin"],
        # Karim came without registering: the file now says he was registered.
        [
            "05/03/2018",
            "14:00",
            "Atelier cuisine équilibrée",
            "A",
            "Karim",
            "Benali",
            "",
            "non",
            "",
        ],
        # The session of 12 March was created ending at 16:00.
        [
            "12/03/2018",
            "14:00",
            "Atelier cuisine équilibrée",
            "A",
            "Élodie",
            "Dupont",
            "",
            "",
            "18:00",
        ],
        # The same as in Coopé: already there.
        [
            "05/03/2018",
            "14:00",
            "Atelier cuisine équilibrée",
            "A",
            "Élodie",
            "Dupont",
            "",
            "non",
            "16:00",
        ],
    ]
    report = import_file(w, csv_bytes(rows), "presences.csv", only_good_rows=True)
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "sans_inscription"),
        (3, "heure_fin"),
    ]
    assert "« oui » dans cette colonne et non « non »" in report.errors[0].message
    assert report.errors[1].message.startswith(
        "La séance de « Atelier cuisine équilibrée » du 12/03/2018 14:00 est déjà dans Coopé, "
        "avec « 16:00 » dans cette colonne et non « 18:00 »"
    )
    assert report.new_and_present == "0 nouvelle ligne, 1 déjà présente"
    assert attendance_rows(w) == before
