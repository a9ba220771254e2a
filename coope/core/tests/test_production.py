"""Production: the settings refuse what must not run, the health page (/sante/) tells the truth
about the database and the worker, and `coope worker` runs the imports' tasks and beats.

`make prod-check` (deploy/prod-check.sh) runs the whole setup (gunicorn, the worker, PostgreSQL)
and a smoke test through it; these are the fast parts, on both databases.
"""

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.tasks import task
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from django_tasks_db.models import DBTaskResult

from coope.core.management.commands import worker as worker_command
from coope.core.models import WorkerHeartbeat
from coope.imports.models import ImportJob
from coope.people.models import Person

ROOT = Path(__file__).resolve().parents[3]
COOPE = ROOT / ".venv" / "bin" / "coope"
DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
OUTSIDE = ("SECRET_KEY", "ENCRYPTION_KEY", "DEBUG", "COOPE_ENV", "DATABASE_URL", "TASKS_BACKEND")


def clean_env(**env: str) -> dict:
    kept = {k: v for k, v in os.environ.items() if k not in OUTSIDE}
    return kept | {"DJANGO_SETTINGS_MODULE": "coope.settings", **env}


def production(**env: str) -> dict:
    good = {
        "COOPE_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ENCRYPTION_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "coope.example.org",
    }
    return {k: v for k, v in (good | env).items() if v is not None}


def start_settings(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import coope.settings as s; print(s.DEBUG)"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(**env),
    )


# -- the settings refuse to start ---------------------------------------------------------------


def test_production_starts_with_real_keys_and_debug_off():
    result = start_settings(production())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"DEBUG": "1"}, "DEBUG must be off"),
        ({"DEBUG": "true"}, "DEBUG must be off"),
        ({"SECRET_KEY": None}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "changeme"}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": secrets.token_urlsafe(30)}, "SECRET_KEY must be set"),  # 40 characters
        ({"SECRET_KEY": "x" * 64}, "SECRET_KEY must be set"),  # long, but not random
        # Django's startproject key, whatever follows its prefix.
        ({"SECRET_KEY": "django-insecure-" + secrets.token_urlsafe(50)}, "SECRET_KEY must be set"),
        (
            {"SECRET_KEY": "coope-development-only-key-never-use-in-production"},
            "SECRET_KEY must be set",
        ),
        ({"ENCRYPTION_KEY": None}, "ENCRYPTION_KEY must be set"),
        ({"ENCRYPTION_KEY": secrets.token_urlsafe(16)}, "ENCRYPTION_KEY must be set"),
        # A rotation list: every key must be long, the old ones too.
        (
            {"ENCRYPTION_KEY": secrets.token_urlsafe(32) + ",short"},
            "ENCRYPTION_KEY must be set",
        ),
    ],
)
def test_production_refuses_to_start(env, said):
    result = start_settings(production(**env))
    assert result.returncode != 0
    assert said in result.stderr
    for value in env.values():  # the refused key is not printed in the log
        if value and len(value) > 8:
            assert value not in result.stderr


# -- /sante/ ------------------------------------------------------------------------------------


@pytest.fixture
def worker_backend(settings):
    settings.TASKS = DB_BACKEND


@pytest.fixture
def one_beat(monkeypatch):
    """`coope worker` in the test's process writes its first beat only: SQLite's in-memory test
    database locks whole tables between threads. The beats of the thread are tested in a
    process of its own, on PostgreSQL."""
    monkeypatch.setattr(worker_command, "HEARTBEAT_EVERY", timedelta(hours=1))


def beat(seconds_ago: float = 0, worker_id: str = "w1") -> WorkerHeartbeat:
    now = timezone.now() - timedelta(seconds=seconds_ago)
    return WorkerHeartbeat.objects.create(
        worker_id=worker_id, hostname="web1", pid=123, started_at=now, seen_at=now
    )


@task
def noted(path: str) -> None:
    """A task for the worker's tests: writes a file."""
    Path(path).write_text("ran")


@task
def count_heartbeats(path: str) -> None:
    """A task for the worker's tests: writes how many workers beat while it runs."""
    Path(path).write_text(str(WorkerHeartbeat.objects.count()))


def health(client) -> tuple[int, dict]:
    response = client.get("/sante/")
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    return response.status_code, json.loads(response.content)


@pytest.mark.django_db
def test_health_without_a_worker_backend_needs_no_worker(client):
    # Development and tests: the tasks run in the request.
    assert health(client) == (200, {"database": "ok", "worker": "inline"})


@pytest.mark.django_db
def test_health_says_503_when_no_worker_beats(client, worker_backend):
    status, answer = health(client)
    assert status == 503
    assert answer["database"] == "ok" and answer["worker"] == "absent"


@pytest.mark.django_db
def test_health_is_200_while_a_worker_beats(client, worker_backend):
    beat(seconds_ago=3)
    status, answer = health(client)
    assert (status, answer["worker"], answer["workers"]) == (200, "ok", 1)
    assert answer["tasks_waiting"] == 0


@pytest.mark.django_db
def test_health_says_absent_when_the_last_beat_is_old(client, worker_backend):
    beat(seconds_ago=45)  # killed: it stopped beating without removing its row
    status, answer = health(client)
    assert (status, answer["worker"], answer["workers"]) == (503, "absent", 0)


@pytest.mark.django_db
def test_health_says_late_when_a_task_waits_too_long(client, worker_backend, tmp_path):
    beat()
    result = noted.enqueue(str(tmp_path / "x"))
    status, answer = health(client)
    assert (status, answer["worker"], answer["tasks_waiting"]) == (200, "ok", 1)

    DBTaskResult.objects.filter(pk=result.id).update(
        enqueued_at=timezone.now() - timedelta(minutes=11)
    )
    status, answer = health(client)
    assert (status, answer["worker"]) == (503, "late")
    assert answer["oldest_waiting_seconds"] >= 660

    # A task asked to run later is not waiting.
    DBTaskResult.objects.filter(pk=result.id).update(run_after=timezone.now() + timedelta(hours=1))
    assert health(client)[1]["worker"] == "ok"


@pytest.mark.django_db
def test_health_needs_no_login_and_only_reads(client, worker_backend):
    beat()
    assert client.get("/sante/").status_code == 200  # anonymous
    assert client.post("/sante/").status_code == 405
    assert client.head("/sante/").status_code == 200


def test_health_says_503_when_the_database_does_not_answer():
    """A real refused connection (nothing listens on port 1), in a process of its own: 503, the
    JSON says so, and no traceback goes to the visitor."""
    code = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/sante/')\n"
        "print(r.status_code); print(r.content.decode())\n"
    )
    result = subprocess.run(  # noqa: S603 (our own code)
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(DATABASE_URL="postgres://coope@127.0.0.1:1/nowhere"),
    )
    status, body = result.stdout.strip().splitlines()
    assert status == "503"
    assert json.loads(body) == {"database": "error", "worker": "unknown"}
    assert "Traceback" not in result.stdout


# -- coope worker -------------------------------------------------------------------------------


def hidden_fields(html: str) -> dict:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


@pytest.mark.django_db(transaction=True)
def test_a_long_import_is_checked_and_imported_by_the_worker(
    world, client_as, settings, worker_backend, one_beat, tmp_path
):
    settings.COOPE_IMPORT_BACKGROUND_ROWS = 2
    settings.COOPE_IMPORT_DIR = tmp_path
    client = client_as(world.director)
    page = client.get("/donnees/importer/").content.decode()
    rows = "prenom;nom;date_naissance\nAlice;Martin;01/02/1980\nBenoît;Durand;03/04/1975\n"
    rows += "Chloé;Petit;05/06/1990\n"
    response = client.post(
        "/donnees/importer/",
        {
            **hidden_fields(page),
            "kind": "people",
            "file": SimpleUploadedFile("personnes.csv", rows.encode()),
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        job = ImportJob.objects.get()
    assert job.background and job.status == ImportJob.Status.CHECKING
    assert health(client)[1]["tasks_waiting"] == 1  # nothing ran in the request

    call_command(
        "worker",
        batch=True,
        reload=False,
        startup_delay=False,
        worker_id="test-worker",
        verbosity=0,
    )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.READY

    page = client.get(response["Location"]).content.decode()
    assert client.post(f"{response['Location']}confirmer/", {"mode": "all"}).status_code == 302
    call_command(
        "worker",
        batch=True,
        reload=False,
        startup_delay=False,
        worker_id="test-worker",
        verbosity=0,
    )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    with scope(cooperation=world.coop.pk):
        assert Person.objects.filter(last_name__in=["Martin", "Durand", "Petit"]).count() == 3
    tasks = DBTaskResult.objects.order_by("enqueued_at")
    assert [t.task_path.rsplit(".", 1)[1] for t in tasks] == ["check_import", "run_import_job"]
    assert all(t.status == "SUCCESSFUL" and t.worker_ids == ["test-worker"] for t in tasks)
    assert not WorkerHeartbeat.objects.exists()  # a worker that stopped removed its beat


@pytest.mark.django_db(transaction=True)
def test_the_worker_beats_while_it_runs_and_forgets_its_beat_when_it_stops(
    worker_backend, one_beat, tmp_path
):
    WorkerHeartbeat.objects.create(  # a worker killed two days ago: forgotten at the next start
        worker_id="old",
        hostname="web1",
        pid=1,
        started_at=timezone.now() - timedelta(days=2),
        seen_at=timezone.now() - timedelta(days=2),
    )
    count_heartbeats.enqueue(str(tmp_path / "seen"))
    call_command(
        "worker", batch=True, reload=False, startup_delay=False, worker_id="w", verbosity=0
    )
    assert (tmp_path / "seen").read_text() == "1"
    assert not WorkerHeartbeat.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_running_worker_beats_and_its_stop_is_seen(client, worker_backend, tmp_path):
    """`coope worker` as production runs it, in a process of its own on the test database: it
    runs a task, /sante/ says ok while it runs; SIGTERM stops it and /sante/ says absent."""
    if connection.vendor != "postgresql":
        pytest.skip("a second process shares the test database on PostgreSQL only")
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    noted.enqueue(str(tmp_path / "ran"))
    worker = subprocess.Popen(  # noqa: S603 (the project's own command)
        [COOPE, "worker", "--no-reload", "--no-startup-delay", "--interval", "0.2"],
        cwd=ROOT,
        env=clean_env(DATABASE_URL=url, TASKS_BACKEND="django_tasks_db.DatabaseBackend"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120  # Django starts in the process: slow on a busy machine
        while not (tmp_path / "ran").exists() and time.monotonic() < deadline:
            if worker.poll() is not None:
                pytest.fail(f"the worker stopped: {worker.communicate()[0].decode()}")
            time.sleep(0.2)
        assert (tmp_path / "ran").exists(), "the worker did not run the task in 2 minutes"
        first = WorkerHeartbeat.objects.get().seen_at
        deadline = time.monotonic() + 30  # it beats every 5 seconds, from its thread
        while WorkerHeartbeat.objects.get().seen_at == first and time.monotonic() < deadline:
            time.sleep(0.5)
        assert WorkerHeartbeat.objects.get().seen_at > first
        status, answer = health(client)
        assert (status, answer["worker"], answer["workers"], answer["tasks_waiting"]) == (
            200,
            "ok",
            1,
            0,
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        output = worker.communicate(timeout=30)[0].decode()
    assert worker.returncode == 0, output
    assert health(client) == (503, {**answer, "worker": "absent", "workers": 0})
