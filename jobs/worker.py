"""The worker loop: claim a job with a lease, keep the lease alive while it runs, finish it.

`manage.py run_jobs` runs one `Worker` per process. Between jobs each worker also reaps:
jobs whose worker died (SIGKILL, lost host) go back to the queue once their lease runs out,
so a pool loses nothing as long as one worker lives (docs/scaling.md "Worker pool").
"""

import logging
import signal
import sys
import threading
import time
from types import FrameType

from django.conf import settings
from django.db import close_old_connections, connection
from django.db.utils import DatabaseError
from django_tasks import TaskContext
from django_tasks.signals import task_finished, task_started
from django_tasks_db.models import DBTaskResult

from . import services
from .services import Claim

logger = logging.getLogger(__name__)

# An idle worker that cannot reach the database tries again after this long.
DATABASE_RETRY_SECONDS = 1.0


class _Heartbeat:
    """Renew a claim's lease every third of JOBS_LEASE_SECONDS from a thread of its own.

    The thread has its own database connection (Django's are per thread), so a job that
    holds a long transaction on the worker's connection still gets its lease renewed.
    """

    def __init__(self, claim: Claim) -> None:
        self.claim = claim
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="job-heartbeat", daemon=True)

    def __enter__(self) -> "_Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        interval = settings.JOBS_LEASE_SECONDS / 3
        try:
            while not self._stop.wait(interval):
                try:
                    renewed = services.job_lease_renew(claim=self.claim)
                except DatabaseError:
                    # The database is away; try again next beat (the lease may run out).
                    logger.exception("job %s: lease renewal failed", self.claim.job.pk)
                    continue
                if not renewed:
                    self.lost = True
                    logger.error(
                        "job %s attempt %s: lease ran out before renewal",
                        self.claim.job.pk,
                        self.claim.attempt,
                    )
                    return
        finally:
            connection.close()


class Worker:
    """One worker process's loop (django_tasks_db's `db_worker` loop, with leases and retries)."""

    def __init__(
        self,
        *,
        worker_id: str,
        backend_name: str,
        queue_names: list[str] | None,
        interval: float,
        batch: bool = False,
        max_tasks: int | None = None,
    ) -> None:
        self.worker_id = worker_id
        self.backend_name = backend_name
        self.queue_names = queue_names
        self.interval = interval
        self.batch = batch
        self.max_tasks = max_tasks
        self.running = True
        self.running_job = False
        self.jobs_run = 0
        self._last_reap = 0.0

    def configure_signals(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT):
            signal.signal(signum, self._shutdown)

    def _shutdown(self, signum: int, frame: FrameType | None) -> None:
        if not self.running or not self.running_job:
            # Idle, or asked twice: stop now (a job in hand is released in run_claimed).
            sys.exit(0 if not self.running_job else 1)
        logger.warning("%s: stopping after the current job", signal.strsignal(signum))
        self.running = False

    def reap(self, *, force: bool = False) -> int:
        """Return expired jobs to the queue, at most every quarter lease unless `force`."""
        if not force and time.monotonic() - self._last_reap < settings.JOBS_LEASE_SECONDS / 4:
            return 0
        self._last_reap = time.monotonic()
        return services.jobs_reap_expired()

    def run(self) -> None:
        logger.info("worker %s: started (queues %s)", self.worker_id, self.queue_names or "all")
        while self.running:
            close_old_connections()
            try:
                self.reap()
                claim = services.job_claim(
                    worker_id=self.worker_id,
                    backend_name=self.backend_name,
                    queue_names=self.queue_names,
                )
            except DatabaseError:
                # PostgreSQL restarting or unreachable: wait and ask again (a job in hand
                # when it went is reaped once its lease runs out).
                logger.exception("worker %s: cannot reach the queue", self.worker_id)
                time.sleep(max(self.interval, DATABASE_RETRY_SECONDS))
                continue
            if claim is not None:
                self.run_claimed(claim)
            elif self.batch:
                return
            if self.max_tasks is not None and self.jobs_run >= self.max_tasks:
                return
            close_old_connections()
            if self.running and claim is None:
                time.sleep(self.interval)

    def run_claimed(self, claim: Claim) -> None:
        """Run one claimed job and record its outcome (success, retry later, or dead letter)."""
        self.running_job = True
        db_result = claim.job
        try:
            with _Heartbeat(claim):
                try:
                    task = db_result.task
                    result = db_result.task_result
                    backend = type(task.get_backend())
                    task_started.send(sender=backend, task_result=result)
                    if task.takes_context:
                        value = task.call(
                            TaskContext(task_result=result), *result.args, **result.kwargs
                        )
                    else:
                        value = task.call(*result.args, **result.kwargs)
                except (KeyboardInterrupt, SystemExit):
                    services.job_release(claim=claim)
                    raise
                except Exception as exc:
                    logger.warning("job %s (%s) failed", db_result.pk, db_result.task_path)
                    self._fail(claim, exc)
                    return
                try:
                    done = services.job_succeed(claim=claim, return_value=value)
                except Exception as exc:  # e.g. a return value JSON cannot hold
                    self._fail(claim, exc)
                    return
                if done is not None:
                    self._finished(done)
        finally:
            self.running_job = False
            self.jobs_run += 1

    def _fail(self, claim: Claim, exc: Exception) -> None:
        job = services.job_fail(claim=claim, exc=exc)
        if job is not None and job.status == services.Status.FAILED:
            logger.error(
                "job %s (%s) dead-lettered after %s attempts", job.pk, job.task_path, claim.attempt
            )
            self._finished(job)

    @staticmethod
    def _finished(job: DBTaskResult) -> None:
        task_finished.send(sender=type(job.task.get_backend()), task_result=job.task_result)
