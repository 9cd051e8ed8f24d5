"""Latency of tweet search (search.selectors.tweets_search) by word frequency, old vs new.

Picks words by how many tweets they match (a 1 % sample of tweets through ts_stat, then the
exact count through idx_tweets_content_fts): very common, ~1 %, ~0.25 %, ~0.05 %, rare,
absent, and a phrase. For each word and each viewer (anonymous, and the signed-in account
following the most others), times the first page and the next page (from the first page's
cursor) of the current selector and of the previous implementation (kept here only, for the
comparison: one query ordered newest first, the planner choosing a walk of
idx_tweets_created or a bitmap scan of idx_tweets_content_fts). Old and new alternate in
each round, so both see the same load. Prints p50 / p95 / max in ms and checks that both
return the same tweets.

Usage (on the 100k-user / 10 M-tweet world from `manage.py seed_social`; reads only):

    DATABASE_URL=postgres://... .venv/bin/python bench/search_latency.py --runs 30
    DATABASE_URL=postgres://... .venv/bin/python bench/search_latency.py --explain againcontinue
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# (band, wanted share of tweets): the word of the sample whose share is nearest is used.
BANDS = [("very common", 0.25), ("~1 %", 0.01), ("~0.25 %", 0.0025), ("~0.05 %", 0.0005)]
SAMPLE_SQL = """
    SELECT word, ndoc FROM ts_stat($$SELECT to_tsvector('english', content)
                                     FROM tweets TABLESAMPLE SYSTEM (1) REPEATABLE (1)$$)
    WHERE word ~ '^[a-z]{3,}$'
"""
ABSENT = "zqxjvwk"
PHRASE = '"good morning"'


def old_tweets_search(*, viewer, query: str, cursor: str | None = None, limit: int = 20):
    """The implementation before the recency windows (for comparison only)."""
    from django.contrib.postgres.search import SearchQuery
    from django.db import connection, transaction

    from search.selectors import CONTENT_VECTOR
    from tweets.cards import tweet_cards
    from tweets.models import Tweet
    from twitterclone.pagination import keyset_page

    matching = SearchQuery(query, config="english", search_type="websearch")
    queryset = (
        Tweet.objects.alias(content_vector=CONTENT_VECTOR)
        .filter(content_vector=matching)
        .visible_to(viewer)
    )
    with transaction.atomic(), connection.cursor() as db:
        db.execute("SET LOCAL min_parallel_index_scan_size = '1TB'")
        return keyset_page(tweet_cards(queryset, viewer=viewer), cursor=cursor, limit=limit)


def match_count(word: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM tweets WHERE to_tsvector('english', COALESCE(content, ''))"
            " @@ websearch_to_tsquery('english', %s)",
            [word],
        )
        return cursor.fetchone()[0]


def pick_words() -> list[tuple[str, str]]:
    """Return (band, query) pairs, one per frequency band."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tweets TABLESAMPLE SYSTEM (1) REPEATABLE (1)")
        sampled = cursor.fetchone()[0]
        cursor.execute(SAMPLE_SQL)
        stats = cursor.fetchall()
    words = []
    for band, share in BANDS:
        word, _ = min(stats, key=lambda row: abs(row[1] / sampled - share))
        words.append((band, word))
    rare = [word for word, ndoc in stats if ndoc == 2]
    words.append(("rare", sorted(rare)[len(rare) // 2]))
    words += [("absent", ABSENT), ("phrase", PHRASE)]
    return words


def timed(function, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    page = function(**kwargs)
    return (time.perf_counter() - start) * 1000, page


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered):6.1f} {p95:6.1f} {ordered[-1]:6.1f}"


def explain(word: str, viewer) -> None:
    """Print EXPLAIN (ANALYZE, BUFFERS) of the new first page's query for `word`."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from search.selectors import SEARCH_PLANNER_SETTINGS, tweets_search

    tweets_search(viewer=viewer, query=word)
    with CaptureQueriesContext(connection) as captured:
        tweets_search(viewer=viewer, query=word)
    sql = next(q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "'))
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute(SEARCH_PLANNER_SETTINGS)
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        print("\n".join(row[0] for row in cursor.fetchall()))
        cursor.execute("ROLLBACK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--explain", default="", help="EXPLAIN the new query for this word")
    parser.add_argument("--signed-in", action="store_true", help="with --explain")
    parser.add_argument("--words", default="", help="comma-separated queries instead of bands")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twitterclone.settings.local")
    import django

    django.setup()
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from search.selectors import tweets_search

    signed_in = User.objects.order_by("-following_count").first()
    if args.explain:
        explain(args.explain, signed_in if args.signed_in else AnonymousUser())
        return

    with open("/proc/loadavg") as loadavg:
        print(f"load average at start: {loadavg.read().split()[:3]}")
    words = [("given", w) for w in args.words.split(",")] if args.words else pick_words()
    viewers = [("anonymous", AnonymousUser()), (f"signed in ({signed_in.pk})", signed_in)]
    print(f"viewer signed in: {signed_in.username}, following {signed_in.following_count}")
    print(
        f"{'band':12} {'query':16} {'matches':>9} {'viewer':10} {'page':5} "
        f"{'old p50    p95    max':>21}   {'new p50    p95    max':>21}"
    )
    mismatches = 0
    for band, word in words:
        count = match_count(word)
        for viewer_name, viewer in viewers:
            times = {(impl, page): [] for impl in ("old", "new") for page in ("first", "next")}
            for run in range(args.warmup + args.runs):
                results = {}
                for impl, function in (("old", old_tweets_search), ("new", tweets_search)):
                    first_ms, first = timed(function, viewer=viewer, query=word)
                    next_ms, second = 0.0, None
                    if first.next_cursor:
                        next_ms, second = timed(
                            function, viewer=viewer, query=word, cursor=first.next_cursor
                        )
                    results[impl] = (
                        [t.pk for t in first.items],
                        [t.pk for t in second.items] if second else [],
                    )
                    if run >= args.warmup:
                        times[(impl, "first")].append(first_ms)
                        if second is not None:
                            times[(impl, "next")].append(next_ms)
                if results["old"] != results["new"]:
                    mismatches += 1
            for page in ("first", "next"):
                if not times[("new", page)]:
                    continue
                print(
                    f"{band:12} {word[:16]:16} {count:9,} {viewer_name[:10]:10} {page:5} "
                    f"{summary(times[('old', page)])}   {summary(times[('new', page)])}"
                )
    with open("/proc/loadavg") as loadavg:
        print(f"load average at end: {loadavg.read().split()[:3]}")
    if mismatches:
        # Tweets posted between the two calls (a load test running) also differ here.
        print(f"MISMATCH: old and new returned different tweets in {mismatches} rounds")
        sys.exit(1)


if __name__ == "__main__":
    main()
