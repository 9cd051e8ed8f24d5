"""Fault drill: restart PostgreSQL in the middle of a load run and watch the app recover.

    .venv/bin/python bench/fault_drill.py --json docs/benchmarks/fault_drill.json

The machine's own PostgreSQL is never touched. The drill makes a throwaway cluster with the
Debian binaries (initdb and pg_ctl from /usr/lib/postgresql/15/bin, run as `postgres`) in a
temporary folder on port 5441, seeds it (`seed_social --users 5000 --tweets 200000`),
starts PgBouncer (6441) and the app server (8041) with production settings plus the job
worker (run_jobs) against it (bench/stack.py), and runs bench/load.py's mix with `--concurrency`
virtual users for `--duration` seconds. At `--stop-at` seconds it stops PostgreSQL
(`pg_ctl stop -m fast`), waits `--down` seconds and starts it again; the app server and
PgBouncer are left alone. It prints, second by second, the answers by status and their
latencies, checks that 503s came back fast (p99 of failed requests under the pool timeout)
and that successful answers resumed without restarting anything, then runs
`manage.py check_graph` and `manage.py recount --check` on the drill database. Everything
it started is stopped and its folder deleted at the end, also on failure.
"""

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import load
import stack as stack_module

PG_BIN = Path("/usr/lib/postgresql/15/bin")
DATABASE = "tc_drill"


def as_postgres(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a PostgreSQL binary as the postgres user (they refuse root)."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(prefix + command, check=True, **kwargs)


@contextlib.contextmanager
def throwaway_cluster(*, port: int):
    """initdb a cluster in a temp folder, start it on 127.0.0.1:`port`; stop and delete it."""
    workdir = Path(tempfile.mkdtemp(prefix="tc-drill-"))
    data = workdir / "data"
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres", "postgres")
    options = (
        f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c max_connections=60 "
        "-c shared_buffers=128MB -c fsync=on"
    )

    def pg_ctl(*args: str) -> None:
        command = [str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(workdir / "log")]
        as_postgres([*command, *args], stdout=subprocess.DEVNULL)

    try:
        as_postgres(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
            stdout=subprocess.DEVNULL,
        )
        pg_ctl("-o", options, "-w", "start")
        yield {
            "stop": lambda: pg_ctl("-m", "fast", "-w", "stop"),
            "start": lambda: pg_ctl("-o", options, "-w", "start"),
            "log": workdir / "log",
        }
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            pg_ctl("-m", "immediate", "-w", "stop")
        shutil.rmtree(workdir, ignore_errors=True)


def manage(*args: str, database_url: str, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="twitterclone.settings.local")
    return subprocess.run(
        [str(stack_module.PYTHON), "manage.py", *args],
        cwd=stack_module.ROOT,
        env=env,
        check=check,
        capture_output=True,
        text=True,
    )


def timeline(records: list, *, stop_at: float, restarted_at: float | None) -> list[dict]:
    """Per second: answers by status and latencies (ms) of successes and failures."""
    seconds: dict[int, list] = {}
    for record in records:
        seconds.setdefault(int(record.started), []).append(record)
    rows = []
    for second in sorted(seconds):
        group = seconds[second]
        ok = [r.ms for r in group if 200 <= r.status < 300]
        failed = [r.ms for r in group if not 200 <= r.status < 300]
        statuses: dict[str, int] = {}
        for r in group:
            key = str(r.status or r.error)
            statuses[key] = statuses.get(key, 0) + 1
        rows.append(
            {
                "second": second,
                "statuses": statuses,
                "ok_p99_ms": load._round(load.percentile(ok, 99)),
                "failed_p50_ms": load._round(load.percentile(failed, 50)),
                "failed_max_ms": load._round(max(failed) if failed else None),
                "phase": (
                    "down"
                    if stop_at <= second + 1 and (restarted_at is None or second < restarted_at)
                    else "up"
                ),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-port", type=int, default=5441)
    parser.add_argument("--bouncer-port", type=int, default=6441)
    parser.add_argument("--port", type=int, default=8041)
    parser.add_argument("--server", choices=["gunicorn", "granian"], default="granian")
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--tweets", type=int, default=200000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--duration", type=float, default=40.0)
    parser.add_argument("--stop-at", type=float, default=12.0, help="seconds into the run")
    parser.add_argument("--down", type=float, default=6.0, help="seconds PostgreSQL stays down")
    parser.add_argument("--pool-timeout", type=float, default=3.0, help="DB_POOL_TIMEOUT")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    stack_module.raise_fd_limit()
    for port in (args.pg_port, args.bouncer_port, args.port):
        stack_module.require_free(port)
    direct = f"postgres://postgres@127.0.0.1:{args.pg_port}/{DATABASE}"
    report: dict = {"command": " ".join(sys.argv), "cpus": os.cpu_count()}
    with throwaway_cluster(port=args.pg_port) as cluster:
        as_postgres(
            [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(args.pg_port), DATABASE]
        )
        began = time.monotonic()
        manage("migrate", "--noinput", database_url=direct)
        manage(
            "seed_social",
            "--users",
            str(args.users),
            "--avg-follows",
            "50",
            "--tweets",
            str(args.tweets),
            "--seed",
            "1",
            database_url=direct,
        )
        report["seed_seconds"] = round(time.monotonic() - began, 1)
        print(f"seeded {args.users} users / {args.tweets} tweets in {report['seed_seconds']} s")
        load.setup_django(direct)
        world = load.world_create(users=max(500, args.concurrency), seed=1)
        events: dict[str, float] = {}
        try:
            with stack_module.stack(
                database=DATABASE,
                server=args.server,
                port=args.port,
                pg_port=args.pg_port,
                bouncer_port=args.bouncer_port,
                extra_env={"DB_POOL_TIMEOUT": str(args.pool_timeout)},
            ) as url:
                run_started = time.perf_counter() + 2.0  # load.run_level's warm-up below

                def restart() -> None:
                    time.sleep(max(0.0, run_started + args.stop_at - time.perf_counter()))
                    events["stop_begin"] = time.perf_counter() - run_started
                    cluster["stop"]()
                    events["stopped"] = time.perf_counter() - run_started
                    time.sleep(args.down)
                    events["start_begin"] = time.perf_counter() - run_started
                    cluster["start"]()
                    events["started"] = time.perf_counter() - run_started

                restarter = threading.Thread(target=restart)
                records: list = []
                original = load.summarise

                def keep_records(recs, **kwargs):
                    records.extend(recs)
                    return original(recs, **kwargs)

                load.summarise = keep_records
                restarter.start()
                import uvloop

                run = uvloop.run(
                    load.run_level(
                        url=url,
                        world=world,
                        concurrency=args.concurrency,
                        duration=args.duration,
                        warmup=2.0,
                        post_rate=0,
                        timeout=30.0,
                        seed=1,
                    )
                )
                restarter.join()
                load.summarise = original
                # Give the worker a moment to finish the fan-out jobs the run queued.
                time.sleep(5)
        finally:
            from django.db import connection

            connection.close_pool()  # its connections died with the restart
            with contextlib.suppress(Exception):
                load.world_delete(world)
        # run_level's record times count from its own start, 2 s of warm-up before ours.
        for record in records:
            record.started -= 2.0
        stop_at, started_at = events["stop_begin"], events["started"]
        rows = timeline(records, stop_at=stop_at, restarted_at=started_at)
        failed = [r for r in records if not 200 <= r.status < 300]
        failed_ms = [r.ms for r in failed]
        after = [r for r in records if r.started >= started_at]
        first_ok_after = min((r.started for r in after if 200 <= r.status < 300), default=None)
        late = [r for r in records if r.started >= started_at + 5]
        report.update(
            {
                "events_s": {k: round(v, 2) for k, v in events.items()},
                "requests": len(records),
                "errors": len(failed),
                "error_statuses": run["error_kinds"],
                "failed_p50_ms": load._round(load.percentile(failed_ms, 50)),
                "failed_p99_ms": load._round(load.percentile(failed_ms, 99)),
                "failed_max_ms": load._round(max(failed_ms) if failed_ms else None),
                "pool_timeout_s": args.pool_timeout,
                "non_503_failures": sum(1 for r in failed if r.status != 503),
                "first_success_after_start_s": (
                    round(first_ok_after - started_at, 2) if first_ok_after is not None else None
                ),
                "errors_from_5_s_after_start": sum(1 for r in late if not 200 <= r.status < 300),
                "requests_from_5_s_after_start": len(late),
                "per_second": rows,
            }
        )
        graph = manage("check_graph", database_url=direct, check=False)
        counts = manage("recount", "--check", database_url=direct, check=False)
        report["check_graph"] = {"exit": graph.returncode, "output": graph.stdout.strip()}
        report["recount_check"] = {"exit": counts.returncode, "output": counts.stdout.strip()}
    print_report(report)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1))


def print_report(report: dict) -> None:
    print("events (s into the measured run):", report["events_s"])
    print("second  phase  statuses                               ok p99  fail p50  fail max")
    for row in report["per_second"]:
        statuses = " ".join(f"{k}:{v}" for k, v in sorted(row["statuses"].items()))
        print(
            f"{row['second']:>6}  {row['phase']:<5}  {statuses:<38} {row['ok_p99_ms']!s:>7} "
            f"{row['failed_p50_ms']!s:>9} {row['failed_max_ms']!s:>9}"
        )
    keys = (
        "requests",
        "errors",
        "error_statuses",
        "non_503_failures",
        "failed_p50_ms",
        "failed_p99_ms",
        "failed_max_ms",
        "pool_timeout_s",
        "first_success_after_start_s",
        "errors_from_5_s_after_start",
        "requests_from_5_s_after_start",
    )
    for key in keys:
        print(f"{key}: {report[key]}")
    for key in ("check_graph", "recount_check"):
        print(f"{key}: exit {report[key]['exit']}: {report[key]['output']}")


if __name__ == "__main__":
    main()
