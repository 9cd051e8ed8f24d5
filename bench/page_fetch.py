"""CPU per call of the visibility-filtered page fetch alone (tweets.cards.tweets_by_ids).

The request benchmark (bench/request_cost.py) times whole requests, whose noise on a shared
machine hides a change of a fraction of a millisecond; this times only the page fetch under
every home, user-timeline and tweet page, for the same 21 ids of a reader following about
5,000 accounts, in tight batches. Runs in an older tree too (it falls back to the name the
function had there), so two versions compare side by side:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tc_seed .venv/bin/python bench/page_fetch.py
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twitterclone.settings.production")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production-use")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("API_THROTTLING", "off")


def main() -> None:
    import django

    django.setup()
    from accounts.models import User
    from timelines.selectors import timeline_home
    from tweets import selectors

    fetch = getattr(selectors, "_visible_tweets", None)  # before issue 12
    if fetch is None:
        from tweets.cards import tweets_by_ids as fetch

    reader = User.objects.filter(following_count__gte=4000).order_by("following_count").first()
    if reader is None:
        sys.exit("No reader following 4,000+ accounts: seed a world first (seed_social).")
    ids = [tweet.pk for tweet in timeline_home(viewer=reader, limit=21).items]
    for _ in range(50):
        fetch(viewer=reader, ids=ids)
    batches = []
    for _ in range(5):
        started = time.process_time()
        for _ in range(300):
            fetch(viewer=reader, ids=ids)
        batches.append((time.process_time() - started) / 300 * 1000)
    print(
        f"{ROOT.name}: CPU ms per page of {len(ids)} ids:",
        ", ".join(f"{batch:.2f}" for batch in batches),
        f"(best {min(batches):.2f})",
    )


if __name__ == "__main__":
    main()
