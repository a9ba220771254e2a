"""coope worker: the background worker of production (imports of more than a few thousand rows
and every other task of Django's tasks framework), with a heartbeat for the health page.

It is django_tasks_db's `db_worker` (same options: --queue-name, --interval, --worker-id...),
plus a thread that writes the process's `WorkerHeartbeat` row every few seconds. A thread, not
the worker's loop: a long import holds the loop for minutes while the process is well alive.
The row is deleted when the worker stops (SIGTERM, SIGINT), so `/sante/` says « absent » at
once; a worker killed outright stops beating and is « absent » after `HEARTBEAT_STALE`.

The task a killed worker was running stays RUNNING in django_tasks_db's table: every worker,
when it starts and after each beat, fails such tasks and their import jobs
(coope/core/worker_recovery.py).
"""

import logging
import os
import socket
import threading
import time
from datetime import timedelta

from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from coope.core.models import WorkerHeartbeat
from coope.core.worker_recovery import recover_dead_tasks
from coope.lib.db_statistics import refresh_statistics

logger = logging.getLogger(__name__)

HEARTBEAT_EVERY = timedelta(seconds=5)
# SQLite's planner statistics gathered again (a bounded ANALYZE, milliseconds): tables that grew
# at the front desk, with no import to tell it, are not planned on their size of months ago.
STATISTICS_EVERY = timedelta(hours=1)
# Rows of workers gone for a day (killed, machine restarted) are removed at the next start.
FORGET_AFTER = timedelta(days=1)


class Heartbeat(threading.Thread):
    """Writes `seen_at` of this worker's row every HEARTBEAT_EVERY, on its own connection (a
    thread has its own), until stopped; then deletes the row."""

    def __init__(self, worker_id: str):
        super().__init__(name="coope-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.stopping = threading.Event()
        self.statistics_due = time.monotonic()

    def beat(self) -> None:
        now = timezone.now()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"seen_at": now},
            create_defaults={
                "seen_at": now,
                "started_at": now,
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
            },
        )

    def tick(self) -> None:
        """One beat: the row, the tasks of dead workers, and the statistics when due."""
        self.beat()
        recover_dead_tasks(alive=self.worker_id)
        if time.monotonic() >= self.statistics_due:
            refresh_statistics()
            self.statistics_due = time.monotonic() + STATISTICS_EVERY.total_seconds()

    def run(self) -> None:
        try:
            # The first beat was written before the thread started (Command.handle).
            while not self.stopping.wait(HEARTBEAT_EVERY.total_seconds()):
                try:
                    close_old_connections()
                    self.tick()
                except DatabaseError:
                    # The database is away or busy (SQLite during a long write): the next beat
                    # tries again; the health page says « absent » if it lasts.
                    logger.warning("Worker heartbeat not written; retrying", exc_info=True)
                    connection.close()
        finally:
            try:
                WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
            except DatabaseError:
                logger.warning("Worker heartbeat row not removed", exc_info=True)
            connection.close()

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)


class Command(db_worker.Command):
    help = (
        "Le travailleur de fond de la production (imports longs, tâches) : celui de "
        "django_tasks_db (mêmes options), avec un battement de cœur lu par /sante/."
    )

    def handle(self, *args, **options) -> None:
        reloading = options["reload"] and not options["batch"]  # as db_worker decides
        if reloading and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true":
            # With --reload (the default when DEBUG is on) this process only watches the
            # files; the worker, and its heartbeat, is the child it starts.
            super().handle(*args, **options)
            return
        worker_id = options["worker_id"]
        WorkerHeartbeat.objects.filter(seen_at__lt=timezone.now() - FORGET_AFTER).delete()
        heartbeat = Heartbeat(worker_id)
        heartbeat.beat()  # alive before the first task, and the database answers
        recover_dead_tasks(alive=worker_id)  # the tasks of a worker killed before this start
        heartbeat.start()
        try:
            super().handle(*args, **options)
        finally:
            heartbeat.stop()
