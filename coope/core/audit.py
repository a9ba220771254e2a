"""The audit log: who changed what, when, and the values before and after.

Every service that writes a row a key figure counts (the models of `figure_models()`, declared
by each app) writes an audit entry in the same transaction: `record` for one row, `record_many`
for a bulk write (one `bulk_create` of entries), `record_deletion` before a deletion (it also
records the rows the deletion cascades to). The admin does the same through
`coope.core.admin.AuditedAdmin`. A ledger's own rows are audited through their transfer
(`LEDGER_ROWS`, `CACHED_FIELDS`).
`coope/core/tests/test_audit_coverage.py` runs every write path and fails when a row is
written without its entry.
"""

import datetime
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

from django.db import models, router
from django.db.models.deletion import Collector

from coope.core import plugins
from coope.core.models import AuditEntry, Cooperation
from coope.lib import encryption

# The three operations on a row. An action is either one of them, or ends with one of them after
# "_" or "." ("admin_delete"), or is a named step of a service ("take_membership",
# "cannery.record_batch"), which creates or changes its row and never deletes it.
CREATE, UPDATE, DELETE = "create", "update", "delete"
_SYNONYMS = {"change": UPDATE}


def figure_models() -> tuple[str, ...]:
    """The models whose rows a key figure counts or filters on ("app_label.model_name"), as each
    app declares its own (`CoopeApp(figure_models=...)` in its apps.py). Every write of one of
    them goes through a service or the admin and leaves an audit entry; the coverage test also
    fails when a registered indicator counts rows of a model no app declares."""
    return plugins.figure_models()


# A ledger is audited through its transfers. The time currency's `Entry` rows and the cached
# balance of each `Account` (`balance_minutes`, the sum of its entries) are the ledger itself:
# append-only (an entry is never changed or deleted: refused by the code, and by triggers on
# PostgreSQL), written in the same step as their transfer, whose audit entry gives every leg
# (`timebank.services._post`). So:
# - a row of LEDGER_ROWS is covered by the audit entry of the row its field points to
#   (an Entry by its Transfer's);
# - a change of CACHED_FIELDS only is covered by the audit entry of a transfer that has, in the
#   same step, an entry on that account (a cached balance update by the Transfer's).
# Any other write of these models (opening, closing an account, its limit overrides) writes its
# own audit entry.
LEDGER_ROWS: dict[str, tuple[str, str]] = {
    # ledger row -> (its field that points to the audited row, that row's model)
    "timebank.entry": ("transfer_id", "timebank.transfer"),
}
CACHED_FIELDS: dict[str, tuple[frozenset[str], str, str]] = {
    # model -> (the cached fields, the ledger rows that move them, their field naming the row)
    "timebank.account": (frozenset({"balance_minutes"}), "timebank.entry", "account_id"),
}


def operation_of(action: str) -> str | None:
    """CREATE, UPDATE or DELETE when the action's name says it, else None (a named step that
    creates or changes its row)."""
    last = action.replace(".", "_").rsplit("_", 1)[-1]
    last = _SYNONYMS.get(last, last)
    return last if last in (CREATE, UPDATE, DELETE) else None


def _jsonable(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# Never kept in the log, even hashed.
SECRET_FIELDS = frozenset({"password"})


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict:
    """The concrete field values of an instance, as JSON-friendly data (no password hash)."""
    names = fields or [
        f.attname for f in instance._meta.concrete_fields if f.attname not in SECRET_FIELDS
    ]
    return {name: _jsonable(getattr(instance, name)) for name in names}


def diff(before: dict, after: dict) -> dict:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def row_values(*, actor, action: str, instance: models.Model, changes: dict | None) -> dict:
    """The values of the entry `record` writes (its changes sealed), as AuditEntry's keyword
    arguments, nothing saved: for a caller that writes the row itself in the same statement as
    the audited one (coope.timebank.ledger_pg, whose database function gives the new row's id)."""
    return {
        # Every audited row is a tenant's (or the tenant itself); serializable_value gives its
        # foreign key's id.
        "cooperation_id": instance.pk
        if isinstance(instance, Cooperation)
        else instance.serializable_value("cooperation"),
        "actor": actor if actor is not None and actor.is_authenticated else None,
        "action": action,
        "model": instance._meta.label_lower,
        "object_id": str(instance.pk),
        "object_repr": str(instance)[:200],
        "changes": sealed(instance, changes or {}),
    }


def _entry(*, actor, action: str, instance: models.Model, changes: dict | None) -> AuditEntry:
    return AuditEntry(**row_values(actor=actor, action=action, instance=instance, changes=changes))


def sealed(instance: models.Model, changes):
    """`changes` with the values of the instance's fields encrypted at rest encrypted here too
    (coope.lib.encryption): the log keeps that a note changed, not the note in clear."""
    secret = {
        f.attname for f in instance._meta.concrete_fields if getattr(f, "encrypted_at_rest", False)
    }
    if not secret or not isinstance(changes, dict):
        return changes
    return {key: seal(value) if key in secret else value for key, value in changes.items()}


def seal(value):
    """A value (or each side of a [before, after] pair) encrypted; None and "" as they are."""
    if isinstance(value, list):
        return [seal(item) for item in value]
    if value is None or value == "":
        return value
    return encryption.encrypt(str(value))


_collecting: ContextVar[list[AuditEntry] | None] = ContextVar("audit_collecting", default=None)


@contextmanager
def collected() -> Iterator[list[AuditEntry]]:
    """Within this block `record` and `record_many` gather their entries (unsaved) in the list
    it yields instead of writing them; the caller bulk-creates them in the same transaction
    (coope.imports: one insert per thousand rows of a spreadsheet)."""
    entries: list[AuditEntry] = []
    token = _collecting.set(entries)
    try:
        yield entries
    finally:
        _collecting.reset(token)


def collecting() -> bool:
    """Whether `record` gathers its entries (inside `collected()`) instead of writing them."""
    return _collecting.get() is not None


def record(
    *, actor, action: str, instance: models.Model, changes: dict | None = None
) -> AuditEntry:
    entry = _entry(actor=actor, action=action, instance=instance, changes=changes)
    collecting = _collecting.get()
    if collecting is not None:
        collecting.append(entry)
    else:
        entry.save()
    return entry


def record_many[M: models.Model](
    *,
    actor,
    action: str,
    instances: Iterable[M],
    changes: Callable[[M], dict] | None = snapshot,
) -> list[AuditEntry]:
    """One entry per row of a bulk write, written in one query (`changes` gives each row's)."""
    entries = [
        _entry(
            actor=actor,
            action=action,
            instance=instance,
            changes=changes(instance) if changes is not None else None,
        )
        for instance in instances
    ]
    collecting = _collecting.get()
    if collecting is not None:
        collecting.extend(entries)
        return entries
    return AuditEntry.objects.bulk_create(entries)


def record_deletion(*, actor, objects, action: str = DELETE) -> list[AuditEntry]:
    """Before deleting `objects` (a queryset, a list or one row): an entry with the values of each
    row the deletion removes, the rows it cascades to included. The caller then deletes."""
    if isinstance(objects, models.Model):
        objects = [objects]
    elif isinstance(objects, models.QuerySet):
        objects = list(objects)
    if not objects:
        return []
    collector = Collector(using=router.db_for_write(type(objects[0])))
    collector.collect(objects)
    doomed: list[models.Model] = [row for rows in collector.data.values() for row in rows]
    for queryset in collector.fast_deletes:
        doomed.extend(queryset)
    return record_many(
        actor=actor,
        action=action,
        instances=[row for row in doomed if getattr(row, "cooperation_id", None) is not None],
    )
