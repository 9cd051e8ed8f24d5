"""1,000 client connections through PgBouncer against 20 direct ones, on the home-timeline query.

    .venv/bin/python bench/db_connections.py --database tc_seed --clients 1000 --direct 20 \
        --duration 30 --json docs/benchmarks/db_connections_100k.json

Both phases run the project's own home-timeline keys query (timelines.selectors.HOME_KEYS_SQL,
first page, 21 keys) for random owners that have a materialised timeline, each client in a
closed loop, for the same `--duration` after the connections are open. Phase 1: `--clients`
connections to a loopback PgBouncer (bench/stack.py, transaction pooling,
`default_pool_size` = `--pool-size`, `max_client_conn` 2000). Phase 2: `--direct`
connections straight to PostgreSQL. A separate connection polls pg_stat_activity every
50 ms and keeps the most backends connected to the database (excluding itself).
Statements use client-side binding, as Django does, so PgBouncer 1.18 never sees a prepared
statement. The client runs in one process on the same 2 cores as PostgreSQL.
"""

import argparse
import asyncio
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import contextlib

import load as load_module
import stack as stack_module

APPLICATION_NAME = "tc-bench-db-connections"


def home_keys_sql() -> str:
    """Return the first-page home keys query exactly as tweets.selectors runs it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twitterclone.settings.local")
    import django

    django.setup()
    from timelines.selectors import HOME_KEYS_SQL

    return HOME_KEYS_SQL.format(before_m="", before_t="")


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))]


async def owners(dsn: str, count: int, seed: int) -> list[int]:
    import psycopg

    async with await psycopg.AsyncConnection.connect(dsn) as conn:
        cursor = await conn.execute("SELECT owner_id FROM home_timelines")
        ids = [row[0] for row in await cursor.fetchall()]
    return random.Random(seed).sample(ids, min(count, len(ids)))


async def watch_backends(dsn: str, database: str, stop: asyncio.Event, seen: list) -> None:
    """Keep (ours, all) client backends on `database` every 50 ms (this one excluded).

    Ours carry APPLICATION_NAME: PgBouncer sets each client's application_name on the server
    connection it lends, so its server connections show it too. "All" includes anything else
    that other people run on the same database meanwhile.
    """
    import psycopg

    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        while not stop.is_set():
            cursor = await conn.execute(
                "SELECT count(*) FILTER (WHERE application_name = %s), count(*)"
                " FROM pg_stat_activity WHERE datname = %s"
                " AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
                (APPLICATION_NAME, database),
            )
            seen.append(await cursor.fetchone())
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.05)


async def phase(
    *,
    name: str,
    dsn: str,
    monitor_dsn: str,
    database: str,
    clients: int,
    duration: float,
    warmup: float,
    sql: str,
    owner_ids: list[int],
    seed: int,
) -> dict:
    import psycopg

    latencies: list[float] = []
    errors: dict[str, int] = {}
    connect_errors = 0
    now = time.perf_counter

    async def connect(index: int):
        nonlocal connect_errors
        await asyncio.sleep(index * 0.002)  # 1,000 connections over 2 s, not one burst
        try:
            return await psycopg.AsyncConnection.connect(
                dsn,
                autocommit=True,
                prepare_threshold=None,
                cursor_factory=psycopg.AsyncClientCursor,
                connect_timeout=10,
                application_name=APPLICATION_NAME,
            )
        except psycopg.Error:
            connect_errors += 1
            return None

    connections = await asyncio.gather(*(connect(i) for i in range(clients)))
    started = now()
    measure_from, stop_at = started + warmup, started + warmup + duration

    async def client(index: int, conn) -> None:
        rng = random.Random(seed * 100_003 + index)
        while now() < stop_at:
            params = {"owner_id": rng.choice(owner_ids), "count": 21}
            began = now()
            try:
                cursor = await conn.execute(sql, params)
                await cursor.fetchall()
            except psycopg.Error as exc:
                key = type(exc).__name__
                errors[key] = errors.get(key, 0) + 1
                if conn.closed:
                    return
                continue
            if began >= measure_from:
                latencies.append((now() - began) * 1000)

    stop = asyncio.Event()
    seen: list[int] = []
    watcher = asyncio.create_task(watch_backends(monitor_dsn, database, stop, seen))
    tasks = [asyncio.create_task(client(i, c)) for i, c in enumerate(connections) if c is not None]
    bouncer = stack_module.STARTED.get("pgbouncer")
    bouncer_pid = bouncer.pid if bouncer is not None and bouncer.poll() is None else None
    await asyncio.sleep(max(0.0, measure_from - now()))
    cpu_before = _cpu(bouncer_pid)
    busy_before = load_module.cpu_times()
    await asyncio.sleep(max(0.0, stop_at - now()))
    cpu_after = _cpu(bouncer_pid)
    busy_after = load_module.cpu_times()
    await asyncio.gather(*tasks)
    stop.set()
    await watcher
    for conn in connections:
        if conn is not None:
            await conn.close()
    return {
        "phase": name,
        "client_connections": clients,
        "opened": sum(c is not None for c in connections),
        "duration_s": duration,
        "queries": len(latencies),
        "qps": round(len(latencies) / duration, 1),
        "p50_ms": _round(percentile(latencies, 50)),
        "p95_ms": _round(percentile(latencies, 95)),
        "p99_ms": _round(percentile(latencies, 99)),
        "errors": sum(errors.values()) + connect_errors,
        "error_kinds": {**errors, **({"connect": connect_errors} if connect_errors else {})},
        "max_server_connections": max(ours for ours, _ in seen) if seen else None,
        "max_backends_on_database_incl_others": max(every for _, every in seen) if seen else None,
        "load_average_1m_before": None,
        "client_cpu_percent_of_one_core": round(100 * (cpu_after[0] - cpu_before[0]) / duration, 1),
        "pgbouncer_cpu_percent_of_one_core": (
            round(100 * (cpu_after[1] - cpu_before[1]) / duration, 1) if bouncer_pid else None
        ),
        "machine_cpu_busy_percent": round(
            100 * (busy_after[0] - busy_before[0]) / max(1.0, busy_after[1] - busy_before[1]), 1
        ),
    }


def _cpu(bouncer_pid: int | None) -> tuple[float, float]:
    """Return (this process's CPU seconds, PgBouncer's CPU seconds or 0)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    bouncer = stack_module.tree_cpu_seconds(bouncer_pid) if bouncer_pid else 0.0
    return usage.ru_utime + usage.ru_stime, bouncer


def _round(value):
    return None if value is None else round(value, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="tc_seed")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--bouncer-port", type=int, default=6432)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--direct", type=int, default=20)
    parser.add_argument("--pool-size", type=int, default=20, help="PgBouncer default_pool_size")
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--owners", type=int, default=20000, help="distinct timeline owners")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="alternate the phases N times")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    stack_module.raise_fd_limit(max(20000, 3 * args.clients))
    direct = f"postgresql://postgres@127.0.0.1:{args.pg_port}/{args.database}"
    bounced = f"postgresql://postgres@127.0.0.1:{args.bouncer_port}/{args.database}"
    os.environ["DATABASE_URL"] = direct
    sql = home_keys_sql()

    import uvloop

    owner_ids = uvloop.run(owners(direct, args.owners, args.seed))
    common = dict(
        monitor_dsn=direct,
        database=args.database,
        duration=args.duration,
        warmup=args.warmup,
        sql=sql,
        owner_ids=owner_ids,
        seed=args.seed,
    )
    results = []
    for round_ in range(args.repeat):
        if round_:
            time.sleep(3)
        with stack_module.pgbouncer(
            port=args.bouncer_port, server_port=args.pg_port, pool_size=args.pool_size
        ):
            load = os.getloadavg()[0]
            result = uvloop.run(
                phase(name="pgbouncer", dsn=bounced, clients=args.clients, **common)
            )
            result["load_average_1m_before"] = load
            result["pool_size"] = args.pool_size
            results.append(result)
            print(json.dumps(result), flush=True)
        time.sleep(3)
        load = os.getloadavg()[0]
        result = uvloop.run(phase(name="direct", dsn=direct, clients=args.direct, **common))
        result["load_average_1m_before"] = load
        results.append(result)
        print(json.dumps(result), flush=True)
    bounced_qps = sum(r["qps"] for r in results if r["phase"] == "pgbouncer")
    direct_qps = sum(r["qps"] for r in results if r["phase"] == "direct")
    ratio = bounced_qps / direct_qps if direct_qps else None
    print(f"throughput through PgBouncer / direct: {ratio:.3f}" if ratio else "no direct queries")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "phases": results,
                    "pgbouncer_over_direct": ratio and round(ratio, 3),
                    "environment": {"cpus": os.cpu_count(), "command": " ".join(sys.argv)},
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
