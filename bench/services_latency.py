"""Measure write-path latency of the services against the real database and settings.

Times, one call at a time on one connection (commit included):

- register: `accounts.services.user_register` (validation queries, password validators,
  hashing, INSERT);
- hash_only: `make_password` with the first configured hasher (Argon2id, OWASP parameters),
  timed right after each registration so both see the same load;
- follow: `social.services.follow_create` on a public account (row locks, block and
  duplicate checks, both follow tables, both counters, one transaction);
- unfollow: `social.services.follow_delete` of those same follows.

A follow queues a home-timeline job after its commit (backfill; unfollow: removal). The
`follow`/`unfollow` rows measure the service's transaction with the job recorded but not run
(the dummy tasks backend); `follow_queued`/`unfollow_queued` add what production adds to the
request, queuing the job in the database backend (one more INSERT after the commit). The
jobs themselves run in the worker; `manage.py timeline_benchmark` measures fan-out.

Every user it creates carries a random `bench_<hex>_` prefix and is deleted at the end, also
when a run fails or is interrupted. Run from the project root:

    .venv/bin/python bench/services_latency.py --runs 200 [--json results.json]

DJANGO_SETTINGS_MODULE defaults to twitterclone.settings.local: with DATABASE_URL unset that
starts the embedded PostgreSQL under .data/, otherwise it uses DATABASE_URL.
"""

import argparse
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_PASSWORD = "bench-" + secrets.token_urlsafe(12)


def django_setup() -> None:
    """Configure Django with the project's real settings (local unless told otherwise)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twitterclone.settings.local")
    import django

    django.setup()


def summarize(samples_ms: list[float]) -> dict[str, float]:
    """Return p50/p95/p99/mean/min/max in ms (inclusive quantiles) and the sample count."""
    ordered = sorted(samples_ms)
    if len(ordered) == 1:
        p50 = p95 = p99 = ordered[0]
    else:
        cuts = statistics.quantiles(ordered, n=100, method="inclusive")
        p50, p95, p99 = cuts[49], cuts[94], cuts[98]
    return {
        "p50_ms": round(p50, 3),
        "p95_ms": round(p95, 3),
        "p99_ms": round(p99, 3),
        "mean_ms": round(statistics.fmean(ordered), 3),
        "min_ms": round(ordered[0], 3),
        "max_ms": round(ordered[-1], 3),
        "runs": len(ordered),
    }


def timed(call: Callable[[], object]) -> float:
    """Run `call` once and return its wall time in milliseconds."""
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def queries_per_call(call: Callable[[], object]) -> int:
    """Run `call` once (untimed) and return how many SQL statements Django sent."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def environment() -> dict:
    """Describe the machine, the server and the data already in the database."""
    from django.conf import settings
    from django.contrib.auth.hashers import get_hasher
    from django.db import connection

    hasher = get_hasher()
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0]
        cursor.execute("SHOW synchronous_commit")
        synchronous_commit = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        database_size = cursor.fetchone()[0]
        rows = {}
        for table in ("users", "tweets", "user_follows", "likes"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            rows[table] = cursor.fetchone()[0]
    return {
        "cpus": os.cpu_count(),
        # Anything else running shares the CPUs with Argon2 and PostgreSQL: note how busy.
        "load_average_1_5_15": [round(load, 2) for load in os.getloadavg()],
        "git": git_revision(),
        "python": sys.version.split()[0],
        "postgresql": version,
        "synchronous_commit": synchronous_commit,
        "settings": os.environ["DJANGO_SETTINGS_MODULE"],
        "database_host": str(settings.DATABASES["default"].get("HOST") or "localhost"),
        "debug_sql_logging": settings.DEBUG,
        "hasher": (
            f"{type(hasher).__module__}.{type(hasher).__name__} "
            f"(m={getattr(hasher, 'memory_cost', '?')} KiB, t={getattr(hasher, 'time_cost', '?')},"
            f" p={getattr(hasher, 'parallelism', '?')})"
        ),
        "database_size": database_size,
        "rows": rows,
        "unapplied_migrations": unapplied_migrations(),
    }


def bench_register(*, prefix: str, runs: int, warmup: int) -> dict:
    """Register warmup + runs users, each measured call followed by one bare hash.

    Alternating the two lets both see the same machine load, so their difference is the
    cost of everything in registration but the hash.
    """
    from django.contrib.auth.hashers import make_password

    from accounts.services import user_register

    users = []

    def register(number: int) -> None:
        users.append(
            user_register(
                username=f"{prefix}{number}",
                email=f"{prefix}{number}@bench.example.com",
                password=BENCH_PASSWORD,
                display_name=f"Bench {number}",
            )
        )

    def hash_only() -> None:
        make_password(BENCH_PASSWORD)

    for number in range(warmup - 1):
        register(number)
        hash_only()
    queries = queries_per_call(lambda: register(warmup - 1))
    register_samples, hash_samples = [], []
    for number in range(warmup, warmup + runs):
        register_samples.append(timed(lambda number=number: register(number)))
        hash_samples.append(timed(hash_only))
    return {
        "register": register_samples,
        "hash_only": hash_samples,
        "users": users,
        "queries": queries,
    }


def bench_follow(*, users: list, runs: int, warmup: int) -> dict[str, tuple[list[float], int]]:
    """Follow then unfollow along a ring of the bench users (each pair distinct)."""
    from social.services import FollowStatus, follow_create, follow_delete

    pairs = [(users[i], users[(i + 1) % len(users)]) for i in range(len(users))]
    warm, measured = pairs[:warmup], pairs[warmup : warmup + runs]
    if len(measured) < runs:
        raise RuntimeError("not enough bench users for distinct follow pairs")

    def follow(pair) -> None:
        if follow_create(follower=pair[0], followee=pair[1]) != FollowStatus.FOLLOWING:
            raise RuntimeError(f"{pair[0]} did not follow {pair[1]}")

    def unfollow(pair) -> None:
        if not follow_delete(follower=pair[0], followee=pair[1]):
            raise RuntimeError(f"{pair[0]} had not followed {pair[1]}")

    for pair in warm[:-1]:
        follow(pair)
        unfollow(pair)
    follow_queries = queries_per_call(lambda: follow(warm[-1]))
    unfollow_queries = queries_per_call(lambda: unfollow(warm[-1]))
    follow_samples = [timed(lambda pair=pair: follow(pair)) for pair in measured]
    unfollow_samples = [timed(lambda pair=pair: unfollow(pair)) for pair in measured]
    return {
        "follow": (follow_samples, follow_queries),
        "unfollow": (unfollow_samples, unfollow_queries),
    }


# The tables this script writes, referencing users; the raw fallback clears them in order.
_RAW_CLEANUP = [
    ("user_follows", ("follower_id", "following_id")),
    ("user_followers", ("user_id", "follower_id")),
    ("follow_requests", ("target_id", "requester_id")),
]


def _drop_queued_jobs() -> None:
    """Delete the timeline jobs this run queued in the database backend (no worker runs them)."""
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(task_path__startswith="timelines.tasks.").delete()


def cleanup(prefix: str) -> int:
    """Delete every user whose username starts with `prefix`; return how many were deleted.

    The ORM delete cascades to everything that references them. Should it fail (say a model
    whose table is not migrated yet), raw SQL clears the tables this script writes instead.
    """
    from django.db import DatabaseError, connection, transaction

    from accounts.models import User

    try:
        with transaction.atomic():
            _, by_model = User.objects.filter(username__startswith=prefix).delete()
        return by_model.get(User._meta.label, 0)
    except DatabaseError as error:
        print(f"ORM cleanup failed ({error.__class__.__name__}: {error}); trying raw SQL.")
    bench_ids = "SELECT id FROM users WHERE starts_with(username, %s)"
    with transaction.atomic(), connection.cursor() as cursor:
        for table, columns in _RAW_CLEANUP:
            condition = " OR ".join(f"{column} IN ({bench_ids})" for column in columns)
            cursor.execute(f"DELETE FROM {table} WHERE {condition}", [prefix] * len(columns))
        cursor.execute("DELETE FROM users WHERE starts_with(username, %s)", [prefix])
        return cursor.rowcount


def unapplied_migrations() -> list[str]:
    """Return the migrations the database still lacks (the bench needs the code's schema)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def git_revision() -> str:
    """Return the checked-out commit, marked "+dirty" when the working tree has changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head or 'unknown'}{'+dirty' if dirty else ''}"


def print_table(results: dict, env: dict, runs: int) -> None:
    print(f"\nWrite-path latency, {runs} runs each, one client, commit included")
    print(f"  machine: {env['cpus']} CPUs, Python {env['python']}, code {env['git']}")
    load_after = [round(load, 2) for load in os.getloadavg()]
    print(f"  load:    {env['load_average_1_5_15']} before, {load_after} after (1, 5, 15 min)")
    print(f"  server:  {env['postgresql']}")
    print(f"  host:    {env['database_host']} (synchronous_commit={env['synchronous_commit']})")
    print(f"  data:    {env['rows']} ({env['database_size']})")
    print(f"  hasher:  {env['hasher']}")
    print(f"  DEBUG SQL logging: {env['debug_sql_logging']} (off while timing follows)\n")
    header = f"{'operation':<19} {'p50':>8} {'p95':>8} {'p99':>8} {'mean':>8} {'max':>8} {'SQL':>4}"
    print(header + "   (ms)")
    print("-" * len(header))
    for name, stats in results.items():
        times = " ".join(f"{stats[key]:>8.2f}" for key in ("p50_ms", "p95_ms", "p99_ms", "mean_ms"))
        queries = stats.get("queries", "")
        print(f"{name:<19} {times} {stats['max_ms']:>8.2f} {queries:>4}")
    print(
        "\nregister_minus_hash: each registration minus the bare hash timed right after it"
        " (uniqueness checks, password validators, INSERT, COMMIT)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="measured calls per operation")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured calls first")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON here")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.warmup < 1:
        parser.error("--runs and --warmup must be at least 1")

    django_setup()
    env = environment()
    if "argon2" not in env["hasher"].lower():
        print(f"WARNING: the default hasher is {env['hasher']}, not the production Argon2id.")
    if env["unapplied_migrations"]:
        # Not fatal: the measured services may not need them, and the cleanup copes either way.
        print(f"WARNING: the database lacks {env['unapplied_migrations']}; run `make migrate`.")
    # A plain `kill` must still run the cleanup below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    prefix = f"bench_{secrets.token_hex(4)}_"
    print(f"Bench users carry the prefix {prefix}; they are deleted at the end.")
    results: dict[str, dict] = {}
    try:
        registered = bench_register(prefix=prefix, runs=args.runs, warmup=args.warmup)
        results["register"] = {
            **summarize(registered["register"]),
            "queries": registered["queries"],
        }
        from django.test.utils import override_settings

        backends = {
            "": "django_tasks.backends.dummy.DummyBackend",
            "_queued": "django_tasks_db.DatabaseBackend",
        }
        for suffix, backend in backends.items():
            # DEBUG off: the local settings' query logging is not part of a request's cost.
            with override_settings(DEBUG=False, TASKS={"default": {"BACKEND": backend}}):
                for name, (samples, queries) in bench_follow(
                    users=registered["users"], runs=args.runs, warmup=args.warmup
                ).items():
                    results[f"{name}{suffix}"] = {**summarize(samples), "queries": queries}
        _drop_queued_jobs()
        results["hash_only"] = summarize(registered["hash_only"])
        results["register_minus_hash"] = summarize(
            [r - h for r, h in zip(registered["register"], registered["hash_only"], strict=True)]
        )
    finally:
        removed = cleanup(prefix)
        print(f"Removed {removed} bench users.")

    print_table(results, env, args.runs)
    if args.json:
        Path(args.json).write_text(json.dumps({**results, "environment": env}, indent=2) + "\n")
        print(f"\nWrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
