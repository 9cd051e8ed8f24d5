"""Plain against hash-partitioned home_timeline and notifications, alternating, in one run.

Two copies of the same seeded database: BEFORE migrated by the old code (plain tables),
AFTER by this branch (partitioned, timelines/0002 and notifications/0002). Each round starts
one process per side, in alternating order, from its own checkout (`--before-root`, a
worktree of main, and `--after-root`, this one), and times on the same users and authors:

- home:      `timelines.selectors.timeline_home` page 1 and page 2 (keys from home_timeline,
             the visibility rule, the cards), for readers following about 100 and 1,000;
- home_keys: `timelines.selectors.timeline_home_keys` alone (the query on home_timeline);
- fanout:    `timelines.services.timeline_fan_out` of a new tweet by authors with 2,000 to
             9,000 followers (under the celebrity threshold): one INSERT ... SELECT into
             every follower's timeline; the tweet and its rows are rolled back after each run,
             so both copies stay identical;
- notif:     `notifications.selectors.notifications_page` (flat and grouped) and the unread
             count for the recipients with the most notifications.

Per operation: wall p50/p95 and CPU per call, Python (this process) and PostgreSQL (the
backend's utime + stime from /proc, 10 ms ticks, so only the total over many calls means
anything). Run from this checkout:

    .venv/bin/python bench/partitions.py --before-url postgres://.../tc_part_before \\
        --after-url postgres://.../tc_part_after --before-root /tmp/partitions-base --rounds 6
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid: int) -> float:
    """Seconds of CPU the PostgreSQL backend `pid` has used (same machine)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def worker(runs: int, followers: tuple[int, int]) -> None:
    sys.path.insert(0, str(Path.cwd()))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twitterclone.settings.local")
    import django

    django.setup()
    from django.db import connection, transaction

    from accounts.models import User
    from notifications.selectors import notifications_page, notifications_unread_count
    from timelines.selectors import timeline_home, timeline_home_keys
    from timelines.services import timeline_fan_out

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]

    def pick(low: int, high: int, field: str, count: int) -> list[User]:
        # Deterministic: the same users in both copies.
        return list(User.objects.filter(**{f"{field}__range": (low, high)}).order_by("id")[:count])

    readers = pick(90, 110, "following_count", 5) + pick(900, 1100, "following_count", 5)
    authors = pick(*followers, "followers_count", 5)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT recipient_id FROM notifications GROUP BY recipient_id "
            "ORDER BY count(*) DESC, recipient_id LIMIT 5"
        )
        recipients = list(User.objects.filter(id__in=[r for (r,) in cursor.fetchall()]))

    def home(reader):
        page = timeline_home(viewer=reader)
        timeline_home(viewer=reader, cursor=page.next_cursor)

    def home_keys(reader):
        timeline_home_keys(owner_id=reader.pk, before=None, count=20)

    def fanout(author):
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO tweets (user_id, content, media_urls, hashtags, mentions, "
                    "like_count, retweet_count, reply_count, is_hidden, created_at, media, "
                    "sensitive) VALUES (%s, 'bench', '{}', '{}', '{}', 0, 0, 0, false, now(), "
                    "'[]', false) RETURNING id",
                    [author.pk],
                )
                tweet_id = cursor.fetchone()[0]
            started = time.perf_counter(), time.process_time(), backend_cpu(pid)
            timeline_fan_out(tweet_id=tweet_id)
            ended = time.perf_counter(), time.process_time(), backend_cpu(pid)
            transaction.set_rollback(True)
        return [b - a for a, b in zip(started, ended, strict=True)]

    def notif(recipient):
        notifications_page(viewer=recipient)
        notifications_page(viewer=recipient, grouped=True)
        notifications_unread_count(viewer=recipient)

    results = {}
    for name, call, subjects in (
        ("home", home, readers),
        ("home_keys", home_keys, readers),
        ("notif", notif, recipients),
        ("fanout", fanout, authors),
    ):
        if not subjects:
            continue
        for subject in subjects:  # warm-up
            call(subject)
        walls, python_cpu, db_cpu = [], 0.0, 0.0
        for _ in range(runs):
            for subject in subjects:
                if name == "fanout":
                    wall, python, db = call(subject)
                else:
                    began = time.perf_counter(), time.process_time(), backend_cpu(pid)
                    call(subject)
                    wall, python, db = (
                        after - before
                        for before, after in zip(
                            began,
                            (time.perf_counter(), time.process_time(), backend_cpu(pid)),
                            strict=True,
                        )
                    )
                walls.append(wall * 1000)
                python_cpu += python
                db_cpu += db
        results[name] = {
            "walls": walls,
            "python_cpu_ms": python_cpu * 1000 / len(walls),
            "db_cpu_ms": db_cpu * 1000 / len(walls),
        }
    print(json.dumps(results))


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--before-url")
    parser.add_argument("--after-url")
    parser.add_argument("--before-root", type=Path)
    parser.add_argument("--after-root", type=Path, default=ROOT)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--runs", type=int, default=20, help="calls per subject per round")
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--followers", default="2000,9000", help="fan-out authors' follower range: LOW,HIGH"
    )
    args = parser.parse_args()
    if args.worker:
        low, high = (int(part) for part in args.followers.split(","))
        worker(args.runs, (low, high))
        return
    sides = {
        "before": (args.before_url, args.before_root),
        "after": (args.after_url, args.after_root),
    }
    collected = {side: {} for side in sides}
    for round_number in range(args.rounds):
        order = ["before", "after"] if round_number % 2 == 0 else ["after", "before"]
        for side in order:
            url, root = sides[side]
            output = subprocess.run(
                [str(root / ".venv/bin/python"), str(ROOT / "bench/partitions.py"), "--worker",
                 "--runs", str(args.runs), "--followers", args.followers],
                cwd=root, env={**os.environ, "DATABASE_URL": url}, check=True,
                capture_output=True, text=True,
            ).stdout  # fmt: skip
            for name, result in json.loads(output.splitlines()[-1]).items():
                into = collected[side].setdefault(name, {"walls": [], "python": [], "db": []})
                into["walls"] += result["walls"]
                into["python"].append(result["python_cpu_ms"])
                into["db"].append(result["db_cpu_ms"])
            print(f"round {round_number + 1} {side} done", file=sys.stderr)
    summary = {}
    print(
        f"{'op':<10} {'side':<7} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'py cpu':>8} {'db cpu':>8}"
    )
    for name in collected["before"]:
        for side in sides:
            data = collected[side][name]
            row = {
                "n": len(data["walls"]),
                "p50_ms": round(quantile(data["walls"], 0.5), 3),
                "p95_ms": round(quantile(data["walls"], 0.95), 3),
                "python_cpu_ms": round(statistics.mean(data["python"]), 3),
                "db_cpu_ms": round(statistics.mean(data["db"]), 3),
            }
            summary.setdefault(name, {})[side] = row
            print(
                f"{name:<10} {side:<7} {row['n']:>5} {row['p50_ms']:>8.2f} {row['p95_ms']:>8.2f} "
                f"{row['python_cpu_ms']:>8.2f} {row['db_cpu_ms']:>8.2f}"
            )
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
