"""Import speed of every kind, in rows per second, against the people import of the same run; the
re-import of the same rows (all « déjà présentes »); and a 10,000-row workbook through the
background job (its preview, then the import).

    .venv/bin/python bench/imports.py                     # a fresh SQLite database under var/
    .venv/bin/python bench/imports.py --rows 500          # quicker
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/coope_bench_imports .venv/bin/python bench/imports.py

With --big: memory and time of a 50,000-row workbook (XLSX and ODS) through the worker's path
(the job's preview, then its import, with its progress), each in a process of its own so that
its peak RSS is its own; against the baseline of the same run, Python's csv module reading the
same rows in a process with Django loaded; and hostile files (a 0.2 MB ODS whose rows repeat to
ten million, a zip bomb) refused, with the bytes read, the time and the peak RSS.

    .venv/bin/python bench/imports.py --big [--big-rows 50000]

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
import json
import os
import resource
import subprocess
import sys
import time
import zipfile
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


# -- the 50,000-row workbook: memory and time through the worker's path -----------------------

BIG_HEADERS = ["prenom", "nom", "date_naissance", "sexe", "code_postal", "commune", "maison"]


def big_rows(n: int) -> list[list[str]]:
    return [
        [
            f"Grand{i}",
            f"Classeur{i}",
            f"{1 + i % 28:02d}/{1 + i % 12:02d}/{1940 + i % 70}",
            "F" if i % 2 else "M",
            "26100",
            "Romans-sur-Isère",
            "A",
        ]
        for i in range(n)
    ]


def xlsx_of(rows: list[list[str]], title: str = "Personnes") -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(BIG_HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


ODS_OPEN = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">'
    "<office:body><office:spreadsheet>"
)
ODS_CLOSE = "</office:spreadsheet></office:body></office:document-content>"


def _ods_row(cells: list[str], repeat: int = 1) -> str:
    more = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return (
        f"<table:table-row{more}>"
        + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{c}</text:p></table:table-cell>'
            for c in cells
        )
        + "</table:table-row>"
    )


def ods_of(rows: list[list[str]], title: str = "Personnes", repeat: int = 1) -> bytes:
    """An ODS file as LibreOffice writes one (its content.xml streamed into the zip)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        with archive.open("content.xml", "w") as content:
            content.write(f'{ODS_OPEN}<table:table table:name="{title}">'.encode())
            content.write(_ods_row(BIG_HEADERS).encode())
            for row in rows:
                content.write(_ods_row(row, repeat).encode())
            content.write(f"</table:table>{ODS_CLOSE}".encode())
    return buffer.getvalue()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_big(fmt: str, n: int, preview_only: bool = False) -> dict:
    """In its own process: a fresh database, a workbook of n people, its job previewed then
    imported as the worker runs it; times, progress seen, peak RSS."""
    fresh_database()
    cooperation, director = cooperation_for_the_bench()
    content = bench_file(fmt, n).read_bytes()  # written by the parent: not in this peak
    before = peak_mb()
    with scope(cooperation=cooperation.pk):
        job = ImportJob.objects.create(
            cooperation=cooperation,
            user=director,
            kind=WORKBOOK,
            filename=f"grand.{fmt}",
            background=True,
        )
    jobs.keep_upload(job, content)
    seen: list[tuple[float, int, int]] = []
    start = time.perf_counter()
    original = jobs._Progress.__call__

    def watched(self, done: int, total: int) -> None:
        seen.append((time.perf_counter() - start, done, total))
        sample = {"s": round(seen[-1][0], 1), "done": done, "total": total, "peak_mb": peak_mb()}
        print(json.dumps(sample), file=sys.stderr, flush=True)
        original(self, done, total)

    jobs._Progress.__call__ = watched  # type: ignore[method-assign]
    jobs.run_job(job.pk, dry_run=True)
    checked = time.perf_counter() - start
    with scopes_disabled():
        job.refresh_from_db()
        assert job.status == "ready" and not job.preview["has_errors"], (job.notice, job.preview)
        ImportJob.objects.filter(pk=job.pk).update(status="importing")
    preview_progress = len(seen)
    imported = 0.0
    if not preview_only:
        start = time.perf_counter()
        jobs.run_job(job.pk, dry_run=False)
        imported = time.perf_counter() - start
        with scopes_disabled():
            job.refresh_from_db()
        assert job.status == "done", job.notice
    return {
        "format": fmt,
        "rows": n,
        "bytes": len(content),
        "preview_s": checked,
        "import_s": imported,
        "new": (job.result or job.preview)["new"],
        "progress_updates": [preview_progress, len(seen) - preview_progress],
        "rss_before_mb": before,
        "peak_mb": peak_mb(),
        "file_left": jobs.file_of(job).exists() and not preview_only,
    }


def one_read(what: str, n: int) -> dict:
    """In its own process, Django loaded: the rows read, by the csv module (the baseline) or by
    Coopé's reader (XLSX, ODS); or a hostile file refused."""
    from coope.lib.sheet_reading import CountedReader
    from coope.lib.spreadsheets import SpreadsheetError, read_workbook

    counted: list[int] = []
    original = CountedReader.read

    def counting(self, size=-1):
        data = original(self, size)
        counted.append(len(data))
        return data

    CountedReader.read = counting  # type: ignore[method-assign]
    content = bench_file(what, n).read_bytes()  # written by the parent: not in this peak
    before = peak_mb()
    start = time.perf_counter()
    if what == "csv-module":
        import csv

        table = list(csv.DictReader(io.StringIO(content.decode()), delimiter=";"))
        result: dict = {"rows": len(table)}
    else:
        try:
            sheets = read_workbook(content, f"fichier.{'ods' if 'bomb' in what else what}")
            result = {"rows": sum(len(sheet.rows) for _title, sheet in sheets)}
        except SpreadsheetError as error:
            result = {"refused": str(error)}
    elapsed = time.perf_counter() - start
    return {
        "what": what,
        "bytes": len(content),
        "seconds": elapsed,
        "read_mb": sum(counted) / 1e6,
        "rss_before_mb": before,
        "peak_mb": peak_mb(),
        **result,
    }


def bench_file(what: str, n: int) -> Path:
    """The file a child process reads, under var/: made once by the parent."""
    suffix = {"csv-module": "csv", "xlsx": "xlsx"}.get(what, "ods")
    path = ROOT / "var" / f"bench_{what}_{n}.{suffix}"
    if path.exists():
        return path
    rows = big_rows(n)
    if what == "csv-module":
        content = "\n".join(";".join(row) for row in [BIG_HEADERS, *rows]).encode()
    elif what == "xlsx":
        content = xlsx_of(rows)
    elif what == "bomb-rows":  # one row repeated ten million times
        content = ods_of(rows[:1], repeat=10_000_000)
    elif what == "bomb-zip":  # 300 MB of rows (the same row) zipped to a few MB
        content = ods_of([rows[0]] * 1_500_000)
    else:
        content = ods_of(rows)
    path.write_bytes(content)
    return path


def child(arguments: list[str], database: Path) -> dict:
    """This script in a process of its own (its own peak RSS, its own SQLite file); its progress
    samples go to var/<database>.log as they come."""
    database.unlink(missing_ok=True)
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    with database.with_suffix(".log").open("w") as log:
        out = subprocess.run(  # noqa: S603 (this script, with its own arguments)
            [sys.executable, __file__, *arguments],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            check=True,
        ).stdout
    return json.loads(out.strip().splitlines()[-1])


def big(n: int, worker_rows: int, formats: list[str], preview_only: bool) -> None:
    print(f"Charge de la machine au début : {os.getloadavg()[0]:.1f} ({os.cpu_count()} cœurs)")
    var = ROOT / "var"
    if n:
        reading(n, var)
    if worker_rows:
        worker_path(worker_rows, formats, preview_only, var)
    print(f"Charge de la machine à la fin : {os.getloadavg()[0]:.1f}")


def reading(n: int, var: Path) -> None:
    for what in ("csv-module", "xlsx", "ods", "bomb-rows", "bomb-zip"):
        bench_file(what, n)
    reads = {
        what: child(["--one-read", what, "--big-rows", str(n)], var / f"bench_read_{what}.sqlite3")
        for what in ("csv-module", "xlsx", "ods", "bomb-rows", "bomb-zip")
    }
    for r in reads.values():
        print(json.dumps(r, ensure_ascii=False))
    base = reads["csv-module"]
    print()
    print(
        "| lecture | octets | lignes | temps (s) | RSS max (Mo) | au-dessus de Django seul (Mo) | rapport à csv |"
    )
    print("|---|---|---|---|---|---|---|")
    for what, r in reads.items():
        extra = r["peak_mb"] - r["rss_before_mb"]
        base_extra = max(base["peak_mb"] - base["rss_before_mb"], 1)
        said = r.get("rows", "refusé")
        print(
            f"| {what} | {r['bytes']:,} | {said} | {r['seconds']:.1f} | {r['peak_mb']:.0f} "
            f"| {extra:.0f} | x{extra / base_extra:.1f} mémoire, x{r['seconds'] / base['seconds']:.0f} temps |"
        )
    for what in ("bomb-rows", "bomb-zip"):
        r = reads[what]
        print(
            f"{what}: {r.get('refused')} ({r['read_mb']:.1f} Mo de XML lus, {r['seconds']:.1f} s)"
        )
    print()


def worker_path(worker_rows: int, formats: list[str], preview_only: bool, var: Path) -> None:
    extra = ["--preview-only"] if preview_only else []
    for fmt in formats:
        bench_file(fmt, worker_rows)
    runs = [
        child(
            ["--one-big", fmt, "--big-rows", str(worker_rows), *extra],
            var / f"bench_big_{fmt}.sqlite3",
        )
        for fmt in formats
    ]
    for r in runs:
        print(json.dumps(r, ensure_ascii=False))
    print()
    print(
        "| classeur | octets | aperçu (s) | import (s) | mises à jour de la progression (aperçu, import) | RSS max (Mo) | fichier laissé |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in runs:
        print(
            f"| {r['rows']:,} lignes {r['format'].upper()} | {r['bytes']:,} | {r['preview_s']:.0f} "
            f"| {r['import_s']:.0f} | {r['progress_updates'][0]}, {r['progress_updates'][1]} "
            f"| {r['peak_mb']:.0f} | {'oui' if r['file_left'] else 'non'} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--no-workbook", action="store_true")
    parser.add_argument("--big", action="store_true", help="the 50,000-row workbook only")
    parser.add_argument("--big-rows", type=int, default=50_000)
    parser.add_argument("--worker-rows", type=int, default=50_000)
    parser.add_argument("--formats", default="xlsx,ods")
    parser.add_argument("--preview-only", action="store_true")
    parser.add_argument("--one-big", choices=("xlsx", "ods"), help=argparse.SUPPRESS)
    parser.add_argument("--one-read", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_big:
        with translation.override("fr"):
            print(json.dumps(one_big(args.one_big, args.big_rows, args.preview_only)))
        return
    if args.one_read:
        with translation.override("fr"):
            print(json.dumps(one_read(args.one_read, args.big_rows), ensure_ascii=False))
        return
    if args.big:
        big(args.big_rows, args.worker_rows, args.formats.split(","), args.preview_only)
        return
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
