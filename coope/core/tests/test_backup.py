"""`coope backup` and `coope restore`, for real: the commands run as processes against scratch
databases of the configured engine (SQLite files, or PostgreSQL databases named after the
configured one), filled with the demo once per module. Each test starts from a copy of it.

- a round trip: every figure of both cooperations (the report's 2018, the cannery's season,
  this year) and every table's row count come back after the data was damaged, and
  `coope check` passes;
- a backup taken while another process records TIC-TAC transfers is consistent;
- a corrupted archive, a backup of a newer schema, a database in use: refused, nothing touched.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dj_database_url
import pytest
from django.conf import settings

from coope.core.backups import NAME_PATTERN, Manifest, sha256_of

ON_POSTGRESQL = "postgresql" in settings.DATABASES["default"]["ENGINE"]
COOPE = str(Path(sys.executable).with_name("coope"))
TIMEOUT = 600


@dataclass
class Scratch:
    """A scratch database: its DATABASE_URL, and its name (PostgreSQL) or file (SQLite)."""

    url: str
    name: str


def pg_settings() -> Any:
    return dj_database_url.parse(os.environ["DATABASE_URL"])


def pg_connect(dbname: str) -> Any:
    import psycopg

    db = pg_settings()
    return psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        dbname=dbname,
        autocommit=True,
    )


def pg_admin(statement: str) -> None:
    with pg_connect("postgres") as connection:
        connection.execute(statement)


def scratch(label: str, tmp: Path) -> Scratch:
    """A name for a new scratch database (not created)."""
    if ON_POSTGRESQL:
        db = pg_settings()
        name = f"{db['NAME']}_bk_{label}"
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return Scratch(f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{name}", name)
    path = tmp / f"{label}.sqlite3"
    return Scratch(f"sqlite:///{path}", str(path))


def drop(db: Scratch) -> None:
    if ON_POSTGRESQL:
        pg_admin(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')
    else:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(db.name + suffix).unlink(missing_ok=True)


def exists(db: Scratch) -> bool:
    if ON_POSTGRESQL:
        with pg_connect("postgres") as connection:
            found = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [db.name]
            ).fetchone()
        return found is not None
    return Path(db.name).exists()


def query(db: Scratch, statement: str) -> list[tuple]:
    """Run one SQL statement on a scratch database from this process, connection closed after."""
    if ON_POSTGRESQL:
        with pg_connect(db.name) as connection:
            cursor = connection.execute(statement)
            return cursor.fetchall() if cursor.description else []
    connection = sqlite3.connect(db.name, timeout=30)
    try:
        with connection:
            return connection.execute(statement).fetchall()
    finally:
        connection.close()


def table_counts(db: Scratch) -> dict[str, int]:
    """Every table's row count, read directly (cheap: for "nothing was touched")."""
    if ON_POSTGRESQL:
        names = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    else:
        names = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    return {
        name: query(db, f'SELECT count(*) FROM "{name}"')[0][0]  # noqa: S608 - our table names
        for (name,) in query(db, names)
    }


def coope(db: Scratch, *args: str, ok: bool = True, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": db.url}
    result = subprocess.run(  # noqa: S603
        [COOPE, *args], env=env, capture_output=True, text=True, timeout=TIMEOUT, **kwargs
    )
    if ok:
        assert result.returncode == 0, f"coope {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


FINGERPRINT = """
import datetime, json
from django.apps import apps
from django_scopes import scope, scopes_disabled
from coope.core.models import Cooperation
from coope.lib.indicators import as_json, compute_figures
from coope.lib.periods import Period

out = {"rows": {}, "figures": {}}
with scopes_disabled():
    for model in apps.get_models():
        out["rows"][model._meta.label] = model._default_manager.count()
    cooperations = list(Cooperation.objects.order_by("slug"))
year = datetime.date.today().year
periods = [
    (datetime.date(2018, 1, 1), datetime.date(2018, 12, 31)),
    (datetime.date(2017, 7, 1), datetime.date(2018, 12, 31)),
    (datetime.date(year, 1, 1), datetime.date(year, 12, 31)),
]
for cooperation in cooperations:
    with scope(cooperation=cooperation.pk):
        for start, end in periods:
            values = compute_figures(cooperation, Period(start, end))
            out["figures"][f"{cooperation.slug} {start} {end}"] = {
                key: as_json(value) for key, value in values.items()
            }
print("FINGERPRINT " + json.dumps(out, sort_keys=True))
"""


def fingerprint(db: Scratch) -> dict:
    """Every figure of every cooperation for three periods, and every table's row count."""
    out = coope(db, "shell", "-c", FINGERPRINT).stdout
    line = next(line for line in out.splitlines() if line.startswith("FINGERPRINT "))
    return json.loads(line.removeprefix("FINGERPRINT "))


def backup(db: Scratch, directory: Path, *args: str) -> Path:
    out = coope(db, "backup", "--dir", str(directory), *args).stdout
    written = [line for line in out.splitlines() if line.startswith("Sauvegarde écrite : ")]
    assert len(written) == 1, out
    return Path(written[0].removeprefix("Sauvegarde écrite : ").split(" (")[0])


@pytest.fixture(scope="module")
def golden(tmp_path_factory):
    """The demo in a scratch database, built once for the module (measured in the report)."""
    tmp = tmp_path_factory.mktemp("backup-golden")
    db = scratch(f"golden_{uuid.uuid4().hex[:8]}", tmp)
    if ON_POSTGRESQL:
        pg_admin(f'CREATE DATABASE "{db.name}"')
    try:
        coope(db, "migrate", "--noinput", "-v0")
        coope(db, "demo")
        yield db
    finally:
        drop(db)


@pytest.fixture
def fresh(golden, tmp_path):
    """A copy of the demo database, for one test."""
    db = scratch(f"t_{uuid.uuid4().hex[:8]}", tmp_path)
    if ON_POSTGRESQL:
        pg_admin(f'CREATE DATABASE "{db.name}" TEMPLATE "{golden.name}"')
    else:
        shutil.copyfile(golden.name, db.name)
    try:
        yield db
    finally:
        drop(db)


@pytest.fixture
def target(tmp_path):
    """The name of an empty scratch database to restore into (dropped afterwards)."""
    db = scratch(f"into_{uuid.uuid4().hex[:8]}", tmp_path)
    try:
        yield db
    finally:
        drop(db)


@pytest.fixture(scope="module")
def archive(golden, tmp_path_factory):
    """A backup of the demo, shared by the tests that only refuse it or restore it."""
    return backup(golden, tmp_path_factory.mktemp("backup-archive") / "sauvegardes")


DAMAGE = (
    "DELETE FROM people_receptionvisit",
    "DELETE FROM volunteering_volunteerhours",
    "DELETE FROM activities_attendance",
)


def test_a_round_trip_brings_back_every_figure_and_row_and_check_passes(fresh, tmp_path):
    before = fingerprint(fresh)
    romans_2018 = before["figures"]["romans 2018-01-01 2018-12-31"]
    assert sum(1 for value in romans_2018.values() if value) > 10, "the demo's figures are there"
    directory = tmp_path / "sauvegardes"

    archive = backup(fresh, directory)

    engine = "postgresql" if ON_POSTGRESQL else "sqlite"
    assert NAME_PATTERN.match(archive.name) and archive.name.endswith(f".{engine}.backup")
    assert archive.parent == directory
    assert directory.stat().st_mode & 0o777 == 0o700
    manifest_path = archive.with_name(archive.name + ".json")
    for path in (archive, manifest_path):
        assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in directory.iterdir()) == [archive.name, manifest_path.name]
    manifest = Manifest.from_json(manifest_path.read_text())
    assert manifest.engine == engine and manifest.file == archive.name
    assert (manifest.size, manifest.sha256) == (archive.stat().st_size, sha256_of(archive))
    applied = query(fresh, "SELECT app, name FROM django_migrations ORDER BY id")
    assert manifest.migrations == dict(applied)

    # The data is damaged after the backup.
    for statement in DAMAGE:
        query(fresh, statement)
    damaged = table_counts(fresh)
    assert damaged["people_receptionvisit"] == 0 != before["rows"]["people.ReceptionVisit"]

    # Without --force, a database that holds data is not overwritten.
    refused = coope(fresh, "restore", str(archive), ok=False)
    assert refused.returncode == 1
    assert "contient déjà" in refused.stderr and "--force" in refused.stderr
    assert table_counts(fresh) == damaged

    restored = coope(fresh, "restore", str(archive), "--force", "--dir", str(tmp_path / "avant"))
    assert "restaurée" in restored.stdout and "coope check" in restored.stdout
    # The damaged database was saved first, as a backup of its own.
    assert "La base remplacée a d'abord été sauvegardée" in restored.stdout
    assert len([p for p in (tmp_path / "avant").iterdir() if p.name.endswith(".backup")]) == 1

    after = fingerprint(fresh)
    assert after["figures"] == before["figures"]
    assert after["rows"] == before["rows"]
    checked = coope(fresh, "check")
    assert "Toutes les vérifications des données sont passées." in checked.stdout


def test_a_corrupted_archive_is_refused_and_nothing_is_touched(archive, fresh, target, tmp_path):
    corrupted = tmp_path / archive.name
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit
    corrupted.write_bytes(bytes(data))
    shutil.copyfile(f"{archive}.json", f"{corrupted}.json")
    before = table_counts(fresh)
    sqlite_file = sha256_of(Path(fresh.name)) if not ON_POSTGRESQL else None

    for args in (["--force"], ["--into-empty", target.name]):
        refused = coope(
            fresh, "restore", str(corrupted), *args, "--dir", str(tmp_path / "avant"), ok=False
        )
        assert refused.returncode == 1
        assert "altérée" in refused.stderr and "Rien n'a été restauré" in refused.stderr
        assert "Traceback" not in refused.stderr
    assert not exists(target)
    assert not (tmp_path / "avant").exists()  # no safety copy either: refused before
    assert table_counts(fresh) == before
    if sqlite_file:
        assert sha256_of(Path(fresh.name)) == sqlite_file  # not a byte changed

    # A missing manifest is refused too.
    Path(f"{corrupted}.json").unlink()
    shutil.copyfile(archive, corrupted)
    refused = coope(fresh, "restore", str(corrupted), "--force", ok=False)
    assert refused.returncode == 1 and "manifeste" in refused.stderr


def test_a_backup_of_a_newer_schema_is_refused_an_older_one_asks_for_migrate(
    fresh, target, tmp_path
):
    # A database one app behind the code (its migration forgotten).
    query(fresh, "DELETE FROM django_migrations WHERE app = 'sessions'")
    older = backup(fresh, tmp_path / "sauvegardes")
    manifest_path = Path(f"{older}.json")
    manifest = json.loads(manifest_path.read_text())
    assert "sessions" not in manifest["migrations"]

    newer = {**manifest, "migrations": {**manifest["migrations"], "core": "9999_from_the_future"}}
    manifest_path.write_text(json.dumps(newer))
    refused = coope(fresh, "restore", str(older), "--into-empty", target.name, ok=False)
    assert refused.returncode == 1
    assert "schéma plus récent" in refused.stderr and "core 9999_from_the_future" in refused.stderr
    assert not exists(target)

    manifest_path.write_text(json.dumps(manifest))
    restored = coope(fresh, "restore", str(older), "--into-empty", target.name)
    assert "schéma plus ancien" in restored.stdout and "coope migrate" in restored.stdout
    assert "sessions (aucune)" in restored.stdout
    assert f"« DATABASE_URL={target.url} coope migrate »" in restored.stdout
    assert exists(target) and table_counts(target) == table_counts(fresh)


def test_a_database_in_use_is_not_replaced(archive, fresh, tmp_path):
    before = table_counts(fresh)
    if ON_POSTGRESQL:
        holder_code = (
            "import psycopg, sys, time\n"
            "c = psycopg.connect(sys.argv[1]); c.execute('SELECT 1'); print('open', flush=True)\n"
            "time.sleep(120)\n"
        )
        held = fresh.url
    else:
        holder_code = (
            "import sqlite3, sys, time\n"
            "c = sqlite3.connect(sys.argv[1]); c.execute('SELECT 1').fetchall()\n"
            "print('open', flush=True); time.sleep(120)\n"
        )
        held = fresh.name
    holder = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", holder_code, held], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        refused = coope(
            fresh, "restore", str(archive), "--force", "--dir", str(tmp_path / "avant"), ok=False
        )
        assert refused.returncode == 1
        assert "arrêtez Coopé" in refused.stderr
        if ON_POSTGRESQL:
            assert "1 autre(s) connexion(s) ouverte(s)" in refused.stderr
        else:
            assert f"ouverte par d'autres processus ({holder.pid})" in refused.stderr
    finally:
        holder.kill()
        holder.wait()
    assert table_counts(fresh) == before
    assert not (tmp_path / "avant").exists()


def test_a_postgresql_restore_that_fails_changes_nothing(tmp_path):
    """A restore that fails half-way (here: a view someone added on a table it must replace)
    leaves the database as it was: the restore is one transaction. A small schema is enough."""
    if not ON_POSTGRESQL:
        pytest.skip("PostgreSQL's restore in one transaction (SQLite: an atomic rename)")
    db = scratch(f"small_{uuid.uuid4().hex[:8]}", tmp_path)
    pg_admin(f'CREATE DATABASE "{db.name}"')
    try:
        for statement in (
            "CREATE TABLE django_migrations (id serial PRIMARY KEY, app text, name text)",
            "INSERT INTO django_migrations (app, name) VALUES ('core', '0001_initial')",
            "CREATE TABLE t1 (id int PRIMARY KEY)",
            "INSERT INTO t1 VALUES (1), (2)",
        ):
            query(db, statement)
        archive = backup(db, tmp_path / "sauvegardes")
        for statement in (
            "CREATE TABLE extra (id int REFERENCES t1 (id))",
            "INSERT INTO t1 VALUES (3)",
            "INSERT INTO extra VALUES (3)",
            "CREATE VIEW v1 AS SELECT * FROM t1",
        ):
            query(db, statement)
        before = table_counts(db)

        refused = coope(db, "restore", str(archive), "--force", "--dir", str(tmp_path), ok=False)
        assert refused.returncode == 1
        assert "a échoué et a été annulée" in refused.stderr and "--into-empty" in refused.stderr
        assert table_counts(db) == before == {"django_migrations": 1, "t1": 3, "extra": 1}

        # Without the view, the tables the archive does not hold are dropped in the same
        # transaction, and the archive's come back.
        query(db, "DROP VIEW v1")
        coope(db, "restore", str(archive), "--force", "--dir", str(tmp_path))
        assert table_counts(db) == {"django_migrations": 1, "t1": 2}
    finally:
        drop(db)


WRITER = """
import itertools, os, sys, time
from django.core.exceptions import ValidationError
from django_scopes import scope
from coope.core.models import Cooperation
from coope.timebank import services
from coope.timebank.models import Account, Transfer

stop, ready = os.environ["WRITER_STOP"], os.environ["WRITER_READY"]
romans = Cooperation.objects.get(slug="romans")
written = refused = 0
with scope(cooperation=romans.pk):
    accounts = list(Account.objects.filter(kind="member", closed_at__isnull=True)[:6])
    deadline = time.monotonic() + 300
    for n in itertools.count():
        if os.path.exists(stop) or time.monotonic() > deadline:
            break
        payer, payee = accounts[n % 6], accounts[(n + 1 + n // 6) % 6]
        if payer == payee:
            continue
        try:
            services.transfer_time(
                actor=None, payer=payer, payee=payee, minutes=1 + n % 7,
                idempotency_key=f"writer-{os.getpid()}-{n}",
            )
            written += 1
        except ValidationError:
            refused += 1
        if written == 20:
            open(ready, "w").close()
    total = Transfer.objects.count()
print(f"WRITER {written} {refused} {total}")
"""


def transfers(db: Scratch) -> int:
    return query(db, "SELECT count(*) FROM timebank_transfer")[0][0]


def test_a_backup_taken_while_transfers_are_recorded_is_consistent(fresh, target, tmp_path):
    at_start = transfers(fresh)
    stop, ready = tmp_path / "stop", tmp_path / "ready"
    writer = subprocess.Popen(  # noqa: S603
        [COOPE, "shell", "-c", WRITER],
        env={
            **os.environ,
            "DATABASE_URL": fresh.url,
            "WRITER_STOP": str(stop),
            "WRITER_READY": str(ready),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 300
        while not ready.exists():
            assert writer.poll() is None, writer.communicate()
            assert time.monotonic() < deadline, "the writer never started"
            time.sleep(0.2)
        archive = backup(fresh, tmp_path / "sauvegardes")
        assert writer.poll() is None, "the writer was still writing after the backup"
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=TIMEOUT)
    assert writer.returncode == 0, err
    written, _refused, total = map(int, out.split("WRITER ")[1].split())
    assert written > 20 and total == at_start + written

    coope(fresh, "restore", str(archive), "--into-empty", target.name)
    checked = coope(target, "check", ok=False)
    assert checked.returncode == 0, f"{checked.stdout}\n{checked.stderr}"
    # The backup caught the writer in the middle of its work.
    assert at_start + 20 <= transfers(target) < total
