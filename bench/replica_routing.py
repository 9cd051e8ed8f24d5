"""What routing reads to a replica costs a request: wall and CPU, side by side, in-process.

Makes a throwaway primary holding a copy of `--source` and a real streaming replica of it
(twitterclone/tests/replicas/cluster.py, ports 5442/5443), points the app at them
(DATABASE_URL, DATABASE_REPLICA_URLS; read-your-writes positions in Redis, REDIS_URL, as in
production) and asks the same pages through Django's full stack from clients that differ
only in where their reads go:

- primary: MIDDLEWARE without ReplicaMiddleware, every read on the primary (as before);
- primary_again: a second such client, the A/A control (how far identical clients differ);
- replica: a signed-in reader with no recent write: one cache lookup, reads on the replica;
- writer: a reader whose last write the replica has not replayed (replay paused): the cache
  lookup, one replay-position query on the replica, then every read on the primary.

Rounds alternate the variants (the order flips every other round) so the machine's load
falls on all alike. Run from the project root (Redis on 6379, database 14 is flushed):

    .venv/bin/python bench/replica_routing.py \\
        --source postgresql://postgres@127.0.0.1:5432/tc_replicas_bench --runs 200 --rounds 4

The source needs a reader following 50+ accounts and an author with 20+ tweets
(manage.py seed_social --users 3000 --avg-follows 100 --tweets 150000 --seed 7 --force).
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timing import measure  # noqa: E402 (bench/, this script's folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, help="database URL to copy (small)")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--ports", default="5442,5443")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--drill-only", action="store_true", help="only the stopped-replica drill")
    args = parser.parse_args()

    from twitterclone.tests.replicas.cluster import primary_and_replica

    dbname = args.source.rsplit("/", 1)[1]
    primary_port, replica_port = (int(port) for port in args.ports.split(","))
    started = time.monotonic()
    with primary_and_replica(
        primary_port=primary_port,
        replica_port=replica_port,
        source_dsn=args.source,
        dbname=dbname,
    ) as pair:
        print(f"pair ready in {time.monotonic() - started:.1f} s", flush=True)
        os.environ.update(
            DJANGO_SETTINGS_MODULE="twitterclone.settings.production",
            DJANGO_SECRET_KEY="bench-only-secret-key-not-for-production-use",
            DJANGO_ALLOWED_HOSTS="testserver",
            DJANGO_SECURE_COOKIES="false",
            API_THROTTLING="off",
            TASKS_BACKEND="database",
            REDIS_URL=args.redis,
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{primary_port}/{dbname}",
            DATABASE_REPLICA_URLS=f"postgres://postgres@127.0.0.1:{replica_port}/{dbname}",
            # Replay stays paused for the whole run (the writer's variant): never skip it
            # for lag here; this measures the routing, not the lag bound.
            DATABASE_REPLICA_MAX_LAG="86400",
        )
        results = {} if args.drill_only else compare(pair, runs=args.runs, rounds=args.rounds)
        results["drill"] = drill(pair)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


def compare(pair, *, runs: int, rounds: int) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.test import override_settings

    # No collected manifest here: pages link their static files by their plain names.
    plain_static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain_static}):
        return _compare(pair, runs=runs, rounds=rounds)


def _compare(pair, *, runs: int, rounds: int) -> dict:
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connections
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from accounts.services import token_create

    cache.clear()
    reader = User.objects.filter(following_count__gte=50).order_by("id").first()
    writer = User.objects.filter(following_count__gte=50).order_by("id")[1]
    author = User.objects.filter(tweets_count__gte=20, privacy="public").order_by("id").first()
    paths = {
        "home_json": "/api/v1/timeline/home",
        "profile_html": f"/@{author.username}",
    }
    plain = [m for m in settings.MIDDLEWARE if m != "twitterclone.replicas.ReplicaMiddleware"]

    def client_for(user, middleware):
        with override_settings(MIDDLEWARE=middleware):
            client = Client(headers={"authorization": f"Bearer {token_create(user=user)}"})
            client.force_login(user)
            for path in paths.values():
                assert client.get(path).status_code == 200
        return client

    clients = {
        "primary": client_for(reader, plain),
        "primary_again": client_for(reader, plain),
        "replica": client_for(reader, list(settings.MIDDLEWARE)),
        "writer": client_for(writer, list(settings.MIDDLEWARE)),
    }
    pair.wait_replayed()
    # The writer writes while replay is paused: the replica never has their write.
    pair.replay_pause()
    response = clients["writer"].post(
        "/api/v1/tweets", {"content": "routing bench"}, "application/json"
    )
    assert response.status_code == 201, response.content
    # Where each variant reads from: counted once, before measuring.
    for variant, client in clients.items():
        with (
            CaptureQueriesContext(connections["default"]) as on_primary,
            CaptureQueriesContext(connections["replica_0"]) as on_replica,
        ):
            client.get(paths["home_json"])
        print(
            f"{variant:13} queries on primary {len(on_primary)}, on replica {len(on_replica)}",
            flush=True,
        )
    results: dict[str, list[dict]] = {}
    try:
        for round_ in range(rounds):
            for name, path in paths.items():
                order = list(clients.items())
                for variant, client in order[::-1] if round_ % 2 else order:

                    def call(client=client, path=path):
                        response = client.get(path)
                        assert response.status_code == 200, (path, response.status_code)

                    result = measure(call, runs, warmup=5, digits=3)
                    results.setdefault(f"{name}_{variant}", []).append(result)
                    print(f"round {round_ + 1} {name:12} {variant:13} {result}", flush=True)
    finally:
        pair.replay_resume()
    summary = {"components_us": components(reader)}
    for key, rows in results.items():
        summary[key] = {
            measure_name: round(statistics.median(row[measure_name] for row in rows), 3)
            for measure_name in rows[0]
        }
    print("components (microseconds per call):", summary["components_us"])
    print("median over rounds:")
    for key, row in summary.items():
        if key == "components_us":
            continue
        print(f"  {key:28} {row}")
    return {"runs": runs, "rounds": rounds, "summary": summary, "rounds_detail": results}


def drill(pair) -> dict:
    """Stop the replica under a reader's requests: what each request costs, and the way back."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections
    from django.test import Client, override_settings

    from accounts.models import User
    from accounts.services import token_create
    from twitterclone import replicas

    plain_static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain_static}):
        reader = User.objects.filter(following_count__gte=50).order_by("id")[2]
        client = Client(headers={"authorization": f"Bearer {token_create(user=reader)}"})
        path = "/api/v1/timeline/home"

        def timed_get() -> tuple[float, str]:
            on_replica = []

            def count(execute, sql, params, many, context):
                on_replica.append(sql)
                return execute(sql, params, many, context)

            # An execute wrapper, not CaptureQueriesContext: that one connects first.
            with connections["replica_0"].execute_wrapper(count):
                started = time.perf_counter()
                response = client.get(path)
                took = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.status_code
            return round(took, 1), "replica" if len(on_replica) > 1 else "primary"

        pair.wait_replayed()
        replicas.health_reset()
        before = [timed_get() for _ in range(5)]
        pair.replica.stop()
        stopped = [timed_get() for _ in range(20)]
        pair.replica.start()
        started = time.monotonic()
        back = None
        while time.monotonic() - started < 60:
            _, served = timed_get()
            if served == "replica":
                back = round(time.monotonic() - started, 1)
                break
            time.sleep(0.1)
    result = {
        "before_ms": before,
        "stopped_first_ms": stopped[0],
        "stopped_next_p50_ms": statistics.median(took for took, _ in stopped[1:]),
        "stopped_served_by": sorted({served for _, served in stopped}),
        "back_on_replica_after_start_s": back,
    }
    print("drill:", result, flush=True)
    return result


def components(reader, calls: int = 2000) -> dict:
    """Time the routing's parts alone, in microseconds per call (median of 5 batches)."""
    from types import SimpleNamespace

    from twitterclone import replicas

    request = SimpleNamespace(user=reader, session=None, META={}, method="GET")
    replicas.position_remember(request)
    decided = replicas._State(request=request, may_use_replica=True, alias="replica_0")

    def timed(call, n: int) -> float:
        batches = []
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(n):
                call()
            batches.append((time.perf_counter() - started) * 1e6 / n)
        return round(statistics.median(batches), 1)

    return {
        # Every query of a routed request asks the router once.
        "db_for_read_decided": timed(lambda: decided.read_alias(None), calls),
        # A reader's once-per-request decision: the cache lookup of their last write...
        "position_lookup_redis": timed(lambda: replicas.position_needed(request), calls // 10),
        # ...and the replay-position check, at most once a second per process (or when the
        # known position is older than the reader's write).
        "health_check_query": timed(lambda: replicas.health_check("replica_0"), calls // 10),
        # After each write request: the primary's WAL position, stored in Redis.
        "position_remember": timed(lambda: replicas.position_remember(request), calls // 10),
    }


if __name__ == "__main__":
    main()
