"""Services that write: one transaction, run again when the database breaks a lock cycle.

`@atomic_service` is `@transaction.atomic` for a service (a function of an app's services.py
that writes several rows or changes a state), plus two things:

- it marks the function, so that `is_atomic(func)` can tell, and
  coope/core/tests/test_atomic_services.py checks that every writing service is atomic (and
  that no helper took the decorator meant for the function below it);
- when it opens the outermost transaction, a deadlock or a serialization failure reported by
  PostgreSQL (SQLSTATE 40P01, 40001) rolls the whole transaction back and runs it again, a
  bounded number of times after a short random pause; if it still fails, the person gets a
  French message (`Busy`, a ValidationError), never a 500. Inside an outer transaction it
  cannot run again alone (the outer one holds rows and locks of its own): it raises `Busy`, and
  the outermost `atomic_service` runs the whole again.

Deadlocks should not happen at all: the services lock rows in one order (coope/timebank/
services.py: the accounts in primary-key order first). `STATS` counts those that happen
anyway, so a storm test sees them even when a retry hid them from the person.
"""

import functools
import random
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction
from django.utils.translation import gettext_lazy as _

RETRIES = 4  # runs after the first: five in all
PAUSE_SECONDS = 0.01  # the longest pause before the first retry; doubled at each one
CONTENTION = {"40P01": "deadlock", "40001": "serialization_failure"}

# In this process: deadlocks and serialization failures met, retries run, requests given up.
STATS: Counter[str] = Counter()

BUSY_MESSAGE = _(
    "Beaucoup d'opérations touchent ces comptes au même moment : rien n'a été enregistré. "
    "Réessayez dans un instant."
)


class Busy(ValidationError):
    """The database kept breaking lock cycles: nothing was written, the person may try again."""

    def __init__(self) -> None:
        super().__init__(BUSY_MESSAGE, code="busy")


def contention(error: BaseException) -> str | None:
    """'deadlock' or 'serialization_failure' when the error (or its cause) is one, else None."""
    seen: BaseException | None = error
    while seen is not None:
        code = getattr(seen, "sqlstate", None) or getattr(seen, "pgcode", None)
        if code:
            return CONTENTION.get(code)
        seen = seen.__cause__
    return None


# PostgreSQL: a lock not obtained in time (lock_timeout) or a statement cancelled waiting.
LOCK_WAIT = {"55P03", "57014"}


def database_busy(error: BaseException) -> bool:
    """Whether the error is the database being busy rather than a fault: contention, a lock
    not obtained in time on PostgreSQL, or SQLite's write lock held past its timeout by a
    long write (a large import)."""
    seen: BaseException | None = error
    while seen is not None:
        code = getattr(seen, "sqlstate", None) or getattr(seen, "pgcode", None)
        if code in CONTENTION or code in LOCK_WAIT:
            return True
        if "database is locked" in str(seen) or "database table is locked" in str(seen):
            return True
        seen = seen.__cause__
    return False


def _retried[R](attempt: Callable[[], R]) -> R:
    """Run `attempt` (a whole transaction) again on contention, a bounded number of times."""
    tries = 0
    while True:
        try:
            return attempt()
        except (OperationalError, Busy) as error:
            if isinstance(error, OperationalError):
                kind = contention(error)
                if kind is None:
                    raise
                STATS[kind] += 1
            if tries >= RETRIES:
                STATS["given_up"] += 1
                raise Busy() from error
        tries += 1
        STATS["retries"] += 1
        time.sleep(random.uniform(0, PAUSE_SECONDS * 2**tries))  # noqa: S311 (a pause)


def atomic_service[**P, R](func: Callable[P, R]) -> Callable[P, R]:
    """Run the service in one transaction (a savepoint inside another), retried on contention."""

    @functools.wraps(func)
    def service(*args: P.args, **kwargs: P.kwargs) -> R:
        if transaction.get_connection().in_atomic_block:
            try:
                with transaction.atomic():
                    return func(*args, **kwargs)
            except OperationalError as error:
                kind = contention(error)
                if kind is None:
                    raise
                STATS[kind] += 1
                raise Busy() from error

        def attempt() -> R:
            with transaction.atomic():
                return func(*args, **kwargs)

        return _retried(attempt)

    service.__dict__["atomic_service"] = True
    return service


# What a service's single-statement path answers when it cannot serve this call.
NOT_ALONE: Any = object()


def atomic_service_or_alone[**P, R](
    alone: Callable[..., R],
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """`@atomic_service`, with a path for the call that opens no transaction of its own: when
    no transaction is open, `alone(body, *args, **kwargs)` (body: the service undecorated) runs
    first, in autocommit, and its answer is the service's unless it is NOT_ALONE. `alone` may
    read, but writes in ONE statement (a database function that locks, checks and writes):
    that statement is the transaction, so the database commits as it ends, without a BEGIN and
    a COMMIT each waiting for a round trip while the rows are locked. Retried on contention
    like the rest."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        in_transaction = atomic_service(func)

        @functools.wraps(func)
        def service(*args: P.args, **kwargs: P.kwargs) -> R:
            connection = transaction.get_connection()
            if not connection.in_atomic_block and connection.get_autocommit():
                answer = _retried(lambda: alone(func, *args, **kwargs))
                if answer is not NOT_ALONE:
                    return answer
            return in_transaction(*args, **kwargs)

        service.__dict__["atomic_service"] = True
        return service

    return decorate


def is_atomic(func: Any) -> bool:
    """Whether calling `func` runs it in a transaction: `@atomic_service` or
    `@transaction.atomic` (whose wrapper keeps its Atomic in its closure)."""
    if getattr(func, "atomic_service", False):
        return True
    cells = getattr(func, "__closure__", None) or ()
    return any(isinstance(cell.cell_contents, transaction.Atomic) for cell in cells)
