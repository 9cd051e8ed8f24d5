"""Timing one call many times in-process: wall time and the process's CPU time per call.

Shared by bench/request_cost.py and bench/replica_routing.py (imported from this folder,
which Python puts first on the path of a script run from it).
"""

import statistics
import time


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure(call, runs: int, *, warmup: int = 10, digits: int = 2) -> dict:
    """Call `call` `warmup` times unmeasured, then `runs` times; wall p50/p99 and CPU mean (ms)."""
    for _ in range(warmup):
        call()
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return {
        "wall_p50_ms": round(statistics.median(wall), digits),
        "wall_p99_ms": round(percentile(wall, 0.99), digits),
        "cpu_mean_ms": round(statistics.fmean(cpu), digits),
    }
