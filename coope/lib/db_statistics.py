"""Statistics for SQLite's query planner, which has none until it is told to gather them.

PostgreSQL gathers its own (autovacuum analyses a table once enough of it changed). SQLite never
does: with no `sqlite_stat1` its planner guesses, and at 100,000 people a guess can pick an index
scan per row. So after what changes a database's size the most (migrations, the demo, an import
that was kept) Coopé runs a bounded `ANALYZE` (`analysis_limit`: a sample of each index, a few
milliseconds at 100,000 rows), then `PRAGMA optimize`, as SQLite's documentation advises for
long-lived databases.
"""

from django.db import DEFAULT_DB_ALIAS, connections

# Rows of each index that ANALYZE samples: enough for the planner, cheap on any size.
ANALYSIS_LIMIT = 1000


def refresh_statistics(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Gather the planner's statistics on SQLite; True when it ran (False on other databases)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA optimize")
    return True
