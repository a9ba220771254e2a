"""A worker killed during a task (kill -9): its task stays RUNNING in django_tasks_db's table and
its import job « importing ». The next worker to start (or to beat) fails both, the job with a
notice and without its file; /sante/ says « stuck » until then; « Annuler » works on such a job.
"""

import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.tasks import task
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from django_tasks_db.models import DBTaskResult

from coope.core.models import WorkerHeartbeat
from coope.core.tests.test_production import COOPE, ROOT, beat, clean_env, health
from coope.core.worker_recovery import recover_dead_tasks
from coope.imports import jobs
from coope.imports.models import ImportJob

pytestmark = pytest.mark.django_db(transaction=True)

INTERRUPTED = (
    "Le traitement a été interrompu (le service a redémarré) : rien n'a été importé. "
    "Recommencez l'import."
)


@pytest.fixture
def worker_backend(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.COOPE_IMPORT_DIR = tmp_path


@pytest.fixture
def one_beat(monkeypatch):
    """The worker's thread beats once an hour here (SQLite's test database and threads)."""
    from coope.core.management.commands import worker

    monkeypatch.setattr(worker, "HEARTBEAT_EVERY", timedelta(hours=1))


def importing_job_of_a_dead_worker(world, worker_id: str = "dead") -> tuple[ImportJob, Path]:
    """An import job « importing », its file kept, its task claimed by `worker_id`, which beats
    no more: what a worker killed during the import leaves."""
    with scopes_disabled():
        job = ImportJob.objects.create(
            cooperation=world.coop,
            user=world.director,
            kind="people",
            filename="personnes.csv",
            status=ImportJob.Status.IMPORTING,
            background=True,
            rows_total=3,
        )
    jobs.keep_upload(job, b"prenom;nom\nAlice;Martin\n")
    jobs.run_import_job.enqueue(job.pk)
    DBTaskResult.objects.get().claim(worker_id)
    return job, jobs.file_of(job)


def test_a_new_worker_fails_the_task_and_the_import_of_a_killed_worker(
    world, client, worker_backend, one_beat
):
    job, upload = importing_job_of_a_dead_worker(world)
    beat(seconds_ago=60, worker_id="dead")  # it beat, then was killed
    beat(worker_id="live")  # another worker beats
    status, answer = health(client)
    assert (status, answer["worker"], answer["tasks_stuck"]) == (503, "stuck", 1)

    call_command(
        "worker", batch=True, reload=False, startup_delay=False, worker_id="new", verbosity=0
    )

    result = DBTaskResult.objects.get()
    assert result.status == "FAILED" and result.finished_at is not None
    assert result.exception_class_path == "coope.core.worker_recovery.WorkerDied"
    assert result.task_result.errors[0].traceback  # django_tasks_db's own failure, readable
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.finished_at is not None
    assert job.notice == INTERRUPTED
    assert not upload.exists()
    status, answer = health(client)
    assert (status, answer["worker"], answer["tasks_stuck"]) == (200, "ok", 0)
    page = client_page(client, world, job)
    assert INTERRUPTED.replace("'", "&#x27;") in page


def client_page(client, world, job) -> str:
    client.force_login(world.director)
    return client.get(reverse("data:import_job", args=[job.token])).text


def test_the_task_of_a_live_worker_is_left_alone(world, client, worker_backend):
    job, upload = importing_job_of_a_dead_worker(world, worker_id="busy")
    beat(worker_id="busy")
    assert recover_dead_tasks() == 0
    assert DBTaskResult.objects.get().status == "RUNNING"
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTING and upload.exists()
    assert health(client)[0] == 200
    # The page of the job says it goes on, and « Annuler » does not stop a live import.
    assert "Import en cours" in client_page(client, world, job)
    client.post(reverse("data:import_cancel", args=[job.token]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTING and upload.exists()


def test_a_worker_gone_without_any_row_is_dead_too_and_its_own_tasks_are_not(world, worker_backend):
    importing_job_of_a_dead_worker(world, worker_id="me")
    assert recover_dead_tasks(alive="me") == 0  # the worker calling it: alive
    assert DBTaskResult.objects.get().status == "RUNNING"
    assert recover_dead_tasks() == 1  # no heartbeat row at all
    assert recover_dead_tasks() == 0  # once
    assert DBTaskResult.objects.get().status == "FAILED"


def test_cancel_works_on_an_import_whose_worker_died(world, client, worker_backend):
    job, upload = importing_job_of_a_dead_worker(world)
    beat(seconds_ago=120, worker_id="dead")
    client.force_login(world.director)
    response = client.post(reverse("data:import_cancel", args=[job.token]))
    assert response.status_code == 302 and response["Location"] == reverse("data:import")
    with scopes_disabled():
        assert not ImportJob.objects.filter(pk=job.pk).exists()
    assert not upload.exists()
    assert DBTaskResult.objects.get().status == "FAILED"


# -- a real worker killed with SIGKILL (PostgreSQL: a second process shares the database) --------


@task
def slow(path: str) -> None:
    """A task that starts, says so, and takes a minute: the worker is killed meanwhile."""
    Path(path).write_text("started")
    time.sleep(60)


def start_worker(url: str) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 (the project's own command)
        [COOPE, "worker", "--no-reload", "--no-startup-delay", "--interval", "0.2"],
        cwd=ROOT,
        env=clean_env(DATABASE_URL=url, TASKS_BACKEND="django_tasks_db.DatabaseBackend"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_for(condition, worker: subprocess.Popen, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds  # Django starts in the process: slow on a busy box
    while not condition():
        if worker.poll() is not None:
            pytest.fail(f"the worker stopped: {worker.communicate()[0].decode()}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not in {seconds} s")
        time.sleep(0.2)


@pytest.mark.postgres
def test_a_worker_killed_during_a_task_is_recovered_by_the_next_one(
    client, worker_backend, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.skip("a second process shares the test database on PostgreSQL only")
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    started = tmp_path / "started"
    slow.enqueue(str(started))
    first = start_worker(url)
    try:
        wait_for(started.exists, first, "the first worker did not start the task")
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
    result = DBTaskResult.objects.get()
    assert result.status == "RUNNING"
    dead = result.worker_ids[-1]
    # The killed worker's row stays; 30 seconds pass without its beat.
    WorkerHeartbeat.objects.filter(worker_id=dead).update(
        seen_at=timezone.now() - timedelta(minutes=1)
    )
    assert health(client)[1]["worker"] == "absent"  # no worker alive: start one

    second = start_worker(url)
    try:
        wait_for(
            lambda: DBTaskResult.objects.get().status == "FAILED",
            second,
            "the new worker did not fail the dead worker's task",
        )
        wait_for(
            lambda: WorkerHeartbeat.objects.exclude(worker_id=dead).exists(),
            second,
            "the new worker did not beat",
        )
        status, answer = health(client)
        assert (status, answer["worker"], answer["tasks_stuck"]) == (200, "ok", 0)
    finally:
        second.send_signal(signal.SIGTERM)
        output = second.communicate(timeout=30)[0].decode()
    assert second.returncode == 0, output
