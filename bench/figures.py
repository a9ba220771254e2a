"""The key-figures page for 2018 and the report PDF request, on the Romans demo.

    DATABASE_URL=sqlite:////tmp/bench_figures.sqlite3 .venv/bin/python bench/figures.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/coope_bench_fig .venv/bin/python bench/figures.py

Migrates, and builds the demo (`coope demo`) when the database holds no Romans cooperation;
each run adds its front-desk visits (dated 2019: 2018's figures stay) to that database, so point
it at a database of its own. Through Django's test client, as the director of Romans:
- `/chiffres/?du=2018-01-01&au=2018-12-31` cold: after a write (a front-desk visit through its
  service, audited like every write a figure counts), so the figures are computed again;
- the same page warm: nothing written since, the kept figures are read;
- the same figures computed without the page (`compute_figures` of 2018 and 2017), the work the
  kept figures save, and the stamp query alone (the floor of a warm page's own work);
- the report PDF request with the database worker (`django_tasks_db`): it only enqueues; then
  the PDF made by the task (WeasyPrint, what the request used to wait for), and the PDF served
  again once made.
Medians of 20 (5 for the PDF's making), with each request's query count and ratios measured in
the same run.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coope.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django_scopes import scope, scopes_disabled  # noqa: E402

from coope.core.kept import read_stamp  # noqa: E402
from coope.core.models import Cooperation, House, User  # noqa: E402
from coope.lib.indicators import compute_figures  # noqa: E402
from coope.lib.periods import Period  # noqa: E402
from coope.people.models import Person  # noqa: E402
from coope.people.services import record_visit  # noqa: E402
from coope.reports import tasks  # noqa: E402
from coope.reports.models import Report, ReportPdf  # noqa: E402

YEAR = {"du": "2018-01-01", "au": "2018-12-31"}
PERIOD = Period(datetime.date(2018, 1, 1), datetime.date(2018, 12, 31))
WORKER = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def timed(action) -> tuple[float, int]:
    """Milliseconds and queries of one call."""
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        action()
        elapsed = (time.perf_counter() - start) * 1000
    return elapsed, len(queries)


def median(samples: list[tuple[float, int]]) -> tuple[float, int]:
    return statistics.median(s[0] for s in samples), max(s[1] for s in samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    settings.ALLOWED_HOSTS = ["*"]
    with scopes_disabled():
        call_command("migrate", verbosity=0)
        if not Cooperation.objects.filter(slug="romans").exists():
            call_command("demo", verbosity=0)
        coop = Cooperation.objects.get(slug="romans")
        director = User.objects.get(username="directrice")
    client = Client()
    client.force_login(director)
    url = reverse("figures")

    def page() -> None:
        response = client.get(url, YEAR)
        assert response.status_code == 200, response.status_code

    with scope(cooperation=coop.pk):
        house = House.objects.order_by("pk").first()
        person = Person.objects.order_by("pk").first()

    def write(day: int) -> None:
        with scope(cooperation=coop.pk):
            record_visit(
                actor=director,
                house=house,
                date=datetime.date(2019, 1, 1) + datetime.timedelta(days=day),
                reason="information",
                person=person,
            )

    page()  # warms Python's imports and the templates
    cold, warm = [], []
    for run in range(runs):
        write(run)
        cold.append(timed(page))
        warm.append(timed(page))
    with scope(cooperation=coop.pk):
        computed = [
            timed(lambda: (compute_figures(coop, PERIOD), compute_figures(coop, PERIOD.earlier())))
            for _ in range(min(runs, 5))
        ]
        stamp = [timed(lambda: read_stamp(coop.pk)) for _ in range(runs)]

    with scope(cooperation=coop.pk):
        report = Report.objects.filter(period_start__year=2018).order_by("-pk").first()
    pdf_url = reverse("reports:pdf", args=[report.pk])
    asked, made, served = [], [], []
    with override_settings(TASKS=WORKER):
        for run in range(min(runs, 5)):
            write(100 + run)  # the report's records changed: a new PDF
            response = None

            def ask() -> None:
                nonlocal response
                response = client.get(pdf_url)

            asked.append(timed(ask))
            assert response is not None and response.status_code == 302
            with scopes_disabled():
                pdf = ReportPdf.objects.filter(report=report).order_by("-pk").first()
            made.append(timed(lambda pk=pdf.pk: tasks.make_pdf(pk)))
            served.append(timed(ask))
            assert response["Content-Type"] == "application/pdf"

    rows = [
        ("/chiffres/ 2018, cold (after a write)", median(cold)),
        ("/chiffres/ 2018, warm (nothing written)", median(warm)),
        ("the figures alone (2018 + 2017, computed)", median(computed)),
        ("the stamp query alone", median(stamp)),
        ("report PDF request (enqueues, returns)", median(asked)),
        ("report PDF made by the task", median(made)),
        ("report PDF served again (kept)", median(served)),
    ]
    print(f"{connection.vendor}, demo « romans », medians of {runs} (PDF: {len(made)})")
    for label, (ms, queries) in rows:
        print(f"  {label:<45} {ms:9.1f} ms  {queries:4d} queries")
    print(f"  warm / cold: {median(warm)[0] / median(cold)[0]:.3f}")
    print(f"  PDF request / PDF made: {median(asked)[0] / median(made)[0]:.3f}")


if __name__ == "__main__":
    main()
