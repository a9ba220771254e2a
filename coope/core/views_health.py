"""/sante/: is this Coopé able to serve? For a supervisor (systemd, a monitoring probe, the
reverse proxy), no login.

    {"database": "ok", "worker": "ok", "workers": 1, "tasks_stuck": 0, "tasks_waiting": 0, "oldest_waiting_seconds": 0}

200 when the database answers and, where tasks run in a worker (the database backend of
production), a worker is alive and the queue moves; 503 otherwise. `worker` is:

- "ok": a `coope worker` wrote its heartbeat less than `HEARTBEAT_STALE` ago
  (coope/core/worker_recovery.py), and no task has waited more than `QUEUE_LATE`;
- "stuck": a worker beats, but a task is RUNNING on a worker without heartbeat (killed during
  the task); the next beat of a live worker fails it (coope/core/worker_recovery.py);
- "late": a worker beats, but a task has waited more than `QUEUE_LATE` (the worker is stuck on a
  task, or too few workers for the work);
- "absent": no worker beat recently (stopped, killed, or never started);
- "inline": the tasks backend runs tasks in the request (development, tests): no worker needed.

It says nothing else: no names, no versions, never a traceback (a failure is logged).
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Min, Q
from django.http import HttpRequest, JsonResponse
from django.tasks import task_backends
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from coope.core.worker_recovery import alive_workers, dead_tasks

logger = logging.getLogger(__name__)

QUEUE_LATE = timedelta(minutes=10)


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.warning("Health: the database does not answer", exc_info=True)
        return False


def _queue(now: datetime) -> tuple[int, timedelta]:
    """Tasks ready to run, and how long the oldest has waited (since it was enqueued, or since
    the time it was asked to run after)."""
    never = get_date_max()
    found = DBTaskResult.objects.ready().aggregate(
        count=Count("pk"),
        enqueued=Min("enqueued_at", filter=Q(run_after=never)),
        run_after=Min("run_after", filter=~Q(run_after=never)),
    )
    since = [moment for moment in (found["enqueued"], found["run_after"]) if moment is not None]
    return found["count"], (now - min(since)) if since else timedelta(0)


def _worker() -> dict:
    if not any(isinstance(backend, DatabaseBackend) for backend in task_backends.all()):
        return {"worker": "inline"}
    now = timezone.now()
    late = getattr(settings, "COOPE_HEALTH_QUEUE_LATE", QUEUE_LATE)
    workers = len(alive_workers(now))
    stuck = len(dead_tasks(now))
    waiting, oldest = _queue(now)
    state = "absent" if not workers else "stuck" if stuck else "late" if oldest > late else "ok"
    return {
        "worker": state,
        "workers": workers,
        "tasks_stuck": stuck,
        "tasks_waiting": waiting,
        "oldest_waiting_seconds": int(oldest.total_seconds()),
    }


@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    if not _database_answers():
        return JsonResponse({"database": "error", "worker": "unknown"}, status=503)
    try:
        answer = {"database": "ok", **_worker()}
    except DatabaseError:
        logger.warning("Health: the worker's tables cannot be read", exc_info=True)
        return JsonResponse({"database": "error", "worker": "unknown"}, status=503)
    healthy = answer["worker"] in ("ok", "inline")
    return JsonResponse(answer, status=200 if healthy else 503)
