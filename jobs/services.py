"""Writes on the job queue: claim with a lease, renew, finish, retry or dead-letter, reap, requeue.

The queue is django_tasks_db's `DBTaskResult`; the lease is `JobLease`. Every change of a
job's state locks its queue row first (claims and the reaper with SKIP LOCKED), so a claim, a
finish and a reap of one job never interleave. Lease times use the database's clock, the one
clock every worker host shares.
"""

import logging
import traceback
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from .models import JobLease

logger = logging.getLogger(__name__)

Status = TaskResultStatus
# How many expired jobs one reaper pass returns to the queue (the rest wait for the next pass).
REAP_BATCH = 100


class LeaseExpired(Exception):
    """Stored as the error of a job whose worker stopped renewing its lease (killed, hung)."""


@dataclass(frozen=True)
class Claim:
    """One attempt at one job: only the holder of this attempt may renew or finish it."""

    job: DBTaskResult
    worker_id: str
    attempt: int


def _lease_until() -> Now:
    return Now() + timedelta(seconds=settings.JOBS_LEASE_SECONDS)


def retry_delay(*, attempt: int) -> timedelta:
    """Return the wait before retrying a job whose `attempt`-th try failed (doubling, capped)."""
    seconds = settings.JOBS_RETRY_BACKOFF_SECONDS * 2 ** max(attempt - 1, 0)
    return timedelta(seconds=min(seconds, settings.JOBS_RETRY_BACKOFF_MAX_SECONDS))


def job_claim(
    *, worker_id: str, backend_name: str, queue_names: list[str] | None = None
) -> Claim | None:
    """Take the next due job (SKIP LOCKED: concurrent workers take different ones) and lease it.

    Three statements in one transaction: django_tasks_db's own locked read and claim, then
    one upsert of the lease that counts the attempt.
    """
    ready = DBTaskResult.objects.ready().filter(backend_name=backend_name)
    if queue_names is not None:
        ready = ready.filter(queue_name__in=queue_names)
    with transaction.atomic():
        job = ready.get_locked()
        if job is None:
            return None
        job.claim(worker_id)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {JobLease._meta.db_table} AS lease
                    (task_result_id, attempts, worker_id, expires_at)
                VALUES (%(job)s, 1, %(worker)s, now() + make_interval(secs => %(lease)s))
                ON CONFLICT (task_result_id) DO UPDATE SET
                    attempts = lease.attempts + 1,
                    worker_id = EXCLUDED.worker_id,
                    expires_at = EXCLUDED.expires_at
                RETURNING attempts
                """,
                {"job": job.pk, "worker": worker_id, "lease": settings.JOBS_LEASE_SECONDS},
            )
            (attempt,) = cursor.fetchone()
    return Claim(job=job, worker_id=worker_id, attempt=attempt)


def job_lease_renew(*, claim: Claim) -> bool:
    """Extend the lease of a running attempt; False when it is no longer held.

    A lease that already ran out is never renewed: the reaper may have handed the job on.
    """
    renewed = JobLease.objects.filter(
        task_result_id=claim.job.pk,
        task_result__status=Status.RUNNING,
        worker_id=claim.worker_id,
        attempts=claim.attempt,
        expires_at__gt=Now(),
    ).update(expires_at=_lease_until())
    return renewed == 1


def _held(claim: Claim) -> Q:
    """Match the job's row while `claim` holds it.

    The status and last claimer are columns of the row itself, so a statement that waited
    for the row's lock rechecks them on the row's new version (READ COMMITTED re-reads only
    the locked row, never a joined one); a worker runs one job at a time, so its id as the
    last claimer means its attempt.
    """
    return Q(pk=claim.job.pk, status=Status.RUNNING, **{"worker_ids__-1": claim.worker_id})


def _locked_if_held(claim: Claim) -> DBTaskResult | None:
    """Lock the job's row (lease attached), or return None when `claim` no longer holds it."""
    return (
        DBTaskResult.objects.select_for_update(of=("self",))
        .select_related("lease")
        .filter(_held(claim))
        .first()
    )


def _log_lost(claim: Claim) -> None:
    logger.warning(
        "job %s attempt %s: lease lost (reaped after it ran out); outcome dropped",
        claim.job.pk,
        claim.attempt,
    )


def job_succeed(*, claim: Claim, return_value: Any) -> DBTaskResult | None:
    """Record the result of a held attempt; None (nothing written) when the lease was lost.

    One UPDATE guarded by `_held` (what django_tasks_db's `set_successful` writes); the lease
    row is left as it is: only a RUNNING job's lease means anything.
    """
    now = timezone.now()
    fields = {
        "status": Status.SUCCESSFUL,
        "finished_at": now,
        "return_value": return_value,
        "exception_class_path": "",
        "traceback": "",
    }
    if not DBTaskResult.objects.filter(_held(claim)).update(**fields):
        _log_lost(claim)
        return None
    job = claim.job
    for name, value in fields.items():
        setattr(job, name, value)
    return job


@transaction.atomic
def job_fail(*, claim: Claim, exc: BaseException) -> DBTaskResult | None:
    """Retry a failed attempt later, or dead-letter the job after JOBS_MAX_ATTEMPTS tries.

    Return the job (status READY or FAILED), or None when the lease was lost. The error and
    traceback stay on the row either way, so the admin shows why a retry is waiting.
    """
    job = _locked_if_held(claim)
    if job is None:
        _log_lost(claim)
        return None
    if job.lease.attempts >= settings.JOBS_MAX_ATTEMPTS:
        job.set_failed(exc)
    else:
        job.status = Status.READY
        job.run_after = timezone.now() + retry_delay(attempt=job.lease.attempts)
        job.exception_class_path = f"{type(exc).__module__}.{type(exc).__qualname__}"
        job.traceback = "".join(traceback.format_exception(exc))
        job.save(update_fields=["status", "run_after", "exception_class_path", "traceback"])
    return job


@transaction.atomic
def job_release(*, claim: Claim) -> bool:
    """Give a held job back to the queue at once, the attempt not counted (worker stopping)."""
    job = _locked_if_held(claim)
    if job is None:
        return False
    job.status = Status.READY
    job.save(update_fields=["status"])
    JobLease.objects.filter(pk=job.pk).update(attempts=F("attempts") - 1)
    return True


@transaction.atomic
def jobs_reap_expired() -> int:
    """Return RUNNING jobs whose lease ran out to the queue (or dead-letter them); count them.

    A job claimed by django_tasks_db's own `db_worker` has no lease: it counts as expired once
    it has run for longer than a lease (run `run_jobs` instead of `db_worker`, never both).
    """
    orphan_before = timezone.now() - timedelta(seconds=settings.JOBS_LEASE_SECONDS)
    expired = list(
        DBTaskResult.objects.filter(status=Status.RUNNING)
        .filter(
            Q(lease__expires_at__lt=Now()) | Q(lease__isnull=True, started_at__lt=orphan_before)
        )
        .select_related("lease")
        .order_by("started_at")
        .select_for_update(skip_locked=True, of=("self",))[:REAP_BATCH]
    )
    for job in expired:
        lease = getattr(job, "lease", None) or JobLease(task_result=job)
        job.exception_class_path = f"{LeaseExpired.__module__}.{LeaseExpired.__qualname__}"
        job.traceback = (
            f"{LeaseExpired.__qualname__}: worker {lease.worker_id or '?'} stopped renewing "
            f"its lease during attempt {lease.attempts} (killed or hung); reaped at "
            f"{timezone.now().isoformat()}\n"
        )
        if lease.attempts >= settings.JOBS_MAX_ATTEMPTS:
            job.status = Status.FAILED
            job.finished_at = timezone.now()
            fields = ["status", "finished_at", "exception_class_path", "traceback"]
        else:
            job.status = Status.READY
            job.run_after = timezone.now() + retry_delay(attempt=lease.attempts)
            fields = ["status", "run_after", "exception_class_path", "traceback"]
        job.save(update_fields=fields)
        logger.warning(
            "job %s (%s): lease of worker %s ran out on attempt %s; now %s",
            job.pk,
            job.task_path,
            lease.worker_id,
            lease.attempts,
            job.status,
        )
    return len(expired)


@transaction.atomic
def jobs_requeue(*, job_ids: list) -> int:
    """Put dead-lettered (FAILED) jobs back in the queue with a fresh set of attempts."""
    ids = list(
        DBTaskResult.objects.select_for_update()
        .filter(pk__in=job_ids, status=Status.FAILED)
        .values_list("pk", flat=True)
    )
    DBTaskResult.objects.filter(pk__in=ids).update(
        status=Status.READY, run_after=get_date_max(), finished_at=None
    )
    JobLease.objects.filter(task_result_id__in=ids).update(attempts=0)
    return len(ids)
