"""SQLite's index for the front-desk search: an FTS5 table with the trigram tokenizer over
`people_person.search_name` (accent-free, lower case), kept in step by triggers.

The FTS table holds no copy of the names (external content: it reads `people_person`); the
triggers write its index on every insert, change of `search_name` and delete, whatever the path
(the ORM, `bulk_create`, `bulk_update`, `loaddata`, raw SQL). A backup copies the whole file.

PostgreSQL needs none of this: its trigram GIN index (migration 0002) serves `LIKE '%…%'`.

A later migration that makes SQLite rebuild `people_person` (Django copies the rows into a new
table, drops the old one and renames the new) drops the triggers with the old table; `ensure()`
puts them back and rebuilds the index if they were missing.
"""

from __future__ import annotations

from typing import Any

TABLE = "people_person_fts"
TRIGGERS = ("people_person_fts_insert", "people_person_fts_update", "people_person_fts_delete")
# SQLite 3.34 brought the trigram tokenizer.
MINIMUM_SQLITE = (3, 34, 0)

CREATE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS people_person_fts USING fts5("
    "search_name, content='people_person', content_rowid='id', tokenize='trigram')"
)
# An anonymised name must not stay in the index: FTS5 writes a deletion as a marker in a new
# segment and drops the old entries only when segments merge, so the change that anonymises a
# person also merges the whole index ('optimize', about half a second at 100,000 people).
UPDATE_TRIGGER = """CREATE TRIGGER IF NOT EXISTS people_person_fts_update
    AFTER UPDATE OF id, search_name, anonymised_at ON people_person
    WHEN old.search_name IS NOT new.search_name OR old.id IS NOT new.id
    BEGIN
        INSERT INTO people_person_fts(people_person_fts, rowid, search_name)
            VALUES ('delete', old.id, old.search_name);
        INSERT INTO people_person_fts(rowid, search_name) VALUES (new.id, new.search_name);
        INSERT INTO people_person_fts(people_person_fts)
            SELECT 'optimize' WHERE old.anonymised_at IS NULL AND new.anonymised_at IS NOT NULL;
    END"""
CREATE_TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS people_person_fts_insert AFTER INSERT ON people_person
    BEGIN
        INSERT INTO people_person_fts(rowid, search_name) VALUES (new.id, new.search_name);
    END""",
    UPDATE_TRIGGER,
    """CREATE TRIGGER IF NOT EXISTS people_person_fts_delete AFTER DELETE ON people_person
    BEGIN
        INSERT INTO people_person_fts(people_person_fts, rowid, search_name)
            VALUES ('delete', old.id, old.search_name);
    END""",
)
REBUILD = "INSERT INTO people_person_fts(people_person_fts) VALUES ('rebuild')"


def sqlite_version(cursor: Any) -> tuple[int, ...]:
    cursor.execute("SELECT sqlite_version()")
    return tuple(int(part) for part in cursor.fetchone()[0].split("."))


def install(cursor: Any) -> None:
    """Create the FTS table and its triggers, and index the people already there."""
    version = sqlite_version(cursor)
    if version < MINIMUM_SQLITE:
        raise RuntimeError(
            "La recherche de l'accueil demande SQLite 3.34 ou plus récent (tokenizer trigram) ; "
            f"cette machine a SQLite {'.'.join(map(str, version))}."
        )
    cursor.execute(CREATE_TABLE)
    for statement in CREATE_TRIGGERS:
        cursor.execute(statement)
    cursor.execute(REBUILD)


def uninstall(cursor: Any) -> None:
    for trigger in TRIGGERS:
        cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def missing(cursor: Any) -> list[str]:
    """The index's table and triggers that are not in the database."""
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') "
        "AND name IN (%s, %s, %s, %s)",
        [TABLE, *TRIGGERS],
    )
    present = {row[0] for row in cursor.fetchall()}
    return [name for name in (TABLE, *TRIGGERS) if name not in present]


def ensure(connection: Any) -> bool:
    """On SQLite, put back the table and triggers if some are missing (and rebuild the index).
    True when something was repaired. Meant to run after `migrate`."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'people_person'"
        )
        if cursor.fetchone() is None or not missing(cursor):
            return False
        install(cursor)
    return True
