"""Results kept while nothing they count has changed: the key figures of a period, a report's PDF.

Every write of a row a key figure counts leaves an audit entry in the same transaction
(coope.core.audit; `test_audit_coverage.py` runs every write path). So the cooperation's latest
audit entry is a stamp of everything its figures can read: a result computed after reading the
stamp is fresh while the stamp is the same.

On PostgreSQL the ids of a sequence are not handed out in commit order: a transaction still
running when the stamp is read may commit an entry with a smaller id than the latest one seen.
The stamp therefore also keeps the transactions in progress at that moment that write to
the audit log (those of the snapshot's `pg_snapshot_xip` holding a write lock on its table:
`pg_locks`, one database's only; others, of this database or another, do not count), and a
kept result is stale as soon as one of them has ended. One that commits between the snapshot
and the lock's reading has committed before the figures are computed: they see it. On SQLite
one transaction writes at a time, so ids are in commit order.

Kept results go to Django's cache (settings.CACHES: in production a directory shared by the web
processes), under a key naming the cooperation (and the time it was created, so that a
cooperation made again with the same id never reads another's), the language, the code of the
figures, and the stamp.
"""

import hashlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.cache import cache as django_cache
from django.db import connection
from django.utils import translation

from coope.core.exports import EXPORT
from coope.core.models import AuditEntry
from coope.lib.indicators import registry

KEEP_FOR = timedelta(days=30)  # a stamp moves on with each write: old keys are left to expire


@dataclass(frozen=True)
class Stamp:
    """The cooperation's latest audit entry (0: none yet), and on PostgreSQL the transactions
    that were in progress when it was read."""

    latest: int
    # When it was written: after a restore, new entries take the ids of the entries the restore
    # dropped; their times tell them apart.
    at: str = ""
    in_flight: tuple[str, ...] = ()

    @property
    def token(self) -> str:
        return f"{self.latest}@{self.at}"

    def as_json(self) -> dict[str, Any]:
        return {"latest": self.latest, "at": self.at, "in_flight": list(self.in_flight)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Stamp":
        return cls(
            int(data.get("latest", 0)), str(data.get("at", "")), tuple(data.get("in_flight", ()))
        )


def read_stamp(cooperation_id: int) -> Stamp:
    """One query: the cooperation's latest audit entry (and the transactions in progress). An
    export is audited but changes nothing: its entry does not count."""
    table = AuditEntry._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT latest.id, latest.at, "  # noqa: S608 (the table's name, no input)
                "ARRAY(SELECT x::text FROM pg_snapshot_xip(pg_current_snapshot()) AS x "
                "WHERE x::text::bigint %% 4294967296 IN (SELECT a.backend_xid::text::bigint "
                "FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid "
                "WHERE l.locktype = 'relation' AND l.mode = 'RowExclusiveLock' "
                f"AND l.relation = '{table}'::regclass AND a.backend_xid IS NOT NULL)) "
                f"FROM (SELECT 1) AS one LEFT JOIN (SELECT id, at FROM {table} "
                "WHERE cooperation_id = %s AND action <> %s ORDER BY id DESC LIMIT 1) AS latest ON true",
                [cooperation_id, EXPORT],
            )
            latest, at, in_flight = cursor.fetchone()
        return Stamp(latest or 0, at.isoformat() if at else "", tuple(sorted(in_flight)))
    row = (
        AuditEntry.objects.filter(cooperation_id=cooperation_id)
        .exclude(action=EXPORT)
        .order_by("-id")
        .values_list("id", "at")
        .first()
    )
    return Stamp(row[0], row[1].isoformat()) if row else Stamp(0)


def still_fresh(kept: Stamp, now: Stamp) -> bool:
    """Whether a result made at `kept` still holds at `now`: no audit entry since, and none of
    the transactions then in progress has committed since (they may hold older ids)."""
    if kept.token != now.token:
        return False
    if not kept.in_flight or connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(bool_or(pg_xact_status(x::xid8) IS DISTINCT FROM 'in progress'), "
            "false) FROM unnest(%s::text[]) AS x",
            [list(kept.in_flight)],
        )
        (ended,) = cursor.fetchone()
    # A transaction that ended (committed, or rolled back: not worth telling apart) may have
    # written entries the result did not see.
    return not ended


@cache
def code_version() -> str:
    """A digest of the code the figures are computed by and of the migrations on disk: a
    deployment that changes an indicator, or migrates rows without an audit entry, does not read
    what the former code kept."""
    digest = hashlib.sha256()
    modules = {inspect.getmodule(kept_result), inspect.getmodule(registry)}
    modules |= {
        inspect.getmodule(item.records) for item in registry().values() if item.records is not None
    }
    for path in sorted(filter(None, (inspect.getsourcefile(m) for m in modules if m))):
        digest.update(Path(path).read_bytes())
    for config in apps.get_app_configs():
        digest.update(
            "|".join(sorted(p.name for p in Path(config.path, "migrations").glob("*.py"))).encode()
        )
    return digest.hexdigest()[:16]


def _key(cooperation, name: str, stamp: Stamp) -> str:
    created = cooperation.created_at.isoformat() if cooperation.created_at else ""
    identity = hashlib.sha256(
        f"{cooperation.pk}|{created}|{translation.get_language()}|{name}".encode()
    ).hexdigest()[:24]
    return f"coope:kept:{code_version()}:{cooperation.pk}:{identity}:{stamp.token}"


def kept_result(cooperation, name: str, compute: Callable[[], Any], stamp: Stamp) -> Any:
    """`compute()`, or its result kept at the same stamp (read before by the caller, once per
    request: what it computes is at least as fresh as the stamp)."""
    key = _key(cooperation, name, stamp)
    found = django_cache.get(key)
    if found is not None:
        kept_stamp, result = found
        if still_fresh(kept_stamp, stamp):
            return result
    result = compute()
    django_cache.set(key, (stamp, result), timeout=int(KEEP_FOR.total_seconds()))
    return result
