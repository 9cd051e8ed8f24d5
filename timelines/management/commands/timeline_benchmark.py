"""Benchmark home-timeline strategies on the current data and print their query plans.

Strategies, all newest first, 20 rows, same authors (followed accounts and the reader):

- naive:  the seed's query, `WHERE user_id IN (followees) ORDER BY created_at DESC LIMIT 20`;
- pull:   per-followee top 20 through LATERAL on idx_tweets_user_created, then a merge;
- hybrid: ours, through the real selector `timelines.selectors.timeline_home` (materialised rows,
          celebrity pull, fallback pull, the visibility rule and the 20 tweets with authors
          fetched): the only strategy that returns finished rows, so the most work.

Pages: "first" (rows 1-20) and "deep" (rows 101-120, keyset from row 100's key for all
three). Also fan-out cost per follower count and the posting latency with a queued fan-out.
"""

import json
import statistics
import time
from collections.abc import Callable
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Max
from django.test.utils import CaptureQueriesContext, override_settings

from accounts.models import Privacy, User
from accounts.services import user_register
from social.models import UserFollowers
from social.services import follow_create
from timelines.models import HomeTimeline, HomeTimelineEntry
from timelines.selectors import FOLLOWED_AND_SELF_SQL, PULL_SQL, _home_keys, timeline_home
from timelines.services import timeline_fan_out, timeline_rebuild
from tweets.services import tweet_create, tweet_delete
from twitterclone.pagination import cursor_encode

FOLLOW_TARGETS = (100, 1000, 5000)
FAN_OUT_TARGETS = (1000, 10000)
PAGE = 20
DEEP_OFFSET = 100

NAIVE_SQL = """
    SELECT id, created_at FROM tweets
    WHERE user_id IN (
        SELECT following_id FROM user_follows WHERE follower_id = %(owner_id)s
        UNION ALL SELECT %(owner_id)s
    ) {before}
    ORDER BY created_at DESC, id DESC LIMIT %(count)s
"""
BEFORE_SQL = "AND created_at <= %(before_at)s AND (created_at, id) < (%(before_at)s, %(before_id)s)"


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pick(fraction: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 3)

    return {"p50_ms": pick(0.50), "p95_ms": pick(0.95), "p99_ms": pick(0.99)}


def _timed(function: Callable[[], object], runs: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _fetch(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _explain(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


class Command(BaseCommand):
    help = "Measure naive, pull and hybrid home timelines (p50/p95/p99) and print their plans."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=200, help="measured runs per case")
        parser.add_argument(
            "--json", dest="json_path", metavar="PATH", help="write the results as JSON"
        )
        parser.add_argument("--no-plans", action="store_true", help="skip EXPLAIN output")
        parser.add_argument(
            "--fan-out-runs", type=int, default=5, help="fan-outs timed per follower count"
        )

    def handle(self, *args, runs: int, json_path: str | None, no_plans: bool, **options):
        if runs < 1:
            raise CommandError("--runs must be at least 1")
        # DEBUG wraps every cursor to log queries; a benchmark measures the production path.
        with override_settings(DEBUG=False):
            dataset = self._dataset()
            self.stdout.write(
                f"Data: {dataset['users']:,} users, {dataset['tweets']:,} tweets, "
                f"{dataset['follow_edges']:,} follow edges, "
                f"{dataset['home_timeline_rows']:,} home-timeline rows"
            )
            readers = {target: self._reader(target) for target in FOLLOW_TARGETS}
            results = []
            for target, reader in readers.items():
                results += self._measure_reader(target, reader, runs, plans=not no_plans)
            self._print_table(results)
            fan_out = self._measure_fan_out(options["fan_out_runs"])
            posting = self._measure_posting(options["fan_out_runs"] * 4)
        if json_path:
            payload = {
                "dataset": dataset,
                "results": results,
                "fan_out": fan_out,
                "posting": posting,
            }
            with open(json_path, "w") as handle:
                json.dump(payload, handle, indent=2, default=str)
            self.stdout.write(f"Wrote {json_path}")

    # Data -------------------------------------------------------------------------------

    def _dataset(self) -> dict:
        def estimate(table: str) -> int:
            rows = _fetch(
                "SELECT reltuples::bigint FROM pg_class WHERE relname = %(t)s", {"t": table}
            )
            return max(int(rows[0][0]), 0) if rows else 0

        users = User.objects.count()
        most_followed = User.objects.aggregate(most=Max("followers_count"))["most"] or 0
        if most_followed < 1000:
            self.stderr.write(
                "Note: no account has 1,000+ followers; seed a larger world "
                "(manage.py seed_social) for meaningful numbers."
            )
        return {
            "users": users,
            "tweets": estimate("tweets"),
            "follow_edges": estimate("user_follows"),
            "home_timeline_rows": estimate("home_timeline"),
            "most_followers": most_followed,
        }

    def _reader(self, target: int) -> User:
        """Return an active user following about `target` accounts, making one if needed."""
        low, high = int(target * 0.9), int(target * 1.1)
        reader = (
            User.objects.filter(is_active=True, following_count__range=(low, high))
            .order_by("following_count")
            .first()
        )
        if reader is not None:
            return reader
        return self._make_reader(target)

    def _make_reader(self, target: int) -> User:
        username = f"bench_follows_{target}"
        reader = User.objects.filter_username(username).first()
        if reader is None:
            reader = user_register(
                username=username,
                email=f"{username}@example.com",
                password="bench-password-123",
            )
        followees = (
            User.objects.filter(is_active=True, privacy=Privacy.PUBLIC)
            .exclude(pk=reader.pk)
            .order_by("-tweets_count")[:target]
        )
        self.stderr.write(f"Creating {username} following {target} accounts (services)...")
        for followee in followees:
            follow_create(follower=reader, followee=followee)
        reader.refresh_from_db()
        return reader

    # Reads ------------------------------------------------------------------------------

    def _measure_reader(self, target: int, reader: User, runs: int, *, plans: bool) -> list:
        if not HomeTimeline.objects.filter(owner_id=reader.pk).exists():
            timeline_rebuild(owner_id=reader.pk)  # a read never builds it; measure a built one
        owner = {"owner_id": reader.pk, "count": PAGE}
        keys = _fetch(NAIVE_SQL.format(before=""), {**owner, "count": DEEP_OFFSET})
        if len(keys) < DEEP_OFFSET:
            raise CommandError(f"@{reader.username} has under {DEEP_OFFSET} timeline tweets")
        deep_id, deep_at = keys[-1]
        deep = {"before_at": deep_at, "before_id": deep_id}
        deep_cursor = _cursor_for(deep_at, deep_id)
        self.stdout.write(
            f"\n== follows {target}: @{reader.username} follows {reader.following_count:,}"
        )

        cases = {
            ("naive", "first"): (NAIVE_SQL.format(before=""), owner),
            ("naive", "deep"): (NAIVE_SQL.format(before=BEFORE_SQL), {**owner, **deep}),
            ("pull", "first"): (
                PULL_SQL.format(authors=FOLLOWED_AND_SELF_SQL, before=""),
                owner,
            ),
            ("pull", "deep"): (
                PULL_SQL.format(authors=FOLLOWED_AND_SELF_SQL, before=BEFORE_SQL),
                {**owner, **deep},
            ),
        }
        results = []
        answers = {}
        for (strategy, page), (sql, params) in cases.items():
            answers[(strategy, page)] = [row[0] for row in _fetch(sql, params)]
            samples = _timed(lambda sql=sql, params=params: _fetch(sql, params), runs)
            results.append(_result(strategy, target, page, samples))
            if plans:
                self._plan(f"{strategy} / {page}", sql, params)
        for page, cursor in (("first", None), ("deep", deep_cursor)):

            def read(cursor=cursor):
                return timeline_home(viewer=reader, cursor=cursor, limit=PAGE)

            answers[("hybrid", page)] = [tweet.pk for tweet in read().items]
            samples = _timed(read, runs)
            results.append(_result("hybrid", target, page, samples))
            # The same page's candidate keys alone: the SQL part, comparable to naive and pull.
            before = None if cursor is None else (deep_at, deep_id)

            def keys(before=before):
                return _home_keys(owner_id=reader.pk, before=before, count=PAGE + 1)

            keys_only = _result("hybrid", target, page, _timed(keys, runs))
            results[-1]["keys_only"] = {
                name: keys_only[name] for name in ("p50_ms", "p95_ms", "p99_ms")
            }
            if plans:
                with CaptureQueriesContext(connection) as captured:
                    read()
                for number, query in enumerate(captured.captured_queries, 1):
                    self._plan(f"hybrid / {page} / query {number}", query["sql"], None)
        for page, before in (("first", ""), ("deep", BEFORE_SQL)):
            # The hybrid page drops what the viewer may not see and reads on, so compare it
            # with a longer unfiltered naive answer: it must be a subset, in the same order.
            params = {**owner, "count": 3 * PAGE, **(deep if before else {})}
            longer = [row[0] for row in _fetch(NAIVE_SQL.format(before=before), params)]
            hybrid = answers[("hybrid", page)]
            if hybrid != [pk for pk in longer if pk in set(hybrid)]:
                self.stderr.write(f"WARNING: hybrid {page} page differs from naive: check data")
        return results

    def _plan(self, title: str, sql: str, params) -> None:
        self.stdout.write(f"\n-- plan: {title}\n{_explain(sql, params)}")

    def _print_table(self, results: list[dict]) -> None:
        self.stdout.write(
            "\nstrategy  follows  page    p50 ms    p95 ms    p99 ms   (hybrid: keys only)"
        )
        for row in results:
            keys = row.get("keys_only")
            extra = f"   ({keys['p50_ms']:.3f} / {keys['p99_ms']:.3f})" if keys else ""
            self.stdout.write(
                f"{row['strategy']:<9} {row['follows']:>7}  {row['page']:<6}"
                f"{row['p50_ms']:>9.3f} {row['p95_ms']:>9.3f} {row['p99_ms']:>9.3f}{extra}"
            )

    # Writes -----------------------------------------------------------------------------

    def _measure_fan_out(self, runs: int) -> list[dict]:
        """Time the fan-out job (one INSERT ... SELECT, commit included) per follower count."""
        results = []
        for target in FAN_OUT_TARGETS:
            author = (
                User.objects.filter(is_active=True, followers_count__gte=target * 0.9)
                .order_by("followers_count")
                .first()
            )
            if author is None:
                continue
            samples, rows = [], 0
            # The measured author may be over the celebrity threshold: fan it out anyway.
            with override_settings(
                TIMELINE_CELEBRITY_THRESHOLD=author.followers_count,
                TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}},
            ):
                for number in range(runs):
                    tweet = tweet_create(author=author, content=f"fan-out benchmark {number}")
                    started = time.perf_counter()
                    with transaction.atomic():
                        rows = timeline_fan_out(tweet_id=tweet.pk)
                    samples.append((time.perf_counter() - started) * 1000)
                    HomeTimelineEntry.objects.filter(
                        owner_id__in=UserFollowers.objects.filter(user_id=author.pk)
                        .values("follower_id")
                        .union(User.objects.filter(pk=author.pk).values("id")),
                        tweet_id=tweet.pk,
                        created_at=tweet.created_at,
                    ).delete()
                    tweet_delete(tweet=tweet, actor=author)
            results.append(
                {"followers": author.followers_count, "rows": rows, **_percentiles(samples)}
            )
            self.stdout.write(
                f"fan-out to {author.followers_count:,} followers ({rows:,} timelines): "
                f"p50 {results[-1]['p50_ms']:.1f} ms, max {max(samples):.1f} ms"
            )
        return results

    def _measure_posting(self, runs: int) -> list[dict]:
        """Time tweet_create with fan-out queued (database backend), by follower count."""
        results = []
        authors = {
            "few": User.objects.filter(is_active=True, followers_count__lt=50).first(),
            "celebrity": User.objects.filter(is_active=True).order_by("-followers_count").first(),
        }
        database_backend = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
        with override_settings(TASKS=database_backend):
            from django_tasks_db.models import DBTaskResult

            for label, author in authors.items():
                if author is None:
                    continue
                created = []

                def post(author=author, created=created):
                    created.append(tweet_create(author=author, content="posting benchmark"))

                samples = _timed(post, runs, warmup=2)
                with override_settings(
                    TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
                ):
                    for tweet in created:
                        tweet_delete(tweet=tweet, actor=author)
                DBTaskResult.objects.filter(task_path__startswith="timelines.tasks.").delete()
                results.append(
                    {"author": label, "followers": author.followers_count, **_percentiles(samples)}
                )
                self.stdout.write(
                    f"posting as an author with {author.followers_count:,} followers "
                    f"(fan-out queued): p50 {results[-1]['p50_ms']:.2f} ms, "
                    f"p99 {results[-1]['p99_ms']:.2f} ms"
                )
        return results


def _cursor_for(created_at: datetime, tweet_id: int) -> str:
    return cursor_encode(created_at, tweet_id)


def _result(strategy: str, follows: int, page: str, samples: list[float]) -> dict:
    return {
        "strategy": strategy,
        "follows": follows,
        "page": page,
        **_percentiles(samples),
        "mean_ms": round(statistics.fmean(samples), 3),
        "runs": len(samples),
    }
