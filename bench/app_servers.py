"""One app server against two behind HAProxy, on the same data in one run, alternating.

    .venv/bin/python bench/app_servers.py --database tc_seed_copy --rounds 2 --concurrency 200

Runs bench/load.py --stack granian once per variant and round, in turns (1x2, 2x2, 2x1,
1x2, ...), so the machine's load falls on every variant alike:

- 1x2: one app server, 2 processes, clients straight to it (the one-host stack);
- 2x2: two app servers of 2 processes each behind HAProxy (what a second host adds);
- 2x1: two app servers of 1 process each behind HAProxy (the same processes as 1x2, plus
  the proxy hop: what the balancer itself costs).

load.py writes to the database (tokens, tweets, likes, follows): give it a copy of the seeded
database, never the shared one. Prints a table; --json keeps every run.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = {"1x2": (1, 2), "2x2": (2, 2), "2x1": (2, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", default="200")
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--port", type=int, default=8660)
    parser.add_argument("--bouncer-port", type=int, default=8670)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.database == "tc_seed":
        parser.error("load.py writes: run it on a copy (createdb -T tc_seed tc_seed_<you>)")
    results: dict[str, list[dict]] = {}
    folder = Path(tempfile.mkdtemp(prefix="tc-app-servers-"))
    for round_ in range(args.rounds):
        names = args.variants.split(",")
        for name in names[::-1] if round_ % 2 else names:
            servers, workers = VARIANTS[name]
            out = folder / f"{name}-{round_}.json"
            command = [
                sys.executable,
                str(ROOT / "bench" / "load.py"),
                "--stack=granian",
                f"--database={args.database}",
                f"--app-servers={servers}",
                f"--workers={workers}",
                f"--port={args.port}",
                f"--bouncer-port={args.bouncer_port}",
                f"--concurrency={args.concurrency}",
                f"--duration={args.duration}",
                f"--users={args.users}",
                "--pause=2",
                f"--json={out}",
            ]
            print(f"round {round_ + 1}: {name}", flush=True)
            subprocess.run(command, cwd=ROOT, check=True)
            for run in json.loads(out.read_text())["runs"]:
                run.pop("per_second", None)
                results.setdefault(name, []).append(run)
    print(
        f"{'variant':8} {'rps':>7} {'p50':>7} {'p99':>8} {'err':>4} {'app ms/req':>10} "
        f"{'haproxy ms/req':>14} {'busy %':>6}"
    )
    for name, runs in results.items():

        def mean(key, runs=runs):
            values = [run[key] for run in runs if run.get(key) is not None]
            return round(statistics.fmean(values), 2) if values else None

        print(
            f"{name:8} {mean('rps'):>7} {mean('p50_ms'):>7} {mean('p99_ms'):>8} "
            f"{sum(run['errors'] for run in runs):>4} {mean('app_cpu_ms_per_request'):>10} "
            f"{mean('haproxy_cpu_ms_per_request')!s:>14} {mean('machine_cpu_busy_percent'):>6}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
