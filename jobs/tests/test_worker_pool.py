"""The worker pool with real processes: `manage.py run_jobs` against the test database.

Each test starts worker processes (TASKS_BACKEND=database, short leases and backoff) and
queues jobs from here through the database backend, as the web processes do in production.
"""

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import override_settings
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from accounts.tests.factories import user_create
from jobs.models import JobLease
from jobs.selectors import job_queue_stats
from jobs.tests.tasks import RUNS_TABLE, always_fails, fan_out_in_batches, record_run
from social.models import UserFollowers, UserFollows
from timelines import services as timeline_services
from timelines.models import HomeTimeline, HomeTimelineEntry
from timelines.tasks import timeline_fan_out
from tweets.tests.factories import post

pytestmark = pytest.mark.django_db(transaction=True)

Status = TaskResultStatus
DATABASE_QUEUE = override_settings(
    TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
)
LEASE_SECONDS = 2
MAX_ATTEMPTS = 3
BACKOFF_SECONDS = 0.3


@pytest.fixture
def runs() -> Iterator[Callable[[], list[tuple[str, int, float]]]]:
    """Create the runs table; yield a reader of (job key, worker pid, epoch seconds)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {RUNS_TABLE} (job_key text NOT NULL, pid int NOT NULL,"
            " at timestamptz NOT NULL DEFAULT clock_timestamp())"
        )

    def read() -> list[tuple[str, int, float]]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT job_key, pid, extract(epoch FROM at)::float FROM {RUNS_TABLE} ORDER BY at"
            )
            return cursor.fetchall()

    yield read
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {RUNS_TABLE}")


def _worker_env() -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "TASKS_BACKEND": "database"}
    env.update(
        DJANGO_SETTINGS_MODULE="twitterclone.settings.test",
        JOBS_LEASE_SECONDS=str(LEASE_SECONDS),
        JOBS_MAX_ATTEMPTS=str(MAX_ATTEMPTS),
        JOBS_RETRY_BACKOFF_SECONDS=str(BACKOFF_SECONDS),
    )
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


@contextmanager
def workers(count: int, *extra: str) -> Iterator[list[subprocess.Popen]]:
    """Start `count` worker processes; stop (SIGTERM, then SIGKILL) those still alive after."""
    argv = [sys.executable, "manage.py", "run_jobs", "--interval", "0.05", *extra]
    procs = [subprocess.Popen(argv, cwd=settings.BASE_DIR, env=_worker_env()) for _ in range(count)]
    try:
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def job(result_id: str) -> DBTaskResult:
    return DBTaskResult.objects.select_related("lease").get(pk=result_id)


def test_a_pool_of_three_workers_runs_each_job_exactly_once(runs):
    with DATABASE_QUEUE:
        ids = [record_run.enqueue(f"job {n}", pause=0.03).id for n in range(120)]
    # One `run_jobs --processes 3`, as docker-compose runs it: three worker processes.
    with workers(1, "--processes", "3", "--batch") as (pool,):
        assert pool.wait(timeout=90) == 0

    ran = runs()
    assert sorted(key for key, _, _ in ran) == sorted(f"job {n}" for n in range(120))
    assert len({pid for _, pid, _ in ran}) >= 2, "the jobs were not shared between workers"
    jobs = DBTaskResult.objects.filter(pk__in=ids)
    assert set(jobs.values_list("status", flat=True)) == {Status.SUCCESSFUL}
    assert set(JobLease.objects.filter(pk__in=ids).values_list("attempts", flat=True)) == {1}
    assert job_queue_stats().queued == 0


def test_a_job_longer_than_its_lease_keeps_it_while_its_worker_lives(runs):
    """The heartbeat renews the lease: a second worker reaping all along never takes the job."""
    with DATABASE_QUEUE:
        result_id = record_run.enqueue("long", pause=LEASE_SECONDS * 2.5).id
    with workers(2):
        wait_for(lambda: job(result_id).status == Status.SUCCESSFUL, timeout=60, what="long")
    assert [key for key, _, _ in runs()] == ["long"]
    assert job(result_id).lease.attempts == 1


def _add_followers(author: User, count: int) -> None:
    """Give `author` `count` followers, every timeline (the author's too) built.

    Bulk rows rather than `count` calls of follow_create: the rows the service writes (both
    follow tables, the counter), in seconds instead of minutes.
    """
    fans = User.objects.bulk_create(
        [User(username=f"fan{n}", email=f"fan{n}@example.com") for n in range(count)],
        batch_size=2000,
    )
    UserFollows.objects.bulk_create(
        [UserFollows(follower=fan, following=author) for fan in fans], batch_size=2000
    )
    UserFollowers.objects.bulk_create(
        [UserFollowers(user=author, follower=fan) for fan in fans], batch_size=2000
    )
    User.objects.filter(pk=author.pk).update(followers_count=count)
    HomeTimeline.objects.bulk_create(
        [HomeTimeline(owner=user) for user in [author, *fans]], batch_size=2000
    )


def _owners(tweet_id: int) -> list[int]:
    return sorted(
        HomeTimelineEntry.objects.filter(tweet_id=tweet_id).values_list("owner_id", flat=True)
    )


def test_worker_killed_mid_fan_out_leaves_the_job_to_a_retry_without_duplicates_or_gaps(runs):
    followers = 9000
    author = user_create()
    _add_followers(author, followers)
    with DATABASE_QUEUE:
        tweet, clean, blocked = (post(author) for _ in range(3))
    # Their fan-out jobs wait in the queue; this test queues its own.
    DBTaskResult.objects.all().delete()

    # Clean: the real fan-out service, run here once, uninterrupted.
    timeline_services.timeline_fan_out(tweet_id=clean.pk)
    expected = _owners(clean.pk)
    assert len(expected) == followers + 1

    # 1. Batches of 500 committed one by one: the worker dies with some committed.
    with DATABASE_QUEUE:
        result_id = fan_out_in_batches.enqueue(tweet.pk, batch=500, pause=0.2).id
    with workers(1) as (first,):
        wait_for(lambda: len(_owners(tweet.pk)) > 500, timeout=60, what="a committed batch")
        first.send_signal(signal.SIGKILL)
        first.wait()
    partial = len(_owners(tweet.pk))
    assert 500 < partial < followers + 1, "the kill did not land mid fan-out"
    killed = job(result_id)
    assert killed.status == Status.RUNNING  # stuck, until a live worker reaps it

    with workers(1):
        wait_for(lambda: job(result_id).status == Status.SUCCESSFUL, timeout=60, what="the retry")
    done = job(result_id)
    assert done.lease.attempts == 2
    assert len(done.worker_ids) == 2 and done.worker_ids[0] != done.worker_ids[1]
    assert _owners(tweet.pk) == expected  # no gaps, and no duplicates (a list, not a set)
    assert [key for key, _, _ in runs()] == [f"fan-out {tweet.pk}"] * 2

    # 2. The real fan-out job, killed in the middle of its one INSERT (held on a lock here).
    with DATABASE_QUEUE:
        result_id = timeline_fan_out.enqueue(blocked.pk).id
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE home_timeline IN SHARE MODE")
        with workers(1) as (third,):
            wait_for(_fan_out_waits_on_lock, timeout=60, what="the fan-out INSERT")
            third.send_signal(signal.SIGKILL)
            third.wait()
    assert job(result_id).status == Status.RUNNING
    with workers(1):
        wait_for(lambda: job(result_id).status == Status.SUCCESSFUL, timeout=60, what="the retry")
    assert job(result_id).lease.attempts == 2
    assert _owners(blocked.pk) == expected


def _fan_out_waits_on_lock() -> bool:
    with connection.cursor() as cursor:
        # Activity is read once per transaction unless the snapshot is dropped.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND query LIKE '%%INSERT INTO home_timeline%%' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0


def test_a_job_that_always_fails_is_retried_with_backoff_then_dead_lettered(runs):
    with DATABASE_QUEUE:
        result_id = always_fails.enqueue("poison").id
        fine_id = record_run.enqueue("fine").id
    with workers(1):
        wait_for(lambda: job(result_id).status == Status.FAILED, timeout=60, what="the dead letter")
        wait_for(lambda: job(fine_id).status == Status.SUCCESSFUL, timeout=30, what="fine")

    dead = job(result_id)
    assert dead.lease.attempts == MAX_ATTEMPTS
    assert dead.exception_class_path == "builtins.ValueError"
    assert "ValueError: boom poison" in dead.traceback
    assert dead.finished_at is not None
    tries = [at for key, _, at in runs() if key == "poison"]
    assert len(tries) == MAX_ATTEMPTS
    # Waits of BACKOFF x 1, then x 2 (a little slack for the clocks of two processes).
    gaps = [later - earlier for earlier, later in itertools.pairwise(tries)]
    assert gaps[0] >= BACKOFF_SECONDS * 0.9 and gaps[1] >= 2 * BACKOFF_SECONDS * 0.9
    stats = job_queue_stats()
    assert (stats.failed, stats.queued, stats.running) == (1, 0, 0)


def _children(pid: int) -> set[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        return {int(child) for child in children.read().split()}


def test_the_pool_replaces_a_worker_that_dies_and_stops_its_workers_on_sigterm():
    with workers(1, "--processes", "2") as (pool,):
        wait_for(lambda: len(_children(pool.pid)) == 2, timeout=30, what="two workers")
        first, second = sorted(_children(pool.pid))
        os.kill(first, signal.SIGKILL)
        wait_for(lambda: len(_children(pool.pid) - {first}) == 2, timeout=30, what="a new worker")
        assert second in _children(pool.pid)
        pool.send_signal(signal.SIGTERM)
        assert pool.wait(timeout=30) == 0
    with pytest.raises(ProcessLookupError):
        os.kill(second, 0)
