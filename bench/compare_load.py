"""Put bench/load.py runs of two checkouts side by side: a table and one plot.

    .venv/bin/python bench/compare_load.py --run old=/tmp/old-1.json --run new=/tmp/new-1.json \
        --run old=/tmp/old-2.json --run new=/tmp/new-2.json \
        --plot docs/benchmarks/throughput_old_new.png --json docs/benchmarks/throughput_old_new.json

Each `--run LABEL=PATH` is one `bench/load.py --json` report; a label given several times
(rounds run alternately, old and new, so the machine's load falls on both alike) is
summarised by the median of its rounds at each concurrency. The table gives, per label and
concurrency: requests per second, p50 and p99, errors, the app's CPU per request, and the
one-query floor (`GET /readyz`) where the round measured it. The plot draws throughput and
p99 against concurrency for every label, with the floor in grey.
"""

import argparse
import json
import statistics
from collections import defaultdict
from pathlib import Path

FIELDS = ("rps", "p50_ms", "p99_ms", "errors", "app_cpu_ms_per_request")


def _median(values):
    values = [value for value in values if value is not None]
    return round(statistics.median(values), 2) if values else None


def summarise(reports: dict[str, list[dict]]) -> dict[str, dict[int, dict]]:
    """Label -> concurrency -> the median of each field over that label's rounds."""
    summary: dict[str, dict[int, dict]] = {}
    for label, rounds in reports.items():
        levels: dict[int, list[dict]] = defaultdict(list)
        for report in rounds:
            for run in report["runs"]:
                levels[run["concurrency"]].append(run)
        summary[label] = {}
        for concurrency, runs in sorted(levels.items()):
            row = {field: _median([run.get(field) for run in runs]) for field in FIELDS}
            floors = [run["floor"] for run in runs if run.get("floor")]
            row["floor_rps"] = _median([floor["rps"] for floor in floors])
            row["floor_p99_ms"] = _median([floor["p99_ms"] for floor in floors])
            row["rounds"] = len(runs)
            summary[label][concurrency] = row
    return summary


def table(summary: dict[str, dict[int, dict]], floor_rps: dict[int, float]) -> str:
    lines = [
        "| checkout | connections | rps | p50 ms | p99 ms | errors | app CPU ms/req | "
        "% of floor | rounds |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, levels in summary.items():
        for concurrency, row in levels.items():
            floor = floor_rps.get(concurrency)
            share = f"{100 * row['rps'] / floor:.0f} %" if floor and row["rps"] else "-"
            lines.append(
                f"| {label} | {concurrency} | {row['rps']} | {row['p50_ms']} | {row['p99_ms']} "
                f"| {row['errors']} | {row['app_cpu_ms_per_request']} | {share} "
                f"| {row['rounds']} |"
            )
    return "\n".join(lines)


def plot(summary: dict[str, dict[int, dict]], floor: dict[int, dict], path: Path, title: str):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig, (rps_axis, p99_axis) = plt.subplots(1, 2, figsize=(10, 4.2), dpi=110)
    for label, levels in summary.items():
        xs = list(levels)
        rps_axis.plot(xs, [row["rps"] for row in levels.values()], "o-", label=label)
        p99_axis.plot(xs, [row["p99_ms"] for row in levels.values()], "o-", label=label)
    if floor:
        xs = sorted(floor)
        style = {"color": "grey", "linestyle": "--", "marker": "x"}
        rps_axis.plot(xs, [floor[x]["rps"] for x in xs], label="floor (GET /readyz)", **style)
        p99_axis.plot(xs, [floor[x]["p99_ms"] for x in xs], label="floor (GET /readyz)", **style)
    for axis, ylabel in ((rps_axis, "requests / s"), (p99_axis, "p99 latency (ms, log)")):
        axis.set_xscale("log")
        ticks = sorted({x for levels in summary.values() for x in levels})
        axis.set_xticks(ticks, [str(x) for x in ticks])
        axis.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        axis.set_xlabel("concurrent connections (closed loop)")
        axis.set_ylabel(ylabel)
        axis.legend(fontsize=8)
    rps_axis.set_ylim(bottom=0)
    p99_axis.set_yscale("log")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="append", required=True, help="LABEL=PATH, repeatable")
    parser.add_argument("--plot", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--title", default="bench/load.py mix, old and new alternating")
    args = parser.parse_args()
    reports: dict[str, list[dict]] = defaultdict(list)
    for item in args.run:
        label, _, path = item.partition("=")
        if not path:
            parser.error(f"--run wants LABEL=PATH, got {item!r}")
        reports[label].append(json.loads(Path(path).read_text()))
    summary = summarise(reports)
    # The floor is the framework's, whichever checkout's round measured it.
    floor = {}
    for levels in summary.values():
        for concurrency, row in levels.items():
            if row["floor_rps"] is not None and concurrency not in floor:
                floor[concurrency] = {"rps": row["floor_rps"], "p99_ms": row["floor_p99_ms"]}
    print(table(summary, {c: f["rps"] for c, f in floor.items()}))
    loads = [
        report["environment"].get("load_average_before")
        for rounds in reports.values()
        for report in rounds
    ]
    print(f"load average before each round: {loads}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps({"summary": summary, "floor": floor, "loads": loads}, indent=1)
        )
    if args.plot:
        plot(summary, floor, args.plot, args.title)


if __name__ == "__main__":
    main()
