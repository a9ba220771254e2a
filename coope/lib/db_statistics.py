"""Statistics for the databases' query planners, after what changes a database's size the most.

SQLite never gathers its own: with no `sqlite_stat1` its planner guesses, and at 100,000 people a
guess can pick an index scan per row. So after migrations, the demo and an import that was kept,
Coopé runs a bounded `ANALYZE` (`analysis_limit`: a sample of each index, a few milliseconds at
100,000 rows); the worker runs it again every hour. (`PRAGMA optimize` would not do: before
SQLite 3.46 it only looks at the tables its own connection has just read.)

PostgreSQL's autovacuum analyses a table once enough of it changed, but only on its next round:
the pages asked just after a bulk load (the demo, a large import) would be planned on the empty
tables' estimates (a key-figures page took 27 s on a demo never analysed). There, `ANALYZE` runs
after those only (`postgresql=True`); small writes are left to autovacuum.
"""

from django.db import DEFAULT_DB_ALIAS, connections

# Rows of each index that SQLite's ANALYZE samples: enough for the planner, cheap on any size.
ANALYSIS_LIMIT = 1000
# An import of at least this many rows is analysed on PostgreSQL at once.
LARGE_IMPORT_ROWS = 1000


def refresh_statistics(using: str = DEFAULT_DB_ALIAS, *, postgresql: bool = False) -> bool:
    """Gather the planner's statistics: always on SQLite, on PostgreSQL when asked (after a bulk
    load). True when something ran."""
    connection = connections[using]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
            cursor.execute("ANALYZE")
        return True
    if connection.vendor == "postgresql" and postgresql:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return True
    return False
