"""The worker pool, measured: throughput and CPU per job, and the "worker killed" drill.

    .venv/bin/python bench/worker_pool.py [--jobs 2000] [--rounds 3] [--followers 20000]

Makes a scratch database (`tc_bench_workers` on 127.0.0.1:5432, dropped at the end),
migrates it, and compares django_tasks_db's `db_worker` (the old worker) with `run_jobs`
(leases, heartbeat, reaper) in one run, alternating:

1. Throughput: `--jobs` short jobs (one INSERT each) drained by two worker processes in
   `--batch` mode; wall time and the workers' CPU per job (user + system of the processes,
   from getrusage; PostgreSQL's own CPU is not counted).
2. Drill: a fan-out to `--followers` followers committed in batches of 1,000 (the test job
   jobs.tests.tasks.fan_out_in_batches); the worker running it is SIGKILLed once a batch is
   in. With `run_jobs` the other worker reaps the job when its lease runs out (lease 10 s
   here, backoff 1 s) and finishes it; the bench checks the timeline against a clean fan-out.
   With `db_worker` the job stays RUNNING: the bench reports it after lease + 10 s.
"""

import argparse
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "tc_bench_workers"
URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
LEASE, BACKOFF = 10, 1
ENV = {
    **os.environ,
    "DATABASE_URL": URL,
    "TASKS_BACKEND": "database",
    "DJANGO_SETTINGS_MODULE": "twitterclone.settings.local",
    "JOBS_LEASE_SECONDS": str(LEASE),
    "JOBS_RETRY_BACKOFF_SECONDS": str(BACKOFF),
    "LOG_LEVEL": "WARNING",
    # The drill's author has --followers followers and must be fanned out, not pulled.
    "TIMELINE_CELEBRITY_THRESHOLD": "1000000",
}
WORKERS = {
    # -v0: db_worker logs two lines per job otherwise; run_jobs logs only failures.
    "db_worker": ["db_worker", "--no-startup-delay", "--interval", "0.05", "--no-reload", "-v0"],
    "run_jobs": ["run_jobs", "--interval", "0.05", "-v0"],
}


def psql(sql: str, database: str = "postgres") -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-qAtc", sql],
        check=True,
        capture_output=True,
    )


def django_setup() -> None:
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def start(kind: str, *extra: str) -> subprocess.Popen:
    argv = [sys.executable, "manage.py", *WORKERS[kind], *extra]
    return subprocess.Popen(argv, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def throughput(kind: str, jobs: int) -> tuple[float, float]:
    """Return (wall seconds, worker CPU ms per job) for two workers draining `jobs` jobs."""
    from django.test import override_settings

    from jobs.tests.tasks import record_run

    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        for n in range(jobs):
            record_run.enqueue(f"{kind} {n}")
    cpu, started = children_cpu(), time.perf_counter()
    procs = [start(kind, "--batch") for _ in range(2)]
    for proc in procs:
        proc.wait()
    wall = time.perf_counter() - started
    return wall, (children_cpu() - cpu) * 1000 / jobs


def add_followers(count: int):
    from accounts.models import User
    from accounts.services import user_register
    from social.models import UserFollowers, UserFollows
    from timelines.models import HomeTimeline

    author = user_register(
        username="drill", email="drill@example.com", password="x" * 16, display_name="Drill"
    )
    fans = User.objects.bulk_create(
        [User(username=f"fan{n}", email=f"fan{n}@example.com") for n in range(count)],
        batch_size=5000,
    )
    UserFollows.objects.bulk_create(
        [UserFollows(follower=f, following=author) for f in fans], batch_size=5000
    )
    UserFollowers.objects.bulk_create(
        [UserFollowers(user=author, follower=f) for f in fans], batch_size=5000
    )
    User.objects.filter(pk=author.pk).update(followers_count=count)
    HomeTimeline.objects.bulk_create([HomeTimeline(owner=u) for u in [author, *fans]], 5000)
    return User.objects.get(pk=author.pk)


def owners(tweet_id: int) -> list[int]:
    from timelines.models import HomeTimelineEntry

    rows = HomeTimelineEntry.objects.filter(tweet_id=tweet_id).values_list("owner_id", flat=True)
    return sorted(rows)


def drill(kind: str, author, followers: int) -> dict:
    from django.test import override_settings
    from django_tasks_db.models import DBTaskResult

    from jobs.tests.tasks import fan_out_in_batches
    from timelines.services import timeline_fan_out
    from tweets.services import tweet_create

    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        tweet = tweet_create(author=author, content=f"drill {kind}")
        clean = tweet_create(author=author, content=f"clean {kind}")
        DBTaskResult.objects.exclude(status="SUCCESSFUL").delete()
        timeline_fan_out(tweet_id=clean.pk)
        result_id = fan_out_in_batches.enqueue(tweet.pk, batch=1000, pause=0.1).id
    procs = [start(kind, "--worker-id", f"{kind}-{n}") for n in range(2)]
    while len(owners(tweet.pk)) <= 1000:
        time.sleep(0.02)
    holder = DBTaskResult.objects.get(pk=result_id).worker_ids[-1]
    victim = procs[int(holder.rsplit("-", 1)[1])]
    killed_at = time.perf_counter()
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    at_kill = len(owners(tweet.pk))
    deadline = killed_at + LEASE + BACKOFF + 30
    status = ""
    while time.perf_counter() < deadline:
        status = DBTaskResult.objects.get(pk=result_id).status
        if status == "SUCCESSFUL":
            break
        time.sleep(0.05)
    recovered = time.perf_counter() - killed_at
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait()
    final = owners(tweet.pk)
    return {
        "rows at kill": at_kill,
        "status": status,
        "seconds from kill": round(recovered, 1),
        "rows": len(final),
        "distinct": len(set(final)),
        "same as clean fan-out": final == owners(clean.pk),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--followers", type=int, default=20000)
    args = parser.parse_args()

    psql(f"DROP DATABASE IF EXISTS {DATABASE}")
    psql(f"CREATE DATABASE {DATABASE}")
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=ENV, check=True
        )
        psql(
            "CREATE TABLE job_test_runs (job_key text NOT NULL, pid int NOT NULL,"
            " at timestamptz NOT NULL DEFAULT clock_timestamp())",
            DATABASE,
        )
        django_setup()
        print(f"load before: {os.getloadavg()}")
        results: dict[str, list[tuple[float, float]]] = {kind: [] for kind in WORKERS}
        for round_ in range(args.rounds):
            order = list(WORKERS) if round_ % 2 == 0 else list(reversed(WORKERS))
            for kind in order:
                wall, cpu = throughput(kind, args.jobs)
                results[kind].append((wall, cpu))
                print(
                    f"round {round_} {kind:9} {args.jobs} jobs: {wall:.2f} s wall, "
                    f"{args.jobs / wall:.0f} jobs/s, {cpu:.2f} ms worker CPU per job"
                )
        for kind, rows in results.items():
            if not rows:
                continue
            walls, cpus = sorted(w for w, _ in rows), sorted(c for _, c in rows)
            print(
                f"median {kind:9}: {args.jobs / walls[len(walls) // 2]:.0f} jobs/s, "
                f"{cpus[len(cpus) // 2]:.2f} ms CPU/job"
            )
        author = add_followers(args.followers)
        for kind in ("run_jobs", "db_worker"):
            print(f"drill {kind}: {drill(kind, author, args.followers)}")
        print(f"load after: {os.getloadavg()}")
    finally:
        from django.db import connections

        connections.close_all()
        psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


if __name__ == "__main__":
    main()
