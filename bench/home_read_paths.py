"""Before/after, in one run on the same data, of the two changes to the home-timeline read path.

1. Fetching a page's tweets through the visibility rule: the ORM building and compiling the
   rule per request (before) against the rule's SQL compiled once per viewer kind (after,
   `tweets.cards.tweets_by_ids`). Same SQL, same rows; only the Python work differs.
2. The per-followee pull on idx_tweets_user_created (user_id, created_at DESC) (before)
   against the same index with INCLUDE (id) (after): the old index is built for the run
   and dropped at the end; each variant runs with the other index hidden in a rolled-back
   transaction.

Usage (on a seeded database, e.g. `manage.py seed_social --users 100000 ...`):

    DATABASE_URL=postgres://... .venv/bin/python bench/home_read_paths.py --runs 200
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twitterclone.settings.local")
    import django

    django.setup()
    from timelines.management.commands.timeline_benchmark import _percentiles, _timed

    def percentiles(samples: list[float]) -> str:
        stats = _percentiles(samples)
        return "  ".join(f"{name[:3]} {stats[name]:8.3f}" for name in stats) + " ms"

    def timed(function, runs: int) -> list[float]:
        return _timed(function, runs, warmup=5)

    from django.db import connection, transaction
    from django.test.utils import override_settings

    from accounts.models import User
    from timelines import selectors as timeline_selectors
    from tweets import cards
    from tweets.models import Tweet

    readers = {}
    for target in (100, 1000, 5000):
        reader = (
            User.objects.filter(following_count__range=(target * 0.9, target * 1.1))
            .order_by("following_count")
            .first()
        )
        if reader is not None:
            readers[target] = reader
    if not readers:
        sys.exit("No users following 100/1,000/5,000 accounts: seed a world first.")

    with override_settings(DEBUG=False):
        print("1. Page fetch through the visibility rule (21 candidate ids)")
        for target, reader in readers.items():
            page = timeline_selectors.timeline_home(viewer=reader, limit=21)
            ids = [tweet.pk for tweet in page.items]

            def orm(reader=reader, ids=ids):
                queryset = Tweet.objects.filter(pk__in=ids).visible_to(reader)
                return cards.tweet_cards(queryset, viewer=reader).in_bulk()

            def compiled(reader=reader, ids=ids):
                return cards.tweets_by_ids(viewer=reader, ids=ids)

            assert set(orm()) == set(compiled()), "the two paths disagree"
            print(f"  follows {target:>5} ORM each time: {percentiles(timed(orm, args.runs))}")
            print(f"  follows {target:>5} compiled once: {percentiles(timed(compiled, args.runs))}")

        print("2. Per-followee pull, first page of 20")
        sql = timeline_selectors.PULL_SQL.format(
            authors=timeline_selectors.FOLLOWED_AND_SELF_SQL, before=""
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS bench_tweets_user_created_plain "
                "ON tweets (user_id, created_at DESC)"
            )
        try:
            for label, hidden in (
                ("(user_id, created_at DESC)           ", "idx_tweets_user_created"),
                ("(user_id, created_at DESC) INCLUDE id", "bench_tweets_user_created_plain"),
            ):
                for target, reader in readers.items():
                    with transaction.atomic(), connection.cursor() as cursor:
                        cursor.execute(f"DROP INDEX {hidden}")  # rolled back below

                        def pull(cursor=cursor, reader=reader):
                            cursor.execute(sql, {"owner_id": reader.pk, "count": 20})
                            return cursor.fetchall()

                        samples = timed(pull, args.runs)
                        transaction.set_rollback(True)
                    print(f"  {label} follows {target:>5}: {percentiles(samples)}")
        finally:
            with connection.cursor() as cursor:
                cursor.execute("DROP INDEX CONCURRENTLY IF EXISTS bench_tweets_user_created_plain")


if __name__ == "__main__":
    main()
