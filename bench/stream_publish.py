"""How fast live events can be published: the advisory lock that orders their ids.

    .venv/bin/python bench/stream_publish.py --threads 1,4,16 --seconds 10

On its own database (`--database`, default tc_streams, migrated by bench/streams.py), each
of `--threads` threads calls stream.services.events_publish (one `counts` event per call,
its own transaction: lock, insert, notify, commit) as fast as it can for `--seconds`.
Reports events per second and the publish latency (p50, p99) per thread count. Nothing
listens; the notify still goes through PostgreSQL's queue.
"""

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="tc_streams")
    parser.add_argument("--threads", default="1,4,16")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    base = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    os.environ.update(
        {
            "DATABASE_URL": f"{base}/{args.database}",
            "DJANGO_SETTINGS_MODULE": "twitterclone.settings.test",
        }
    )
    import django

    django.setup()
    from django.db import connection

    from stream.services import events_publish

    for threads in (int(n) for n in args.threads.split(",")):
        latencies = run(threads, args.seconds, events_publish, connection)
        ordered = sorted(latencies)
        p99 = 1000 * ordered[int(0.99 * len(ordered))]
        print(
            f"threads={threads:3d}  events/s={len(latencies) / args.seconds:7.0f}  "
            f"p50={1000 * statistics.median(ordered):6.2f} ms  p99={p99:6.2f} ms  "
            f"load={os.getloadavg()[0]:.1f}",
            flush=True,
        )


def run(threads: int, seconds: float, events_publish, connection) -> list[float]:
    """Publish from `threads` threads for `seconds`; return every call's latency."""
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def work() -> None:
        mine = []
        while time.monotonic() < deadline:
            started = time.monotonic()
            events_publish(events=[("counts", None, 1)])
            mine.append(time.monotonic() - started)
        connection.close()
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return latencies


if __name__ == "__main__":
    main()
