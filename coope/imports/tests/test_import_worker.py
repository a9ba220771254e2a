"""The import job with a real worker (django_tasks_db's database backend, as in production): the
request only stores the file and enqueues; the worker reads it, previews it once, imports it on
confirmation, and says how far it is; the uploaded file is private and goes when the job ends,
fails, or is left for a day. Runs on SQLite and on PostgreSQL (DATABASE_URL)."""

import datetime
import os
import stat

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from django_tasks_db.models import DBTaskResult

from coope.imports import jobs
from coope.imports.models import ImportJob
from coope.people.models import Person
from coope.people.tests.spreadsheet_files import csv_bytes, ods_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

ROWS = [
    ["prenom", "nom", "maison"],
    ["Awa", "Diallo", "A"],
    ["Karim", "Benali", "B"],
    ["Zoé", "Roux", "A"],
]
WORKER = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def private_uploads(settings, tmp_path):
    settings.COOPE_IMPORT_DIR = tmp_path / "imports"
    settings.COOPE_IMPORT_INLINE_BYTES = 50  # every file here is « big »: the worker reads it


def upload(client, content, name="personnes.csv", **data):
    file = SimpleUploadedFile(name, content)
    return client.post(reverse("data:import"), {"kind": "people", "file": file, **data})


def the_job(world) -> ImportJob:
    with scope(cooperation=world.coop.pk):
        return ImportJob.objects.get()


def names(world):
    with scope(cooperation=world.coop.pk):
        return sorted(Person.objects.values_list("first_name", flat=True))


def leftovers(settings) -> list:
    directory = settings.COOPE_IMPORT_DIR
    return list(directory.iterdir()) if directory.exists() else []


def work() -> None:
    """The worker process's loop, once over what is queued."""
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
@pytest.mark.parametrize(
    "maker,name", [(csv_bytes, "personnes.csv"), (xlsx_bytes, "p.xlsx"), (ods_bytes, "p.ods")]
)
def test_with_the_database_worker_the_request_only_enqueues_and_the_worker_does_the_rest(
    world, client_as, settings, django_capture_on_commit_callbacks, maker, name
):
    client = client_as(world.director)
    with override_settings(TASKS=WORKER):
        with django_capture_on_commit_callbacks(execute=True):
            response = upload(client, maker(ROWS), name)
        job = the_job(world)
        # Nothing was read in the request: the job waits for the worker, its rows not counted.
        assert (job.status, job.background, job.rows_total, job.preview) == (
            "checking",
            True,
            0,
            None,
        )
        assert DBTaskResult.objects.filter(status="READY").count() == 1
        page = client.get(response.url).text
        assert "Vérification du fichier" in page and "Lecture du fichier…" in page

        directory = settings.COOPE_IMPORT_DIR
        assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
        assert stat.S_IMODE(os.stat(jobs.file_of(job)).st_mode) == 0o600

        work()
        job = the_job(world)
        assert job.status == "ready" and job.rows_total == 3 and names(world) == []
        assert "3 nouvelles lignes, 0 déjà présente" in client.get(response.url).text

        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("data:import_confirm", args=[job.token]), {"mode": "all"})
        assert the_job(world).status == "importing" and names(world) == []
        work()
    job = the_job(world)
    assert job.status == "done" and (job.rows_done, job.rows_total) == (3, 3)
    assert names(world) == ["Awa", "Karim", "Zoé"]
    assert leftovers(settings) == []  # the upload went with the import


def test_the_confirmation_imports_without_running_the_preview_again(
    world, client_as, monkeypatch, django_capture_on_commit_callbacks
):
    """The preview is computed once, by the worker; the confirmation runs the import once."""
    client = client_as(world.director)
    runs = []
    real = jobs.run_workbook

    def counted(plan, **kwargs):
        runs.append(kwargs["dry_run"])
        return real(plan, **kwargs)

    monkeypatch.setattr(jobs, "run_workbook", counted)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, csv_bytes(ROWS))
    client.get(response.url)
    client.get(response.url)
    job = the_job(world)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("data:import_confirm", args=[job.token]), {"mode": "all"})
    client.get(response.url)
    assert runs == [True, False] and names(world) == ["Awa", "Karim", "Zoé"]


def test_a_damaged_file_fails_the_job_whole_and_its_file_goes(
    world, client_as, settings, django_capture_on_commit_callbacks
):
    """Found by the worker (a big file is not read in the request): the job fails with the
    reader's French message, nothing is written, the file is gone."""
    client = client_as(world.director)
    content = ods_bytes([*ROWS, *[[f"P{i}", "N", "A"] for i in range(200)]])
    # content.xml cut in the middle but the zip rebuilt around it: only the XML says so.
    from coope.imports.tests.test_hostile_files import cut_member

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, cut_member(content, "content.xml"), "p.ods")
    job = the_job(world)
    assert job.status == "failed" and "incomplet ou abîmé" in job.notice
    assert "incomplet ou abîmé" in client.get(response.url).text
    assert names(world) == [] and leftovers(settings) == []


def test_a_small_damaged_file_is_refused_on_the_form(world, client_as, settings):
    settings.COOPE_IMPORT_INLINE_BYTES = 10**6
    client = client_as(world.director)
    content = csv_bytes(ROWS).replace(b"Benali", b"Ben\x00ali")
    response = upload(client, content)
    assert response.status_code == 200 and "caractère nul" in response.text
    with scope(cooperation=world.coop.pk):
        assert not ImportJob.objects.exists()
    assert leftovers(settings) == []


def test_an_unsure_encoding_is_asked_on_the_form_and_the_answer_is_used(
    world, client_as, django_capture_on_commit_callbacks
):
    client = client_as(world.director)
    content = "prenom;nom;maison\r\nПётр;Иванов;A\r\n".encode("cp1251")
    response = upload(client, content)
    assert response.status_code == 200
    assert "ne reconnaît pas avec certitude l&#x27;encodage" in response.text
    assert "<details open>" in response.text  # the « Encodage » choice shows
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, content, encoding="cp1252")
    job = the_job(world)
    assert job.encoding == "cp1252" and job.status == "ready"
    assert "Latin-1 (Windows)" in client.get(response.url).text


def test_the_progress_of_a_running_import_is_read_by_the_page_on_sqlite_too(
    world, client_as, monkeypatch
):
    """SQLite lets one writer in (the import's transaction): the progress goes to a small
    private file the page reads; PostgreSQL writes it through a connection of its own."""
    client = client_as(world.director)
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
    jobs.keep_upload(job, csv_bytes(ROWS))
    seen = []
    monkeypatch.setattr(jobs._Progress, "EVERY_SECONDS", 0)
    monkeypatch.setattr("coope.imports.running.PROGRESS_EVERY", 1)
    url = reverse("data:import_job", args=[job.token])
    write = jobs._Progress.__call__

    def watched(self, done, total):
        write(self, done, total)
        if self.side is None:
            page = client.get(url + "?progres=1", headers={"HX-Request": "true"}).text
            seen.append(page.split("<strong>")[1].split("</strong>")[0])

    monkeypatch.setattr(jobs._Progress, "__call__", watched)
    jobs.run_job(job.pk, dry_run=False)
    if connection.vendor == "sqlite":
        assert seen == ["1 / 3 lignes", "2 / 3 lignes", "3 / 3 lignes"]
    assert the_job(world).status == "done"
    assert not jobs.progress_file_of(job).exists()


def test_jobs_and_files_left_for_a_day_are_forgotten_by_the_daily_command(
    world, client_as, settings, django_capture_on_commit_callbacks
):
    client = client_as(world.director)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, csv_bytes(ROWS))
    job = the_job(world)
    assert job.status == "ready" and jobs.file_of(job).exists()  # waiting for its confirmation
    stray = settings.COOPE_IMPORT_DIR / "deadbeef.upload"  # a worker killed mid-way
    stray.write_bytes(b"Awa;Diallo")
    call_command("forget_imports", verbosity=0)
    assert jobs.file_of(job).exists() and stray.exists()  # not a day old yet

    a_day_ago = timezone.now() - datetime.timedelta(days=1, minutes=1)
    with scopes_disabled():
        ImportJob.objects.filter(pk=job.pk).update(created_at=a_day_ago)
    os.utime(stray, (a_day_ago.timestamp(), a_day_ago.timestamp()))
    call_command("forget_imports", verbosity=0)
    with scopes_disabled():
        assert not ImportJob.objects.exists()
    assert leftovers(settings) == []


def test_a_cancelled_import_leaves_no_file(
    world, client_as, settings, django_capture_on_commit_callbacks
):
    client = client_as(world.director)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, csv_bytes(ROWS))
    job = the_job(world)
    client.post(reverse("data:import_cancel", args=[job.token]))
    assert leftovers(settings) == []
