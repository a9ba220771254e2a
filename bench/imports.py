"""Import speed of every kind, in rows per second, against the people import of the same run; the
re-import of the same rows (all « déjà présentes »); and a 10,000-row workbook through the
background job (its preview, then the import).

    .venv/bin/python bench/imports.py                     # a fresh SQLite database under var/
    .venv/bin/python bench/imports.py --rows 500          # quicker
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/coope_bench_imports .venv/bin/python bench/imports.py

On a fresh database (SQLite: the file is deleted first; PostgreSQL: its tables are flushed) with
one cooperation, 2 associations, 2 houses, a fee grid and a project group, every kind is
imported for real, in the order of a workbook (each kind's rows refer to those of the kinds
before it), N rows each (reference kinds, which a cooperation has a few of, N/10). Each import
is timed alone, then imported a second time: the same rows, all found already present. The
baseline is the people import, N/4 new people with a birth date and a house, measured in the same
run on the same database, right after each kind (the machine is shared: its speed drifts during
a run, and a baseline measured next to each kind drifts with it). A ratio is the kind's rows per
second over the people's: x0.5 is half as fast.
"""

import argparse
import datetime
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coope.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench_imports.sqlite3'}")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import translation  # noqa: E402
from django_scopes import scope, scopes_disabled  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from coope.core.models import (  # noqa: E402
    Association,
    Cooperation,
    House,
    ProjectGroup,
    StaffRole,
    User,
)
from coope.imports import jobs, kinds, ordered_kinds, run_import  # noqa: E402
from coope.imports.models import WORKBOOK, ImportJob  # noqa: E402
from coope.membership.models import FeeRule, MembershipPeriod  # noqa: E402

DAY = datetime.date(2018, 1, 1)
TITLES = 20  # activities


def day(i: int) -> str:
    return f"{DAY + datetime.timedelta(days=i % 360):%d/%m/%Y}"


def person(i: int) -> dict:
    return {
        "prenom": f"Bench{i}",
        "nom": f"Personne{i}",
        "date_naissance": f"{1 + i % 28:02d}/{1 + i % 12:02d}/{1950 + i % 60}",
    }


def session(i: int) -> dict:
    """The i-th session: one activity in twenty, a day of 2018, at 14:00."""
    return {"activite": f"Activité {i % TITLES}", "maison": "A", "date": day(i), "heure": "14:00"}


def rows_of_kind(kind: str, n: int) -> list[dict]:
    few = max(1, n // 10)
    make = {
        "associations": lambda: [{"nom": f"Association {i}"} for i in range(few)],
        "houses": lambda: [
            {
                "association": f"Association {i}",
                "nom": f"Maison {i}",
                "nom_court": f"M{i}",
                "adresse": f"{i} rue du Banc",
                "code_postal": "26100",
                "commune": "Romans-sur-Isère",
            }
            for i in range(few)
        ],
        "staff": lambda: [
            {"identifiant": f"banc{i}", "association": "Association A", "role": "accueil"}
            for i in range(few)
        ],
        "people": lambda: [
            {**person(i), "sexe": "F" if i % 2 else "M", "code_postal": "26100", "maison": "A"}
            for i in range(n)
        ],
        "households": lambda: [
            {
                "foyer": f"Famille {i // 2}",
                **person(i),
                "lien": "enfant" if i % 2 else "responsable",
            }
            for i in range(n)
        ],
        "periods": lambda: [
            {
                "periode": f"{2000 + i}",
                "debut": f"01/01/{2000 + i}",
                "fin": f"31/12/{2000 + i}",
                "type": "individuelle",
                "montant": "10",
            }
            for i in range(min(few, 17))  # 2000-2016: the demo's 2018 stays the one to take
        ],
        "memberships": lambda: [
            {**person(i), "maison": "A", "periode": "2018", "paiement": "espèces", "montant": "10"}
            for i in range(n)
        ],
        "activities": lambda: [
            {"titre": f"Activité {i}", "maison": "A", "places": "500"} for i in range(TITLES)
        ],
        "sessions": lambda: [{**session(i), "heure_fin": "16:00"} for i in range(n)],
        "registrations": lambda: [{**session(i), **person(i)} for i in range(n)],
        "attendance": lambda: [
            {**session(i), **person(i), "sans_inscription": "non"} for i in range(n)
        ],
        "headcounts": lambda: [{**session(i), "nombre": "12"} for i in range(n)],
        "producers": lambda: [
            {"producteur": f"Ferme {i}", "commune": "Triors"} for i in range(few)
        ],
        "collections": lambda: [
            {
                "date": day(i),
                "producteur": f"Ferme {i % few}",
                "produit": "tomates",
                "variete": f"V{i}",
                "poids_kg": f"{1 + i % 40},5",
            }
            for i in range(n)
        ],
        "volunteer_hours": lambda: [
            {**person(i), "date": day(i), "heures": "1h30", "type": "gouvernance"} for i in range(n)
        ],
        "trainings": lambda: [
            {**person(i), "formation": f"Formation {i % 10}", "date": day(i)} for i in range(n)
        ],
    }
    return make[kind]() if kind in make else []


def fresh_database() -> None:
    if connection.vendor == "sqlite":
        path = Path(settings.DATABASES["default"]["NAME"])
        connection.close()
        path.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        call_command("migrate", verbosity=0)
    else:
        call_command("migrate", verbosity=0)
        call_command("flush", interactive=False, verbosity=0)


def cooperation_for_the_bench() -> tuple[Cooperation, User]:
    with scopes_disabled():
        coop = Cooperation.objects.create(name="Banc d'essai", slug="banc", card_prefix="BNC")
        a = Association.objects.create(cooperation=coop, name="Association A")
        b = Association.objects.create(cooperation=coop, name="Association B")
        for association, short in ((a, "A"), (b, "B")):
            House.objects.create(
                cooperation=coop,
                association=association,
                name=f"Maison {short} banc",
                short_name=short,
                address="1 place",
                postcode="26100",
                city="Romans-sur-Isère",
            )
        period = MembershipPeriod.objects.create(
            cooperation=coop, name="2018", start=DAY, end=datetime.date(2018, 12, 31)
        )
        for kind in ("individual", "household"):
            FeeRule.objects.create(cooperation=coop, period=period, kind=kind, amount_cents=1000)
        ProjectGroup.objects.create(cooperation=coop, name="Alimentation", slug="alimentation")
        director = User.objects.create_user(username="banc-direction", cooperation=coop)
        for association in (a, b):
            StaffRole.objects.create(
                cooperation=coop, user=director, association=association, role="director"
            )
    return coop, director


def shown(rate: float) -> str:
    """Rows per second as the table says them: 1 350, 47, 0.8."""
    return f"{rate:,.0f}".replace(",", "\u202f") if rate >= 10 else f"{rate:.1f}".replace(".", ",")


def timed(kind: str, rows: list[dict], cooperation) -> tuple[float, object]:
    start = time.perf_counter()
    report = run_import(kind, rows, actor=None, cooperation=cooperation)
    return time.perf_counter() - start, report


def workbook_bytes(sheets: dict[str, list[dict]]) -> bytes:
    book = Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        headers = list(rows[0])
        sheet.append(headers)
        for row in rows:
            sheet.append([row[h] for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def the_big_workbook(cooperation, director) -> tuple[float, float, int]:
    """10,000 rows in three sheets (new people, their memberships, their volunteer hours)
    through the job path: its preview, then the import, as the worker runs them."""
    offset = 10**6  # people of their own
    people = [{**person(offset + i), "maison": "A"} for i in range(4000)]
    memberships = [
        {**person(offset + i), "maison": "B", "periode": "2018", "paiement": "chèque"}
        for i in range(2000)
    ]
    hours = [
        {**person(offset + i), "date": day(i), "heures": "2", "type": "activité"}
        for i in range(4000)
    ]
    content = workbook_bytes(
        {"Adhésions": memberships, "Heures de bénévolat": hours, "Personnes": people}
    )
    with scope(cooperation=cooperation.pk):
        job = ImportJob.objects.create(
            cooperation=cooperation,
            user=director,
            kind=WORKBOOK,
            filename="banc.xlsx",
            rows_total=10_000,
            background=True,
        )
    jobs.file_of(job).write_bytes(content)
    start = time.perf_counter()
    jobs.run_job(job.pk, dry_run=True)
    checked = time.perf_counter() - start
    with scopes_disabled():
        job.refresh_from_db()
        assert job.status == "ready" and not job.preview["has_errors"], job.preview["errors"][:3]
        ImportJob.objects.filter(pk=job.pk).update(status="importing")
    start = time.perf_counter()
    jobs.run_job(job.pk, dry_run=False)
    imported = time.perf_counter() - start
    with scopes_disabled():
        job.refresh_from_db()
    assert job.status == "done", job.notice
    return checked, imported, job.result["new"]


def baseline(cooperation, count: int, tag: str) -> float:
    """Rows per second of the people import (new people), measured now: next to each kind, so
    that the machine's drift (it is shared) moves both sides of a ratio alike."""
    rows = [{**row, "prenom": f"{tag}{i}"} for i, row in enumerate(rows_of_kind("people", count))]
    elapsed, report = timed("people", rows, cooperation)
    assert report.written and not report.errors, report.errors[:3]
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--no-workbook", action="store_true")
    args = parser.parse_args()
    fresh_database()
    cooperation, director = cooperation_for_the_bench()
    print(f"Base : {connection.vendor}, neuve ; {args.rows} lignes par type (référentiels : /10)")
    print(f"Charge de la machine au début : {os.getloadavg()[0]:.1f} ({os.cpu_count()} cœurs)")
    results = []
    with scope(cooperation=cooperation.pk), translation.override("fr"):
        for number, kind in enumerate(ordered_kinds()):
            rows = rows_of_kind(kind, args.rows)
            if not rows:
                print(f"  {kind} : pas de lignes générées pour ce type, laissé de côté")
                continue
            first, report = timed(kind, rows, cooperation)
            assert report.written and not report.errors, (kind, report.errors[:3])
            again, second = timed(kind, rows, cooperation)
            assert second.present_rows == len(rows), (kind, second.errors[:3])
            people = baseline(cooperation, max(200, args.rows // 4), f"Ref{number}x")
            rate, rate_again = len(rows) / first, len(rows) / again
            results.append((kind, len(rows), rate, rate_again, people))
            print(
                f"  {kind} : {shown(rate)} lignes/s, de nouveau {shown(rate_again)} lignes/s ; "
                f"personnes juste après : {shown(people)} lignes/s",
                flush=True,
            )
    print()
    print(
        "| type | lignes | import (lignes/s) | personnes, juste après (lignes/s) "
        "| rapport aux personnes | réimport, tout déjà présent (lignes/s) |"
    )
    print("|---|---|---|---|---|---|")
    for kind, n, rate, again, people in results:
        label = kinds()[kind].label
        print(
            f"| {label} (`{kind}`) | {n} | {shown(rate)} | {shown(people)} "
            f"| x{rate / people:.2f} | {shown(again)} |"
        )
    if not args.no_workbook:
        with scope(cooperation=cooperation.pk):
            before = baseline(cooperation, 500, "Avant")
        checked, imported, new = the_big_workbook(cooperation, director)
        with scope(cooperation=cooperation.pk):
            after = baseline(cooperation, 500, "Apres")
        print()
        print(
            f"Classeur de 10 000 lignes (3 feuilles) par le travail en arrière-plan : aperçu "
            f"{checked:.1f} s, import {imported:.1f} s ({new} nouvelles lignes, "
            f"{shown(10_000 / imported)} lignes/s) ; personnes avant {shown(before)}, "
            f"après {shown(after)} lignes/s"
        )
    print(f"Charge de la machine à la fin : {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
