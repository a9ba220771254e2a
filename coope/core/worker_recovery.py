"""Tasks left behind by a dead worker: a `coope worker` killed outright (kill -9, the machine
stopped) leaves the task it was running in RUNNING for good, in django_tasks_db's table, and
nothing would ever run it again or end it.

A task is *dead* when it is RUNNING and the worker that claimed it last (`worker_ids[-1]`) has
no fresh heartbeat (`WorkerHeartbeat` older than the health page's staleness, or gone). Every
`coope worker` ends such tasks when it starts and after each of its beats: FAILED (through
django_tasks_db's own `set_failed`), and the import job the task ran is failed with a notice
(its work was one transaction: nothing was written) and its file removed. `/sante/` says
« stuck » while one is left.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from coope.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# The worker beats every 5 seconds (coope/core/management/commands/worker.py).
HEARTBEAT_STALE = timedelta(seconds=30)


class WorkerDied(Exception):
    """The exception recorded on a task whose worker died while it ran."""


def heartbeat_stale() -> timedelta:
    return getattr(settings, "COOPE_HEALTH_HEARTBEAT_STALE", HEARTBEAT_STALE)


def alive_workers(now: datetime | None = None) -> set[str]:
    since = (now or timezone.now()) - heartbeat_stale()
    return set(
        WorkerHeartbeat.objects.filter(seen_at__gte=since).values_list("worker_id", flat=True)
    )


def _claimed_by(result: DBTaskResult) -> str | None:
    ids = result.worker_ids
    return ids[-1] if isinstance(ids, list) and ids else None


def dead_tasks(now: datetime | None = None, alive: str | None = None) -> list[DBTaskResult]:
    """RUNNING tasks whose worker has no fresh heartbeat. `alive`: the calling worker's id, alive
    whatever its row says (its own tasks are not dead)."""
    workers = alive_workers(now) | ({alive} if alive else set())
    running = DBTaskResult.objects.running().only("id", "worker_ids")
    return [result for result in running if _claimed_by(result) not in workers]


def recover_dead_tasks(alive: str | None = None) -> int:
    """Fails every dead task and what it was doing; returns how many. Safe to run from several
    workers at once: each task is locked and checked again before it is changed."""
    from coope.imports import jobs  # the imports' tasks; imports import the core

    recovered = 0
    for found in dead_tasks(alive=alive):
        with transaction.atomic():
            result = (
                DBTaskResult.objects.select_for_update()
                .filter(pk=found.pk, status="RUNNING")
                .first()
            )
            if result is None or result.worker_ids != found.worker_ids:
                continue  # ended, or claimed again, meanwhile
            worker = _claimed_by(result)
            result.set_failed(WorkerDied(f"worker {worker} stopped without ending the task"))
            jobs.task_interrupted(result.task_path, result.args_kwargs)
        logger.warning("Task %s of dead worker %s marked failed", result.pk, worker)
        recovered += 1
    return recovered
