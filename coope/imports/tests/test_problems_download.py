"""The page shows the first 500 problems of an import; the full list (sheet, row, column, value,
problem) is a download, for the uploader only, audited, gone with the job."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from coope.core.models import AuditEntry
from coope.imports import jobs
from coope.imports.models import ImportJob
from coope.lib.spreadsheets import read_spreadsheet
from coope.people.tests.spreadsheet_files import csv_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_uploads(settings, tmp_path):
    settings.COOPE_IMPORT_DIR = tmp_path / "imports"


def test_every_problem_is_downloaded_with_its_value_though_the_page_shows_500(
    world, client_as, django_capture_on_commit_callbacks
):
    rows = [["prenom", "nom", "date_naissance", "maison"]]
    rows += [[f"P{i}", f"N{i}", f"31/02/{1950 + i % 50}", "A"] for i in range(620)]
    client = client_as(world.director)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("data:import"),
            {"kind": "people", "file": SimpleUploadedFile("p.csv", csv_bytes(rows))},
        )
    page = client.get(response.url).text
    assert "(et 120 autres, non affichés)" in page
    with scope(cooperation=world.coop.pk):
        job = ImportJob.objects.get()
    for fmt in ("xlsx", "ods", "csv"):
        download = client.get(reverse("data:import_problems", args=[job.token, fmt]))
        assert download.status_code == 200 and "no-store" in download["Cache-Control"]
        sheet = read_spreadsheet(download.content, f"problemes.{fmt}")
        assert len(sheet.rows) == 620
        first = sheet.rows[0].values
        assert (first["Ligne"], first["Colonne"], first["Valeur"]) == (
            "2",
            "date_naissance (C)",
            "31/02/1950",
        )
        assert "n'est pas une date" in first["Problème"]
    with scopes_disabled():
        audits = AuditEntry.objects.filter(model="imports.problems")
        assert audits.count() == 3

    other = Client()
    other.force_login(world.coordinator)
    assert other.get(reverse("data:import_problems", args=[job.token, "csv"])).status_code == 404

    assert jobs.problems_file_of(job).exists()
    client.post(reverse("data:import_cancel", args=[job.token]))
    assert not jobs.problems_file_of(job).exists()
