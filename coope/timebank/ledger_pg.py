"""One round trip per TIC-TAC transfer on PostgreSQL.

`services._post` records a transfer with every guarantee of the ledger (the module docstring of
coope/timebank/services.py). On PostgreSQL it calls here the database function
`timebank_post_transfer` (migration 0008), which locks, checks and writes in one statement;
on SQLite (one writer at a time anyway) it keeps its Python path. The audit row is built in
Python, sealed as `audit.record` would seal it (coope.core.audit.row_values), and written by the
function with the new transfer's id. The function answers a status: `post` returns it with the
figures of a refusal, and `services._post` raises the same French messages on both paths.

Not used while the audit log gathers its entries instead of writing them (an import,
`audit.collected()`): the Python path gathers them as it always did.
"""

import dataclasses

from django.db import connection
from django.utils import timezone

from coope.core import audit
from coope.core.models import AuditEntry
from coope.timebank.models import DEFAULT_LIMITS, Account, Transfer

DONE, REPLAY, OTHER_CONTENT, CLOSED, OVER_LIMIT = (
    "done",
    "replay",
    "other_content",
    "closed",
    "over_limit",
)

# Stands for the new transfer's id in the audit row's description until the function knows it.
ID_MARK = "\x1ftransfer-id\x1f"

CALL = (
    "SELECT status, transfer_id, account_id, after_minutes, low_minutes, high_minutes, "
    "held_minutes, balances, created_at FROM timebank_post_transfer("
    "%s, %s::bigint[], %s::integer[], %s::integer[], %s::integer[], %s, %s, %s, %s, %s, %s, %s,"
    " %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)

_CHANGES = AuditEntry._meta.get_field("changes")
_CREATED_AT = Transfer._meta.get_field("created_at")


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What the function answered: DONE with the transfer (its id set, saved), REPLAY or
    OTHER_CONTENT with the id of the transfer recorded under the key, CLOSED or OVER_LIMIT with
    the refused account and, past a limit, the balance it would have, its limits, its minutes
    held."""

    status: str
    transfer_id: int | None
    transfer: Transfer | None = None
    account_id: int | None = None
    after: int | None = None
    low: int | None = None
    high: int | None = None
    held: int = 0


def enabled() -> bool:
    """Whether transfers go through the database function (PostgreSQL, audit entries written)."""
    return connection.vendor == "postgresql" and not audit.collecting()


def post(
    *,
    actor,
    transfer: Transfer,
    legs: list[tuple[Account, int]],
    changes: dict,
    dated: bool,
) -> Outcome:
    """Record `transfer` (built, not saved: every field but its id) with its legs and
    the audit entry of `changes`, in one call; on DONE the legs' accounts hold their new
    balances, as on the Python path. Unless `dated` (its date given by the caller), the
    transfer is dated when its accounts are locked, as on the Python path."""
    now = timezone.now() if dated else transfer.created_at
    # The description of the audit row names the transfer's id, known only to the function.
    transfer.id = ID_MARK
    try:
        row = audit.row_values(
            actor=actor, action=f"timebank_{transfer.kind}", instance=transfer, changes=changes
        )
    finally:
        transfer.id = None
    actor_row = row["actor"]
    params = [
        transfer.cooperation_id,
        [a.pk for a, _m in legs],
        [m for _a, m in legs],
        [DEFAULT_LIMITS[a.kind][0] for a, _m in legs],
        [DEFAULT_LIMITS[a.kind][1] for a, _m in legs],
        str(transfer.kind),
        transfer.amount_minutes,
        transfer.idempotency_key,
        transfer.content_hash,
        transfer.memo,
        transfer.category_id,
        transfer.item_type_id,
        transfer.item_id,
        transfer.reverses_id,
        transfer.reason,
        transfer.created_by_id,
        _CREATED_AT.get_db_prep_save(transfer.created_at, connection) if dated else None,
        _CREATED_AT.get_db_prep_save(now, connection),
        actor_row.pk if actor_row is not None else None,
        row["action"],
        row["model"],
        row["object_repr"],  # short: the mark is never cut off
        ID_MARK,
        _CHANGES.get_db_prep_save(row["changes"], connection),
    ]
    with connection.cursor() as cursor:
        cursor.execute(CALL, params)
        status, transfer_id, account_id, after, low, high, held, balances, created_at = (
            cursor.fetchone()
        )
    if status != DONE:
        return Outcome(status, transfer_id, None, account_id, after, low, high, held or 0)
    transfer.id, transfer.created_at = transfer_id, created_at
    transfer._state.adding = False
    transfer._state.db = connection.alias
    for (account, _minutes), balance in zip(legs, balances, strict=True):
        account.balance_minutes = balance
    return Outcome(status, transfer_id, transfer)
