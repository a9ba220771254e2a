"""Importing attendance and volunteer hours, against importing people, in the same run; and the
annual brochure, against the one-page attendance sheet.

    .venv/bin/python bench/activity_import.py                 # SQLite under var/, the demo built once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/coope_bench .venv/bin/python bench/activity_import.py

Every import is a dry run (the real import, rolled back), so the database is left as it was:
- baseline: N new people (the foundation's import);
- N attendance rows of the demo's 2018 sessions (one in ten names a session not in Coopé yet);
- N volunteer-hour rows, one in two linked to a session.
Prints milliseconds per row and the ratio to the baseline; then the time of the 2018 brochure
(gathering and PDF) against the attendance-sheet PDF of one session.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coope.settings")
os.environ.setdefault(
    "DATABASE_URL",
    f"sqlite:///{Path(__file__).resolve().parents[1] / 'var' / 'bench_activities.sqlite3'}",
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone, translation  # noqa: E402
from django_scopes import scope  # noqa: E402

from coope.activities import brochure  # noqa: E402
from coope.activities.models import Registration, Session  # noqa: E402
from coope.core.models import Cooperation  # noqa: E402
from coope.imports import run_import  # noqa: E402
from coope.lib.pdf import render_pdf  # noqa: E402
from coope.people.models import Person  # noqa: E402


def rows_of(header: list[str], rows: list[list[str]]) -> list[dict]:
    return [dict(zip(header, row, strict=True)) for row in rows]


def people_rows(count: int, rng: random.Random) -> list[dict]:
    return rows_of(
        ["prenom", "nom", "date_naissance"],
        [
            [f"Bench{i}", f"Personne{rng.randrange(10**6)}", f"{1 + i % 28:02d}/05/1980"]
            for i in range(count)
        ],
    )


def attendance_rows(sessions, people, count: int, rng: random.Random) -> list[dict]:
    rows = []
    for i in range(count):
        session, person = rng.choice(sessions), rng.choice(people)
        start = timezone.localtime(session.starts_at)
        if i % 10 == 0:  # a session not in Coopé yet: the next day at the same time
            start += datetime.timedelta(days=1)
        rows.append(
            [
                f"{start:%d/%m/%Y}",
                f"{start:%H:%M}",
                session.activity.title,
                session.house.short_name,
                person.first_name,
                person.last_name,
                f"{person.birth_date:%d/%m/%Y}",
                "",
            ]
        )
    header = ["date", "heure", "activite", "maison", "prenom", "nom", "date_naissance"]
    return rows_of([*header, "sans_inscription"], rows)


def hours_rows(sessions, people, count: int, rng: random.Random) -> list[dict]:
    rows = []
    for i in range(count):
        person = rng.choice(people)
        if i % 2:
            session = rng.choice(sessions)
            start = timezone.localtime(session.starts_at)
            rows.append(
                [
                    person.first_name,
                    person.last_name,
                    f"{person.birth_date:%d/%m/%Y}",
                    f"{start:%d/%m/%Y}",
                    "1h30",
                    "activité",
                    session.activity.title,
                    session.house.short_name,
                    f"{start:%H:%M}",
                ]
            )
        else:
            day = datetime.date(2018, 1, 1) + datetime.timedelta(days=rng.randrange(365))
            rows.append(
                [
                    person.first_name,
                    person.last_name,
                    f"{person.birth_date:%d/%m/%Y}",
                    f"{day:%d/%m/%Y}",
                    "2",
                    "gouvernance",
                    "",
                    "",
                    "",
                ]
            )
    header = ["prenom", "nom", "date_naissance", "date", "heures", "type", "activite", "maison"]
    return rows_of([*header, "heure"], rows)


def per_row_ms(kind: str, rows: list[dict], cooperation, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        report = run_import(kind, rows, actor=None, cooperation=cooperation, dry_run=True)
        samples.append((time.perf_counter() - start) * 1000 / len(rows))
        assert not report.errors, (kind, report.errors[:3])
    return statistics.median(samples)


def median_ms(function, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not Cooperation.objects.filter(slug="romans").exists():
        print("Construction de la démo…", flush=True)
        call_command("demo", verbosity=0)
    cooperation = Cooperation.objects.get(slug="romans")
    rng = random.Random(1)
    print(f"Base : {connection.vendor}; {args.rows} lignes par import, médiane de {args.repeat}")
    with scope(cooperation=cooperation.pk), translation.override("fr"):
        sessions = list(
            Session.objects.filter(
                starts_at__year=2018, public=True, house__isnull=False, activity__regular=True
            ).select_related("activity", "house")
        )
        # People that a name and a birth date tell apart, so that every row finds its person.
        known = list(Person.objects.filter(anonymised_at__isnull=True).order_by("pk"))
        names = Counter(p.search_name for p in known)
        twins = Counter((p.search_name, p.birth_date) for p in known)
        people = [
            p
            for p in known
            if p.birth_date
            and names[p.search_name] < 20
            and twins[p.search_name, p.birth_date] == 1
        ][:3000]
        baseline = per_row_ms("people", people_rows(args.rows, rng), cooperation, args.repeat)
        attendance = per_row_ms(
            "attendance",
            attendance_rows(sessions, people, args.rows, rng),
            cooperation,
            args.repeat,
        )
        hours = per_row_ms(
            "volunteer_hours",
            hours_rows(sessions, people, args.rows, rng),
            cooperation,
            args.repeat,
        )
        print(f"personnes (référence) : {baseline:.2f} ms par ligne")
        print(f"présences : {attendance:.2f} ms par ligne, x{attendance / baseline:.1f}")
        print(f"heures de bénévolat : {hours:.2f} ms par ligne, x{hours / baseline:.1f}")

        document = brochure.gather(cooperation, 2018)
        session = sessions[0]
        registrations = Registration.objects.filter(session=session).select_related("person")
        render_pdf("activities/brochure.html", {"brochure": document})  # WeasyPrint warms up
        sheet = median_ms(
            lambda: render_pdf(
                "activities/attendance_sheet.html",
                {
                    "session": session,
                    "registrations": registrations,
                    "blank_lines": range(8),
                    "printed_at": timezone.localtime(),
                },
            ),
            args.repeat,
        )
        plaquette = median_ms(
            lambda: brochure.brochure_pdf(brochure.gather(cooperation, 2018)), args.repeat
        )
        print(f"feuille de présence (référence) : {sheet:.0f} ms")
        print(
            f"plaquette 2018 ({document.activity_count} activités, {len(document.sections)} maisons) : "
            f"{plaquette:.0f} ms, x{plaquette / sheet:.1f}"
        )


if __name__ == "__main__":
    main()
