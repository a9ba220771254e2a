"""Long imports run in the background (django.tasks): the preview is computed once and kept with
the job, the page shows the progress and then the result, the uploaded file goes when the job
ends or fails, and only the account that uploaded the file sees its job."""

import datetime
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from coope.imports import jobs, running
from coope.imports.models import ImportJob
from coope.people.models import Person
from coope.people.tests.spreadsheet_files import csv_bytes

pytestmark = pytest.mark.django_db

ROWS = [
    ["prenom", "nom", "maison"],
    ["Awa", "Diallo", "A"],
    ["Karim", "Benali", "B"],
    ["Zoé", "Roux", "A"],
]


@pytest.fixture(autouse=True)
def private_uploads_and_a_low_threshold(settings, tmp_path):
    settings.COOPE_IMPORT_DIR = tmp_path / "imports"
    settings.COOPE_IMPORT_BACKGROUND_ROWS = 2  # three rows are « long »


def upload(client, rows=ROWS, name="personnes.csv"):
    file = SimpleUploadedFile(name, csv_bytes(rows))
    return client.post(reverse("data:import"), {"kind": "people", "file": file})


def the_job(world) -> ImportJob:
    with scope(cooperation=world.coop.pk):
        return ImportJob.objects.get()


def names(world):
    with scope(cooperation=world.coop.pk):
        return sorted(Person.objects.values_list("first_name", flat=True))


def test_a_long_file_is_checked_then_imported_by_tasks_and_reaches_its_result(
    world, client_as, settings, django_capture_on_commit_callbacks
):
    client = client_as(world.director)
    with django_capture_on_commit_callbacks(execute=True) as enqueued:
        response = upload(client)
    assert len(enqueued) == 1  # the preview was a task, enqueued once the job was committed
    job = the_job(world)
    assert job.background and job.status == "ready" and job.rows_total == 3
    page = client.get(response.url).text
    assert "3 nouvelles lignes, 0 déjà présente" in page and names(world) == []

    # The preview is kept with the job: showing it again runs no import.
    job.preview["new_and_present"] = "kept"
    job.save()
    assert "kept" in client.get(response.url).text

    token = job.token
    with django_capture_on_commit_callbacks(execute=True) as enqueued:
        client.post(reverse("data:import_confirm", args=[token]), {"mode": "all"})
    assert len(enqueued) == 1
    job = the_job(world)
    assert job.status == "done" and (job.rows_done, job.percent) == (3, 100)
    assert job.finished_at is not None
    page = client.get(response.url).text
    assert "« personnes.csv » a été importé." in page and "3 nouvelles lignes" in page
    assert names(world) == ["Awa", "Karim", "Zoé"]
    assert list(settings.COOPE_IMPORT_DIR.iterdir()) == []  # the file went with the import


def test_the_progress_page_says_where_the_import_stands_and_polls_every_two_seconds(
    world, client_as
):
    client = client_as(world.director)
    with scope(cooperation=world.coop.pk):
        job = ImportJob.objects.create(
            cooperation=world.coop,
            user=world.director,
            kind="workbook",
            filename="coope.xlsx",
            status="importing",
            background=True,
            rows_total=10_000,
            rows_done=1_500,
        )
    url = reverse("data:import_job", args=[job.token])
    page = client.get(url).text
    assert "Import en cours" in page
    assert (
        '<p id="progress-text" role="status"><strong>1\u202f500 / 10\u202f000 lignes</strong>'
        in page
    )
    assert '<progress max="100" value="15"' in page
    assert 'hx-trigger="every 2s"' in page and f'hx-get="{url}?progres=1"' in page

    # The poll gets the bar alone while the job runs...
    partial = client.get(url + "?progres=1", headers={"HX-Request": "true"})
    assert partial.text.startswith('<div id="progress"') and "<html" not in partial.text
    # ...and, once it is done, the whole page again (the result).
    with scope(cooperation=world.coop.pk):
        ImportJob.objects.filter(pk=job.pk).update(status="failed", notice="Arrêté.")
    done = client.get(url + "?progres=1", headers={"HX-Request": "true"})
    assert done.status_code == 204 and done["HX-Refresh"] == "true"
    assert "Arrêté." in client.get(url).text


def test_a_file_gone_or_an_unexpected_error_fails_the_job_and_forgets_the_file(
    world, client_as, settings, monkeypatch, django_capture_on_commit_callbacks
):
    client = client_as(world.director)
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        response = upload(client)
    job = the_job(world)
    assert job.status == "checking"
    jobs.file_of(job).unlink()
    enqueued[0]()  # the worker comes to it: the file is gone
    page = client.get(response.url).text
    assert "Import impossible" in page and "Ce fichier n&#x27;est plus disponible" in page

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(jobs, "run_workbook", broken)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client)
    with scope(cooperation=world.coop.pk):
        job = ImportJob.objects.get(token=response.url.rstrip("/").rsplit("/", 1)[1])
    assert job.status == "failed" and "erreur inattendue" in job.notice
    assert list(settings.COOPE_IMPORT_DIR.iterdir()) == []
    assert names(world) == []


def test_a_task_delivered_twice_or_after_cancelling_does_nothing(world, client_as):
    client = client_as(world.director)
    with scope(cooperation=world.coop.pk):
        job = ImportJob.objects.create(
            cooperation=world.coop, user=world.director, kind="people", filename="x.csv"
        )
    jobs.file_of(job).write_bytes(csv_bytes(ROWS))
    jobs.run_job(job.pk, dry_run=True)
    jobs.run_job(job.pk, dry_run=False)  # not confirmed: nothing happens
    assert the_job(world).status == "ready" and names(world) == []
    client.post(reverse("data:import_cancel", args=[job.token]))
    jobs.run_job(job.pk, dry_run=True)  # cancelled meanwhile
    with scope(cooperation=world.coop.pk):
        assert not ImportJob.objects.exists()


def test_only_the_uploader_sees_the_job(world, client_as, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        url = upload(client_as(world.director)).url
    token = url.rstrip("/").rsplit("/", 1)[1]
    for user in (world.coordinator, world.charlie):
        other = Client()
        other.force_login(user)
        assert other.get(url).status_code == 404
        confirm = reverse("data:import_confirm", args=[token])
        assert other.post(confirm, {"mode": "all"}).status_code == 404
    assert names(world) == []


def test_jobs_and_files_left_for_a_day_are_forgotten(world, client_as, settings):
    client = client_as(world.alice)
    upload(client, ROWS[:2])
    old = the_job(world)
    with scopes_disabled():
        ImportJob.objects.filter(pk=old.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=2)
        )
    upload(client, ROWS[:2])
    with scope(cooperation=world.coop.pk):
        assert list(ImportJob.objects.values_list("pk", flat=True)) != [old.pk]
        assert ImportJob.objects.count() == 1
    assert not jobs.file_of(old).exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has one writer: no progress mid-import"
)
@pytest.mark.django_db(transaction=True)
def test_the_progress_is_read_from_another_connection_while_the_import_runs(world, monkeypatch):
    """What the page's poll sees: the rows done, committed while the import's own transaction
    is still open."""
    monkeypatch.setattr(running, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(jobs._Progress, "EVERY_SECONDS", 0)
    with scope(cooperation=world.coop.pk):
        job = ImportJob.objects.create(
            cooperation=world.coop,
            user=world.director,
            kind="people",
            filename="x.csv",
            background=True,
            status="importing",
            rows_total=3,
        )
    jobs.file_of(job).write_bytes(csv_bytes(ROWS))
    seen = []
    write = jobs._Progress.__call__

    def watched(self, done, total):
        write(self, done, total)
        reader = connections.create_connection("default")
        try:
            with reader.cursor() as cursor:
                cursor.execute("SELECT rows_done FROM imports_importjob WHERE id = %s", [job.pk])
                seen.append(cursor.fetchone()[0])
                cursor.execute("SELECT count(*) FROM people_person")
                seen.append(("people", cursor.fetchone()[0]))
        finally:
            reader.close()

    monkeypatch.setattr(jobs._Progress, "__call__", watched)

    def worker():  # as a worker would: its own thread, its own connections
        try:
            jobs.run_job(job.pk, dry_run=False)
        finally:
            connections.close_all()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [1, ("people", 0), 2, ("people", 0), 3, ("people", 0)]
    assert the_job(world).status == "done" and len(names(world)) == 3
