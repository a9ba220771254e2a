"""The rules of coope/core/backups.py that need no database: names, retention, the schema and
pg_dump version comparisons, the SQLite copy of one moment (on real files)."""

import datetime
import os
import sqlite3
import threading
import time

import pytest

from coope.core.backups import (
    NAME_PATTERN,
    BackupError,
    Manifest,
    backup_name,
    backups_in,
    compare_schema,
    create_backup,
    dump_version_problem,
    human_size,
    last_per_app,
    prune,
    restore_backup,
)

UTC = datetime.UTC


def touch_backup(directory, stamp: str, engine: str = "sqlite"):
    path = directory / f"coope-{stamp}.{engine}.backup"
    path.write_bytes(b"x")
    path.with_name(path.name + ".json").write_text("{}")
    return path


def test_names_are_timestamps_and_never_collide(tmp_path):
    now = datetime.datetime(2026, 3, 29, 1, 30, 5, tzinfo=UTC)
    first = backup_name(tmp_path, "sqlite", now)
    assert first.name == "coope-20260329-013005.sqlite.backup"
    first.write_bytes(b"")
    second = backup_name(tmp_path, "sqlite", now)
    assert second.name == "coope-20260329-013005-2.sqlite.backup"
    assert NAME_PATTERN.match(first.name) and NAME_PATTERN.match(second.name)
    # Paris time is turned into UTC: no name repeats when the clocks go back.
    paris = datetime.timezone(datetime.timedelta(hours=2))
    assert backup_name(tmp_path, "postgresql", now.astimezone(paris)).name == (
        "coope-20260329-013005.postgresql.backup"
    )


def test_keep_removes_the_oldest_with_their_manifests_and_nothing_else(tmp_path):
    for day in range(1, 6):
        touch_backup(tmp_path, f"202611{day:02d}-020000")
    other = tmp_path / "notes.txt"
    other.write_text("à garder")
    removed = prune(tmp_path, keep=2)
    assert [p.name for p in removed] == [
        "coope-20261103-020000.sqlite.backup",
        "coope-20261102-020000.sqlite.backup",
        "coope-20261101-020000.sqlite.backup",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "coope-20261104-020000.sqlite.backup",
        "coope-20261104-020000.sqlite.backup.json",
        "coope-20261105-020000.sqlite.backup",
        "coope-20261105-020000.sqlite.backup.json",
        "notes.txt",
    ]


def test_keep_weekly_keeps_the_newest_of_each_recent_week(tmp_path):
    # Nightly backups over five weeks (Monday 2 November 2026 to Sunday 6 December).
    start = datetime.date(2026, 11, 2)
    for offset in range(35):
        touch_backup(tmp_path, (start + datetime.timedelta(days=offset)).strftime("%Y%m%d-020000"))
    prune(tmp_path, keep=3, keep_weekly=4)
    kept = [taken.date().isoformat() for taken, _n, _p in backups_in(tmp_path)]
    # The last 3 nights, and the last backup of each of the 4 most recent weeks.
    assert kept == [
        "2026-12-06",
        "2026-12-05",
        "2026-12-04",
        "2026-11-29",
        "2026-11-22",
        "2026-11-15",
    ]


def test_the_schema_of_a_backup_against_the_code():
    known = {("core", "0001_initial"), ("core", "0002_more"), ("people", "0001_initial")}
    leaves = {"core": {"0002_more"}, "people": {"0001_initial"}}
    same = {"core": "0002_more", "people": "0001_initial"}
    assert compare_schema(same, known, leaves) == ([], [])
    newer, older = compare_schema({**same, "core": "0003_future"}, known, leaves)
    assert newer == ["core 0003_future"] and older == []
    newer, older = compare_schema({"core": "0001_initial"}, known, leaves)
    assert newer == []
    assert older == [
        "core 0001_initial au lieu de 0002_more",
        "people (aucune) au lieu de 0001_initial",
    ]
    assert (
        last_per_app([("core", "0001_initial"), ("people", "0001_initial"), ("core", "0002_more")])
        == same
    )


def test_pg_dump_must_be_at_least_the_server_s_version():
    refusal, note = dump_version_problem(15, 16)
    assert note is None
    assert refusal and "pg_dump 15" in refusal and "postgresql-client-16" in refusal
    refusal, note = dump_version_problem(17, 15)
    assert refusal is None and note and "pg_restore 17" in note
    assert dump_version_problem(15, 15) == (None, None)


def test_sizes_read_in_french():
    assert human_size(512) == "512 o"
    assert human_size(5_111_808) == "4,9 Mo"


def test_a_manifest_reads_back_and_refuses_what_is_not_one():
    manifest = Manifest(
        engine="sqlite",
        file="coope-20261201-020000.sqlite.backup",
        size=3,
        sha256="ab",
        created_at="2026-12-01T02:00:00+00:00",
        migrations={"core": "0001_initial"},
    )
    assert Manifest.from_json(manifest.to_json()) == manifest
    for bad in ("[]", '{"engine": "sqlite"}', "pas du json"):
        with pytest.raises((ValueError, TypeError)):
            Manifest.from_json(bad)


def sqlite_database(path):
    connection = sqlite3.connect(path)
    connection.executescript(
        "CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, app TEXT, name TEXT);"
        "INSERT INTO django_migrations (app, name) VALUES ('core', '0001_initial');"
        "CREATE TABLE account (id INTEGER PRIMARY KEY, balance INTEGER);"
        "CREATE TABLE entry (id INTEGER PRIMARY KEY, account INTEGER, amount INTEGER);"
        "INSERT INTO account VALUES (1, 0), (2, 0);"
    )
    connection.commit()
    connection.close()


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_a_sqlite_copy_is_of_one_moment_while_a_writer_runs(tmp_path, journal):
    """A writer moves amounts between two accounts, each move in one transaction (two entries,
    two balances); every copy taken meanwhile balances, and is a self-contained file."""
    source = tmp_path / "coope.sqlite3"
    sqlite_database(source)
    if journal == "wal":
        with sqlite3.connect(source) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
    stop, moves = threading.Event(), [0]

    def write():
        connection = sqlite3.connect(source, timeout=30, isolation_level=None)
        n = 0
        while not stop.is_set():
            n += 1
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO entry (account, amount) VALUES (1, ?)", [-n])
            connection.execute("UPDATE account SET balance = balance - ? WHERE id = 1", [n])
            for _ in range(50):  # a transaction that lasts
                connection.execute("SELECT count(*) FROM entry").fetchall()
            connection.execute("INSERT INTO entry (account, amount) VALUES (2, ?)", [n])
            connection.execute("UPDATE account SET balance = balance + ? WHERE id = 2", [n])
            connection.execute("COMMIT")
            moves[0] = n
        connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    database = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(source)}
    seen = []
    try:
        while moves[0] < 20:
            time.sleep(0.01)
        for _ in range(3):
            outcome = create_backup(database, tmp_path / "sauvegardes")
            assert outcome.path is not None and outcome.manifest is not None
            assert outcome.manifest.migrations == {"core": "0001_initial"}
            copy = sqlite3.connect(outcome.path)
            assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
            entries = dict(copy.execute("SELECT account, sum(amount) FROM entry GROUP BY account"))
            balances = dict(copy.execute("SELECT id, balance FROM account"))
            copy.close()
            assert entries == {1: balances[1], 2: balances[2]} and balances[1] == -balances[2]
            seen.append(balances[2])
    finally:
        stop.set()
        writer.join()
    assert len(set(seen)) > 1, "the copies were taken while the writer wrote"
    assert not [
        p
        for p in (tmp_path / "sauvegardes").iterdir()
        if not NAME_PATTERN.match(p.name.removesuffix(".json"))
    ]


def test_a_sqlite_restore_replaces_the_file_and_leaves_no_old_journal(tmp_path):
    source = tmp_path / "coope.sqlite3"
    sqlite_database(source)
    source.chmod(0o640)
    database = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(source)}
    outcome = create_backup(database, tmp_path / "sauvegardes")
    assert outcome.path is not None
    # The live database moves on, in WAL mode, and a stale journal file lies beside it.
    connection = sqlite3.connect(source)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("UPDATE account SET balance = 99")
    connection.commit()
    connection.close()
    with pytest.raises(BackupError, match="contient déjà"):
        restore_backup(outcome.path, database, safety_dir=tmp_path / "avant")
    restored = restore_backup(outcome.path, database, force=True, safety_dir=tmp_path / "avant")
    assert restored.safety is not None and restored.safety.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("coope.sqlite3")) == [
        "coope.sqlite3"
    ]
    assert os.stat(source).st_mode & 0o777 == 0o640  # the database keeps its rights
    with sqlite3.connect(source) as connection:
        assert connection.execute("SELECT balance FROM account").fetchall() == [(0,), (0,)]
    with sqlite3.connect(restored.safety) as connection:
        assert connection.execute("SELECT balance FROM account").fetchall() == [(99,), (99,)]
