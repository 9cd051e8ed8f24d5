"""Leases, retries, the reaper, requeue and the queue figures, in one process (no workers)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models.functions import Now
from django.test import override_settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jobs import services
from jobs.models import JobLease
from jobs.selectors import job_queue_stats
from jobs.tests.tasks import record_run

pytestmark = pytest.mark.django_db

Status = TaskResultStatus
DATABASE_QUEUE = override_settings(
    TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
)


def enqueue(key: str = "k") -> str:
    with DATABASE_QUEUE:
        return record_run.enqueue(key).id


def claim(worker_id: str = "w1") -> services.Claim:
    claimed = services.job_claim(worker_id=worker_id, backend_name="default")
    assert claimed is not None
    return claimed


def expire(job_id: str) -> None:
    JobLease.objects.filter(pk=job_id).update(expires_at=Now() - timedelta(seconds=1))


def status(job_id: str) -> str:
    return DBTaskResult.objects.get(pk=job_id).status


def test_claim_leases_the_job_and_counts_the_attempt():
    job_id = enqueue()
    held = claim()
    assert str(held.job.pk) == job_id and held.attempt == 1
    assert status(job_id) == Status.RUNNING
    lease = JobLease.objects.get(pk=job_id)
    assert lease.worker_id == "w1" and lease.expires_at is not None
    assert services.job_claim(worker_id="w2", backend_name="default") is None  # nothing else due
    assert services.job_lease_renew(claim=held)
    assert services.job_succeed(claim=held, return_value="k")
    assert status(job_id) == Status.SUCCESSFUL


@override_settings(JOBS_MAX_ATTEMPTS=3)
def test_an_expired_lease_is_reaped_and_its_old_holder_can_no_longer_write():
    job_id = enqueue()
    stale = claim("dead-worker")
    expire(job_id)
    assert services.jobs_reap_expired() == 1
    job = DBTaskResult.objects.get(pk=job_id)
    assert job.status == Status.READY
    assert job.exception_class_path == "jobs.services.LeaseExpired"
    assert "dead-worker" in job.traceback

    assert not services.job_lease_renew(claim=stale)
    assert not services.job_succeed(claim=stale, return_value="late")
    assert services.job_fail(claim=stale, exc=ValueError("late")) is None
    assert status(job_id) == Status.READY

    DBTaskResult.objects.filter(pk=job_id).update(run_after=timezone.now())  # skip the backoff
    fresh = claim("w2")
    assert fresh.attempt == 2
    assert not services.job_succeed(claim=stale, return_value="late")
    assert services.job_succeed(claim=fresh, return_value="k")
    assert DBTaskResult.objects.get(pk=job_id).return_value == "k"


def test_a_lease_that_ran_out_is_not_renewed():
    job_id = enqueue()
    held = claim()
    expire(job_id)
    assert not services.job_lease_renew(claim=held)


@override_settings(JOBS_MAX_ATTEMPTS=2)
def test_a_job_whose_worker_dies_on_every_attempt_is_dead_lettered():
    job_id = enqueue()
    for attempt in (1, 2):
        DBTaskResult.objects.filter(pk=job_id).update(run_after=timezone.now())
        assert claim().attempt == attempt
        expire(job_id)
        assert services.jobs_reap_expired() == 1
    job = DBTaskResult.objects.get(pk=job_id)
    assert job.status == Status.FAILED
    assert job.exception_class_path == "jobs.services.LeaseExpired"
    assert job.finished_at is not None


def test_a_running_job_without_a_lease_counts_as_expired_once_older_than_a_lease():
    """Jobs claimed by django_tasks_db's own db_worker (before run_jobs) are not lost either."""
    job_id = enqueue()
    young, old = timezone.now(), timezone.now() - timedelta(hours=1)
    DBTaskResult.objects.filter(pk=job_id).update(status=Status.RUNNING, started_at=young)
    assert services.jobs_reap_expired() == 0
    DBTaskResult.objects.filter(pk=job_id).update(started_at=old)
    assert services.jobs_reap_expired() == 1
    assert status(job_id) == Status.READY


@override_settings(
    JOBS_MAX_ATTEMPTS=2, JOBS_RETRY_BACKOFF_SECONDS=10, JOBS_RETRY_BACKOFF_MAX_SECONDS=600
)
def test_failures_back_off_then_dead_letter_and_requeue_starts_afresh():
    job_id = enqueue()
    before = timezone.now()
    assert services.job_fail(claim=claim(), exc=ValueError("boom")).status == Status.READY
    job = DBTaskResult.objects.get(pk=job_id)
    assert job.run_after >= before + timedelta(seconds=10)
    assert "ValueError: boom" in job.traceback
    assert services.job_claim(worker_id="w", backend_name="default") is None  # backing off

    DBTaskResult.objects.filter(pk=job_id).update(run_after=timezone.now())
    assert services.job_fail(claim=claim(), exc=ValueError("boom")).status == Status.FAILED
    assert status(job_id) == Status.FAILED

    other = enqueue("other")
    assert services.jobs_requeue(job_ids=[job_id, other]) == 1  # only failed jobs
    assert status(job_id) == Status.READY
    assert JobLease.objects.get(pk=job_id).attempts == 0
    assert {str(claim().job.pk), str(claim().job.pk)} == {job_id, other}


@override_settings(JOBS_RETRY_BACKOFF_SECONDS=10, JOBS_RETRY_BACKOFF_MAX_SECONDS=60)
def test_retry_delay_doubles_up_to_the_cap():
    delays = [services.retry_delay(attempt=n).total_seconds() for n in range(1, 6)]
    assert delays == [10, 20, 40, 60, 60]


def test_release_gives_the_job_back_without_using_an_attempt():
    job_id = enqueue()
    assert services.job_release(claim=claim())
    assert status(job_id) == Status.READY
    assert claim().attempt == 1


def test_queue_stats_count_each_state_and_age_the_oldest_due_job():
    now = timezone.now()
    assert job_queue_stats(now=now).oldest_queued_age is None
    queued, waiting, running, expired, failed, done = (enqueue(str(n)) for n in range(6))
    jobs = DBTaskResult.objects
    jobs.filter(pk=queued).update(enqueued_at=now - timedelta(seconds=90))
    jobs.filter(pk=waiting).update(run_after=now + timedelta(minutes=5))
    for job_id in (running, expired):
        jobs.filter(pk=job_id).update(status=Status.RUNNING)
        JobLease.objects.create(task_result_id=job_id, attempts=1, expires_at=now)
    JobLease.objects.filter(pk=running).update(expires_at=now + timedelta(minutes=1))
    JobLease.objects.filter(pk=expired).update(expires_at=now - timedelta(seconds=1))
    jobs.filter(pk=failed).update(status=Status.FAILED)
    jobs.filter(pk=done).update(status=Status.SUCCESSFUL)

    stats = job_queue_stats(now=now)
    assert (stats.queued, stats.scheduled, stats.running, stats.lease_expired, stats.failed) == (
        1,
        1,
        2,
        1,
        1,
    )
    assert stats.oldest_queued_age == pytest.approx(90, abs=1)
    # A retry due since 30 s has waited 30 s, however old the job.
    jobs.filter(pk=waiting).update(
        run_after=now - timedelta(seconds=30), enqueued_at=now - timedelta(hours=1)
    )
    jobs.filter(pk=queued).delete()
    assert job_queue_stats(now=now).oldest_queued_age == pytest.approx(30, abs=1)


def test_reap_jobs_command_returns_expired_jobs():
    job_id = enqueue()
    claim()
    expire(job_id)
    out = StringIO()
    call_command("reap_jobs", stdout=out)
    assert out.getvalue().strip() == "1 job(s) reaped"
    assert status(job_id) == Status.READY


def test_run_jobs_refuses_a_backend_that_is_not_the_database():
    with pytest.raises(CommandError, match="TASKS_BACKEND=database"):
        call_command("run_jobs", "--batch")
