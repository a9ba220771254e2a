"""The planner gets statistics after what changes a database's size: on SQLite after migrations,
the demo and a kept import; on PostgreSQL (autovacuum gathers the rest) after the demo and a
large import."""

import io

import pytest
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django_scopes import scope

from coope.imports.tests.test_workbook import import_workbook, workbook_of
from coope.lib.db_statistics import refresh_statistics
from coope.people import services as people

pytestmark = pytest.mark.django_db

on_sqlite = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="SQLite's statistics (PostgreSQL's autovacuum has its own)",
)


def statistics_of(table: str) -> list[tuple[str, str]]:
    """The rows of sqlite_stat1 for the table's indexes (none when never analysed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return []
        cursor.execute("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = %s", [table])
        return cursor.fetchall()


def forget_statistics() -> None:
    if connection.vendor != "sqlite":
        return  # PostgreSQL's statistics of a new test database: its tables were never analysed
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is not None:
            cursor.execute("DELETE FROM sqlite_stat1")


def add_people(world, count: int) -> None:
    with scope(cooperation=world.coop.pk):
        for index in range(count):
            people.create_person(
                actor=world.director,
                cooperation=world.coop,
                first_name=f"Prénom{index}",
                last_name=f"Nom{index}",
                home_house=world.house_a,
            )


@on_sqlite
def test_a_migrate_leaves_statistics_of_the_rows_there(world):
    add_people(world, 5)
    forget_statistics()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    stats = dict(statistics_of("people_person"))
    assert stats, "migrate gathered no statistics on people"
    # sqlite_stat1's first number is the table's row count as ANALYZE saw it.
    assert all(int(stat.split()[0]) >= 5 for stat in stats.values())


@on_sqlite
def test_a_kept_import_leaves_statistics_and_a_dry_run_does_not(world):
    content = workbook_of(
        {
            "Personnes": [
                ["prenom", "nom", "maison"],
                ["Awa", "Diallo", "A"],
                ["Karim", "Benali", "B"],
            ]
        }
    )
    forget_statistics()
    import_workbook(world, content, dry_run=True)
    assert statistics_of("people_person") == []
    report = import_workbook(world, content)
    assert report.written
    assert statistics_of("people_person")


def statistics_rows(table: str) -> int:
    """How many statistics the database keeps on the table (0: never analysed)."""
    if connection.vendor == "sqlite":
        return len(statistics_of(table))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_statistic WHERE starelid = %s::regclass", [table])
        return cursor.fetchone()[0]


def test_the_demo_leaves_statistics_on_both_databases():
    forget_statistics()
    call_command("demo", stdout=io.StringIO())
    assert statistics_rows("people_person")
    assert statistics_rows("membership_membership")


@pytest.mark.skipif(connection.vendor == "sqlite", reason="PostgreSQL only")
def test_postgresql_analyses_when_asked_only():
    assert refresh_statistics() is False
    assert refresh_statistics(postgresql=True) is True


@on_sqlite
def test_the_worker_gathers_statistics_again_every_hour(world):
    from coope.core.management.commands.worker import STATISTICS_EVERY, Heartbeat

    add_people(world, 3)
    forget_statistics()
    heartbeat = Heartbeat("statistics-test")
    heartbeat.tick()  # due at start
    assert statistics_of("people_person")
    forget_statistics()
    heartbeat.tick()  # not due again before an hour
    assert statistics_of("people_person") == []
    heartbeat.statistics_due -= STATISTICS_EVERY.total_seconds()
    heartbeat.tick()
    assert statistics_of("people_person")
