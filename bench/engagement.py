"""Engagement reads and writes on a seeded database: notifications, likes, mutes, suggestions.

In one run, p50/p99 wall and CPU time per call (one call at a time on one connection,
in-process, production settings) of:

- notifications: `notifications.selectors.notifications_page`, grouped and flat (limit 20),
  and `notifications_unread_count`, for a seeded user with about 1,000 notifications and for
  `bench_notified_1m`, who gets about 1,000,000 (created once with INSERT ... SELECT
  generate_series and reused by later runs; `--cleanup` drops them);
- likes: N threads (`--threads`), each its own connection, liking the tweets of one author
  (`bench_liked_author`) through `tweets.services.like_create` with distinct users, paced
  at `--like-rate` (1,000/s) in total; likes/s reached, p50/p99 of the call, and what the
  like transactions waited on (pg_locks and wait events of their backends, sampled every
  10 ms): waiting on a per-author row (the author's `users` or `notification_settings` row)
  would serialise every like of a popular account;
- home timeline: `timelines.selectors.timeline_home`, first page, for a reader following
  about 1,000 accounts, with 50 mutes and 20 muted words against the same reader with none,
  in alternating batches (mutes made through `social.services` when it has them);
- suggestions: `social.suggestions.suggestions_for` for a reader following about 5,000.

Parts whose code is not there yet say so and are skipped. `--plans` prints
`EXPLAIN (ANALYZE, BUFFERS)` of every statement of the notifications page at 1M.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tc_seed .venv/bin/python bench/engagement.py
    DATABASE_URL=... .venv/bin/python bench/engagement.py --runs 50 --plans --json /tmp/e.json
    DATABASE_URL=... .venv/bin/python bench/engagement.py --cleanup   # drop the bench users

It writes: the two bench users (their tweets, notifications and likes stay for the next run,
the likes are taken back after each run) and the reader's mutes (removed after each run).
"""

import argparse
import importlib
import json
import os
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twitterclone.settings.production")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production-use")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("API_THROTTLING", "off")
# A direct connection, as the in-process reads of a worker next to PostgreSQL: prepared
# statements on (twitterclone/settings/base.py); DB_PREPARED_STATEMENTS=off compares.
os.environ.setdefault("DB_PREPARED_STATEMENTS", "on")
# As in production: a job a write queues is a row for the worker, not run in the request.
os.environ.setdefault("TASKS_BACKEND", "database")

NOTIFIED_1M = "bench_notified_1m"
LIKED_AUTHOR = "bench_liked_author"
BENCH_PASSWORD = "bench-engagement-password"
MILLION = 1_000_000
LIKED_TWEETS = 200
MUTES, MUTED_WORDS = 50, 20
# Per-author rows: a like that waited on one of these would queue behind every other like
# of the same author.
PER_AUTHOR_TABLES = {"users", "notification_settings"}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summary(wall: list[float], cpu: list[float]) -> dict:
    return {
        "wall_p50_ms": round(statistics.median(wall), 2),
        "wall_p99_ms": round(percentile(wall, 0.99), 2),
        "cpu_p50_ms": round(statistics.median(cpu), 2),
        "cpu_p99_ms": round(percentile(cpu, 0.99), 2),
        "runs": len(wall),
    }


def timed(call: Callable[[], object], runs: int, warmup: int = 5) -> tuple[list, list]:
    for _ in range(warmup):
        call()
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.thread_time()
        call()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    return wall, cpu


def measure(call: Callable[[], object], runs: int) -> dict:
    return summary(*timed(call, runs))


def show(name: str, result: dict) -> None:
    print(f"  {name:<44} {json.dumps(result)}", flush=True)


def skipped(part: str, reason: str) -> dict:
    print(f"  SKIPPED {part}: {reason}", flush=True)
    return {"skipped": reason}


def optional(module: str, *names: str):
    """Return the named functions of `module`, or None if one is missing (not built yet)."""
    try:
        loaded = importlib.import_module(module)
    except ImportError:
        return None
    found = [getattr(loaded, name, None) for name in names]
    return None if None in found else found


PARTS = ("notifications", "likes", "home_mutes", "suggestions")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="measured calls per read case")
    parser.add_argument("--plans", action="store_true", help="EXPLAIN the 1M notifications page")
    parser.add_argument("--cleanup", action="store_true", help="drop the bench users and exit")
    parser.add_argument("--threads", type=int, default=8, help="liking threads")
    parser.add_argument("--like-rate", type=float, default=1000, help="target likes/s in total")
    parser.add_argument("--like-seconds", type=float, default=10, help="how long to like")
    parser.add_argument("--rounds", type=int, default=10, help="alternations muted/unmuted")
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--only",
        action="append",
        choices=PARTS,
        help="run only this part (repeatable); default: every part",
    )
    args = parser.parse_args()

    import django

    django.setup()
    bench = Bench(args)
    if args.cleanup:
        bench.cleanup()
        return
    results = bench.run()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
        print(f"Wrote {args.json}")


class Bench:
    def __init__(self, args):
        from django.db import connection

        self.args = args
        self.connection = connection

    # Helpers ----------------------------------------------------------------------------------

    def sql(self, statement: str, params: list | None = None) -> list[tuple]:
        with self.connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall() if cursor.description else []

    def scalar(self, statement: str, params: list | None = None):
        rows = self.sql(statement, params)
        return rows[0][0] if rows else None

    def bench_user(self, username: str):
        """Return the bench account `username`, registering it on the first run."""
        from accounts.models import User
        from accounts.services import user_register

        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_register(
                username=username, email=f"{username}@example.com", password=BENCH_PASSWORD
            )
        return user

    def bench_tweets(self, user, count: int) -> list[int]:
        """Return `count` tweets of `user`, inserting the missing ones (generate_series)."""
        have = self.scalar("SELECT count(*) FROM tweets WHERE user_id = %s", [user.pk])
        if have < count:
            self.sql(
                "INSERT INTO tweets (user_id, content, media_urls, hashtags, mentions, like_count,"
                " retweet_count, reply_count, is_hidden, created_at) "
                "SELECT %s, 'bench engagement tweet ' || g, '{}', '{}', '{}', 0, 0, 0, false, "
                "now() - interval '1 second' * (%s - g) FROM generate_series(%s, %s - 1) g",
                [user.pk, count, have, count],
            )
            self.sql(
                "UPDATE users SET tweets_count = (SELECT count(*) FROM tweets WHERE user_id = %s)"
                " WHERE id = %s",
                [user.pk, user.pk],
            )
        return [
            row[0]
            for row in self.sql(
                "SELECT id FROM tweets WHERE user_id = %s ORDER BY id LIMIT %s", [user.pk, count]
            )
        ]

    def reader(self, following: int):
        """Return the seeded user whose following count is closest to `following`."""
        from django.db.models import F
        from django.db.models.functions import Abs

        from accounts.models import User

        return (
            User.objects.filter(username__startswith="seed_", is_active=True)
            .annotate(gap=Abs(F("following_count") - following))
            .order_by("gap", "id")
            .first()
        )

    # The run ----------------------------------------------------------------------------------

    def run(self) -> dict:
        from django.test.utils import override_settings

        environment = {
            "cpus": os.cpu_count(),
            "load": os.getloadavg(),
            "users": self.scalar("SELECT reltuples::bigint FROM pg_class WHERE relname='users'"),
            "tweets": self.scalar("SELECT reltuples::bigint FROM pg_class WHERE relname='tweets'"),
            "notifications": self.scalar(
                "SELECT reltuples::bigint FROM pg_class WHERE relname = 'notifications'"
            ),
        }
        print(f"Data and machine: {environment}", flush=True)
        if self.reader(0) is None:
            sys.exit("No seed users: seed a world first (manage.py seed_social).")
        results = {"environment": environment}
        # DEBUG would keep every statement in memory: measure the production path.
        with override_settings(DEBUG=False):
            for name in self.args.only or PARTS:
                print(f"{name}:", flush=True)
                results[name] = getattr(self, name)()
        return results

    # Notifications ----------------------------------------------------------------------------

    def notified_1m(self):
        """Return bench_notified_1m with about a million notifications (made on the first run)."""
        from notifications.grouping import group_key_sql
        from notifications.models import NotificationType as T

        user = self.bench_user(NOTIFIED_1M)
        have = self.scalar("SELECT count(*) FROM notifications WHERE recipient_id = %s", [user.pk])
        if have >= MILLION * 0.99:
            print(f"  reusing {have:,} notifications of {NOTIFIED_1M}", flush=True)
            return user
        started = time.monotonic()
        self.sql("DELETE FROM notifications WHERE recipient_id = %s", [user.pk])
        actors = [
            row[0]
            for row in self.sql(
                "SELECT id FROM users WHERE id <> %s AND is_active ORDER BY id LIMIT 5000",
                [user.pk],
            )
        ]
        # Every (actor, own tweet) pair at most once per type: enough tweets for the likes.
        tweets = self.bench_tweets(user, min(2000, -(-MILLION // len(actors)) + 1))
        others = [
            row[0]
            for row in self.sql(
                "SELECT id FROM tweets WHERE user_id <> %s AND content <> '' "
                "ORDER BY id DESC LIMIT %s",
                [user.pk, MILLION // 20],
            )
        ]
        keys = {
            kind: group_key_sql(kind, tweet="n.tweet_id", actor="n.actor_id", created_at="n.at")
            for kind in T.values
        }
        key_case = " ".join(f"WHEN '{kind}' THEN {sql}" for kind, sql in keys.items())
        # Per 20 rows: 14 likes, 3 retweets, 1 follow (a like once every actor has followed),
        # 1 mention, 1 reply; one every ~8 s over 90 days, oldest first so ids grow with time.
        # Mentions and replies point at other users' recent tweets (their authors as actors):
        # the read cost is what counts here, not what the tweets say.
        self.sql(
            f"""
            INSERT INTO notifications (recipient_id, actor_id, type, tweet_id, group_key,
                                       created_at)
            SELECT %(me)s, n.actor_id, n.type, n.tweet_id, CASE n.type {key_case} END, n.at
            FROM (
                SELECT g.g, k.type,
                       CASE WHEN k.type IN ('mention', 'reply') THEN o.user_id
                            WHEN k.type = 'follow' THEN (%(actors)s)[1 + g.g / 20]
                            ELSE (%(actors)s)[1 + g.g %% %(na)s] END AS actor_id,
                       CASE WHEN k.type IN ('mention', 'reply') THEN o.id
                            WHEN k.type = 'follow' THEN NULL
                            ELSE (%(tweets)s)[1 + (g.g / %(na)s) %% %(nt)s] END AS tweet_id,
                       now() - interval '90 days' * (1 - g.g::float8 / %(n)s) AS at
                FROM generate_series(0, %(n)s - 1) g
                CROSS JOIN LATERAL (SELECT CASE
                    WHEN g.g %% 20 < 14 THEN 'like' WHEN g.g %% 20 < 17 THEN 'retweet'
                    WHEN g.g %% 20 = 17 THEN
                        CASE WHEN g.g / 20 < %(na)s THEN 'follow' ELSE 'like' END
                    WHEN g.g %% 20 = 18 THEN 'mention'
                    ELSE 'reply' END AS type) k
                LEFT JOIN tweets o ON k.type IN ('mention', 'reply')
                    AND o.id = (%(others)s)[1 + (g.g / 20) %% %(no)s]
            ) n
            WHERE n.actor_id IS NOT NULL AND n.actor_id <> %(me)s
              AND (n.tweet_id IS NOT NULL OR n.type = 'follow')
            ORDER BY n.g
            ON CONFLICT DO NOTHING
            """,
            {
                "me": user.pk,
                "actors": actors,
                "na": len(actors),
                "tweets": tweets,
                "nt": len(tweets),
                "others": others,
                "no": len(others),
                "n": MILLION,
            },
        )
        self.sql("ANALYZE notifications")
        have = self.scalar("SELECT count(*) FROM notifications WHERE recipient_id = %s", [user.pk])
        print(
            f"  made {have:,} notifications for {NOTIFIED_1M} in {time.monotonic() - started:.1f}s",
            flush=True,
        )
        return user

    def notified_1k(self):
        row = self.sql(
            "SELECT recipient_id, count(*) FROM notifications GROUP BY recipient_id "
            "HAVING count(*) BETWEEN 500 AND 2000 ORDER BY abs(count(*) - 1000), recipient_id "
            "LIMIT 1"
        )
        if not row:
            return None
        from accounts.models import User

        return User.objects.get(pk=row[0][0])

    def notifications(self) -> dict:
        functions = optional(
            "notifications.selectors", "notifications_page", "notifications_unread_count"
        )
        if functions is None:
            return skipped(
                "notifications",
                "notifications.selectors.notifications_page / notifications_unread_count "
                "are not there yet",
            )
        page, unread = functions
        results = {}
        users = {"1k": self.notified_1k(), "1M": self.notified_1m()}
        for size, user in users.items():
            if user is None:
                results[size] = skipped(
                    f"notifications at {size}", "no user with 500-2,000 notifications (reseed)"
                )
                continue
            count = self.scalar(
                "SELECT count(*) FROM notifications WHERE recipient_id = %s", [user.pk]
            )
            print(f"  {size}: {user.username}, {count:,} notifications", flush=True)
            results[size] = {"user": user.username, "notifications": count}
            for name, call in (
                ("page_grouped", lambda user=user: page(viewer=user, grouped=True, limit=20)),
                ("page_flat", lambda user=user: page(viewer=user, grouped=False, limit=20)),
                ("unread_count", lambda user=user: unread(viewer=user)),
            ):
                results[size][name] = measure(call, self.args.runs)
                show(f"{name} ({size})", results[size][name])
        if self.args.plans:
            self.plans(users["1M"], page)
        return results

    def plans(self, user, page) -> None:
        """Print EXPLAIN (ANALYZE, BUFFERS) of every SELECT the 1M user's pages send."""
        for grouped in (True, False):
            statements: list[tuple[str, object]] = []

            def capture(execute, sql, params, many, context, statements=statements):
                statements.append((sql, params))
                return execute(sql, params, many, context)

            with self.connection.execute_wrapper(capture):
                page(viewer=user, grouped=grouped, limit=20)
            for sql, params in statements:
                if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                plan = self.sql(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                title = "grouped" if grouped else "flat"
                print(f"\n-- notifications page {title}, {NOTIFIED_1M}:\n{sql}\n")
                print("\n".join(row[0] for row in plan), flush=True)

    # Likes ------------------------------------------------------------------------------------

    def likes(self) -> dict:
        from django.db import connection

        from accounts.models import User
        from tweets.services import like_create

        author = self.bench_user(LIKED_AUTHOR)
        tweets = self.bench_tweets(author, LIKED_TWEETS)
        threads, rate, seconds = self.args.threads, self.args.like_rate, self.args.like_seconds
        total = int(rate * seconds)
        likers = list(
            User.objects.filter(username__startswith="seed_", is_active=True).order_by("id")[
                : max(-(-total // len(tweets)), threads)
            ]
        )
        # Like i is (likers[i // tweets], tweets[i % tweets]): distinct pairs, every tweet
        # liked by many users; each thread has users of its own (user index % threads).
        plan = [(i // len(tweets), tweets[i % len(tweets)]) for i in range(total)]
        slices = [
            [(likers[user], tweet) for user, tweet in plan if user % threads == t]
            for t in range(threads)
        ]
        interval = threads / rate
        samples: list[list[float]] = [[] for _ in range(threads)]
        pids: list[int] = []
        errors: Counter = Counter()
        start_line = threading.Barrier(threads + 1, timeout=120)

        def liker(index: int) -> None:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    pids.append(cursor.fetchone()[0])
                start_line.wait()
                begun = time.perf_counter()
                for n, (user, tweet_id) in enumerate(slices[index]):
                    due = begun + n * interval
                    if (lag := due - time.perf_counter()) > 0:
                        time.sleep(lag)
                    started = time.perf_counter()
                    try:
                        like_create(user=user, tweet_id=tweet_id)
                    except Exception as error:  # counted and shown: a bench keeps going
                        errors[type(error).__name__] += 1
                        continue
                    samples[index].append((time.perf_counter() - started) * 1000)
            finally:
                connection.close()

        waits: Counter = Counter()
        stop = threading.Event()

        def monitor() -> None:
            # Each sample: what every liking backend waits on now, and for row locks, on
            # which table (the tuple lock a row-lock waiter holds or waits for names it).
            try:
                while not stop.is_set():
                    with connection.cursor() as cursor:
                        cursor.execute(
                            """
                            SELECT a.pid, coalesce(a.wait_event_type, 'CPU'),
                                   coalesce(a.wait_event, '-'),
                                   (SELECT string_agg(DISTINCT l.relation::regclass::text, ',')
                                    FROM pg_locks l WHERE l.pid = a.pid
                                      AND l.locktype = 'tuple') AS row_table
                            FROM pg_stat_activity a
                            WHERE a.pid = ANY(%s) AND a.state = 'active'
                            """,
                            [pids],
                        )
                        for _pid, kind, event, table in cursor.fetchall():
                            waits[(kind, event, table or "")] += 1
                    time.sleep(0.01)
            finally:
                connection.close()

        workers = [threading.Thread(target=liker, args=(t,)) for t in range(threads)]
        for worker in workers:
            worker.start()
        watcher = threading.Thread(target=monitor)
        try:
            start_line.wait()
            watcher.start()
            started = time.perf_counter()
            for worker in workers:
                worker.join()
            elapsed = time.perf_counter() - started
        finally:
            stop.set()
            if watcher.is_alive():
                watcher.join()
            self.unlike(tweets)
        calls = [sample for thread in samples for sample in thread]
        lock_waits = {
            f"{kind}/{event}" + (f" on {table} rows" if table else ""): count
            for (kind, event, table), count in waits.most_common()
        }
        per_author = sum(
            count
            for (kind, _event, table), count in waits.items()
            if kind == "Lock" and table in PER_AUTHOR_TABLES
        )
        result = {
            "threads": threads,
            "target_likes_per_s": rate,
            "likes": len(calls),
            "likes_per_s": round(len(calls) / elapsed, 1),
            "call_p50_ms": round(statistics.median(calls), 2) if calls else None,
            "call_p99_ms": round(percentile(calls, 0.99), 2) if calls else None,
            "errors": dict(errors),
            "backend_samples": dict(lock_waits),
            "samples_waiting_on_a_per_author_row": per_author,
        }
        show("like_create storm", result)
        print(
            "  verdict: "
            + (
                "no like waited on a per-author row"
                if not per_author
                else f"{per_author} samples waited on a per-author row (users/settings)"
            ),
            flush=True,
        )
        return result

    def unlike(self, tweets: list[int]) -> None:
        """Take the run's likes back (rows and counters) so the next run likes anew."""
        self.sql("DELETE FROM likes WHERE tweet_id = ANY(%s)", [tweets])
        self.sql("UPDATE tweets SET like_count = 0 WHERE id = ANY(%s)", [tweets])

    # Home timeline with mutes ------------------------------------------------------------------

    def home_mutes(self) -> dict:
        from timelines.selectors import timeline_home
        from tweets.seeding import WORDS

        reader = self.reader(1000)
        followed = [
            row[0]
            for row in self.sql(
                "SELECT following_id FROM user_follows WHERE follower_id = %s "
                "ORDER BY following_id LIMIT %s",
                [reader.pk, MUTES],
            )
        ]
        # Words from the middle of the seed's vocabulary: common enough to hide some tweets,
        # rare enough that a page still fills.
        middle = len(WORDS) // 3
        words = list(dict.fromkeys(WORDS[middle : middle + MUTED_WORDS * 2]))[:MUTED_WORDS]
        print(
            f"  reader {reader.username} follows {reader.following_count:,}; "
            f"mutes {len(followed)} of them and {len(words)} words",
            flush=True,
        )
        self.mutes_remove(reader, followed, words)  # a stopped run may have left some
        muted_wall: list[float] = []
        muted_cpu: list[float] = []
        plain_wall: list[float] = []
        plain_cpu: list[float] = []
        batch = max(1, self.args.runs // self.args.rounds)
        how = ""

        def call():
            return timeline_home(viewer=reader, limit=20)

        try:
            for _ in range(self.args.rounds):
                wall, cpu = timed(call, batch, warmup=2)
                plain_wall += wall
                plain_cpu += cpu
                how = self.mutes_add(reader, followed, words)
                wall, cpu = timed(call, batch, warmup=2)
                muted_wall += wall
                muted_cpu += cpu
                self.mutes_remove(reader, followed, words)
        finally:
            self.mutes_remove(reader, followed, words)
        result = {
            "reader": reader.username,
            "following": reader.following_count,
            "mutes_made_by": how,
            "none": summary(plain_wall, plain_cpu),
            "50_mutes_20_words": summary(muted_wall, muted_cpu),
        }
        show("timeline_home, no mutes", result["none"])
        show("timeline_home, 50 mutes + 20 muted words", result["50_mutes_20_words"])
        return result

    def mutes_add(self, reader, followed: list[int], words: list[str]) -> str:
        from accounts.models import User
        from social.selectors import muted_word_pattern

        services = optional("social.services", "mute_create", "muted_word_create")
        if services is not None:
            mute_create, muted_word_create = services
            for muted in User.objects.filter(pk__in=followed):
                mute_create(muter=reader, muted=muted)
            for phrase in words:
                muted_word_create(user=reader, phrase=phrase)
            return "social.services"
        self.sql(
            "INSERT INTO mutes (muter_id, muted_id, created_at) "
            "SELECT %s, unnest(%s::bigint[]), now() ON CONFLICT DO NOTHING",
            [reader.pk, followed],
        )
        for phrase in words:
            self.sql(
                "INSERT INTO muted_words (user_id, phrase, pattern, created_at) "
                "VALUES (%s, %s, %s, now()) ON CONFLICT DO NOTHING",
                [reader.pk, phrase, muted_word_pattern(phrase)],
            )
        return "INSERT (social.services has no mute_create / muted_word_create yet)"

    def mutes_remove(self, reader, followed: list[int], words: list[str]) -> None:
        # Removal by statement whatever made them: the services' delete signatures are not
        # part of this benchmark, and these rows are the bench's own.
        self.sql(
            "DELETE FROM mutes WHERE muter_id = %s AND muted_id = ANY(%s)", [reader.pk, followed]
        )
        self.sql(
            "DELETE FROM muted_words WHERE user_id = %s AND lower(phrase) = ANY(%s)",
            [reader.pk, [word.lower() for word in words]],
        )

    # Suggestions ------------------------------------------------------------------------------

    def suggestions(self) -> dict:
        functions = optional("social.suggestions", "suggestions_for")
        if functions is None:
            return skipped("suggestions", "social.suggestions.suggestions_for is not there yet")
        (suggestions_for,) = functions
        reader = self.reader(5000)
        print(f"  reader {reader.username} follows {reader.following_count:,}", flush=True)
        result = measure(lambda: suggestions_for(viewer=reader, limit=20), self.args.runs)
        result |= {"reader": reader.username, "following": reader.following_count}
        show("suggestions_for (limit 20)", result)
        return result

    # Cleanup ----------------------------------------------------------------------------------

    def cleanup(self) -> None:
        """Drop the bench users and everything they have (big tables by statement first)."""
        from accounts.models import User

        for user in User.objects.filter(username__in=[NOTIFIED_1M, LIKED_AUTHOR]):
            for statement in (
                "DELETE FROM notifications WHERE recipient_id = %s OR actor_id = %s",
                "DELETE FROM likes WHERE tweet_id IN (SELECT id FROM tweets WHERE user_id = %s)"
                " OR user_id = %s",
            ):
                self.sql(statement, [user.pk, user.pk])
            self.sql(
                "DELETE FROM notifications WHERE tweet_id IN "
                "(SELECT id FROM tweets WHERE user_id = %s)",
                [user.pk],
            )
            self.sql("DELETE FROM tweets WHERE user_id = %s", [user.pk])
            user.delete()
            print(f"dropped {user.username}")
        print("clean")


if __name__ == "__main__":
    main()
