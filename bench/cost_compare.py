"""Compare the CPU per request of two checkouts, side by side, alternating, on the same data.

Each round runs bench/request_cost.py (this checkout's script, `--html`) once against each
checkout (`--root`), the order flipped every other round so that the machine's load falls
on both alike, each in a fresh process. The table gives, per call, the mean over rounds of
the CPU per request and of the wall p50 and p99, old and new, and new as a percentage of old.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tc_seed \\
        .venv/bin/python bench/cost_compare.py --old /tmp/main-checkout --new . \\
        --rounds 4 --runs 200 [--only post,home] [--json PATH]

`--old-env` / `--new-env NAME=VALUE` set a side's environment as it is deployed, e.g. the new
stack's prepared statements (`--new-env DB_PREPARED_STATEMENTS=on`: PgBouncer in session mode)
against the old one's transaction pooling (off, the production default).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "request_cost.py"


def run_once(root: Path, runs: int, extra_env: dict, only: str | None = None) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            [
                sys.executable,
                str(SCRIPT),
                "--root",
                str(root),
                "--html",
                "--runs",
                str(runs),
                "--json",
                out.name,
                *(["--only", only] if only else []),
            ],
            check=True,
            env={**os.environ, **extra_env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return json.loads(Path(out.name).read_text())["results"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True)
    parser.add_argument("--new", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--only", help="comma-separated subset of the calls (request_cost.py's)")
    parser.add_argument(
        "--old-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="environment of the old side's runs, as it is deployed (repeatable)",
    )
    parser.add_argument(
        "--new-env", action="append", default=[], metavar="NAME=VALUE", help="the new side's"
    )
    args = parser.parse_args()
    envs = {
        "old": dict(item.split("=", 1) for item in args.old_env),
        "new": dict(item.split("=", 1) for item in args.new_env),
    }

    sides = {"old": args.old.resolve(), "new": args.new.resolve()}
    rounds: dict[str, list[dict]] = {"old": [], "new": []}
    for round_ in range(args.rounds):
        order = list(sides.items())
        for name, root in order[::-1] if round_ % 2 else order:
            result = run_once(root, args.runs, envs[name], args.only)
            rounds[name].append(result)
            cpu = {call: r["cpu_mean_ms"] for call, r in result.items()}
            print(f"round {round_ + 1} {name}: cpu ms {cpu}", flush=True)

    table = {}
    calls = list(rounds["old"][0])
    print(
        f"\n{'call':13} {'cpu old':>8} {'cpu new':>8} {'new/old':>8} "
        f"{'p50 old':>8} {'p50 new':>8} {'p99 old':>8} {'p99 new':>8}"
    )
    for call in calls:
        row = {}
        for name in sides:
            for metric in ("cpu_mean_ms", "wall_p50_ms", "wall_p99_ms"):
                values = [result[call][metric] for result in rounds[name]]
                row[f"{metric}_{name}"] = round(statistics.fmean(values), 2)
        row["cpu_new_pct_of_old"] = round(100 * row["cpu_mean_ms_new"] / row["cpu_mean_ms_old"], 1)
        table[call] = row
        print(
            f"{call:13} {row['cpu_mean_ms_old']:8.2f} {row['cpu_mean_ms_new']:8.2f} "
            f"{row['cpu_new_pct_of_old']:7.1f}% {row['wall_p50_ms_old']:8.2f} "
            f"{row['wall_p50_ms_new']:8.2f} {row['wall_p99_ms_old']:8.2f} "
            f"{row['wall_p99_ms_new']:8.2f}"
        )
    if args.json:
        args.json.write_text(json.dumps({"table": table, "rounds": rounds}, indent=2))


if __name__ == "__main__":
    main()
