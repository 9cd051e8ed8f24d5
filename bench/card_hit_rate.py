"""How often the HTML tweet card cache answers when many readers load their home page.

`bench/request_cost.py --html` asks one reader's page over and over: every card after the
first request comes from the cache. Under a real mix readers differ, and a card is shared
only when the same tweet (with the same counts, the same flags...) shows on several pages.
This signs in `--readers` readers with the most follows, loads each one's home page once in
one process (as one worker would) and reports the cache's hits and misses and the CPU per
page; then a second pass over the same readers (as when they come back).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tc_seed \\
        .venv/bin/python bench/card_hit_rate.py --readers 200
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twitterclone.settings.production")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production-use")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")
os.environ.setdefault("API_THROTTLING", "off")

STATIC_PLAIN = "django.contrib.staticfiles.storage.StaticFilesStorage"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=200)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client, override_settings

    from accounts.models import User
    from tweets.templatetags.tweet_ui import cards

    readers = list(User.objects.filter(is_active=True).order_by("-following_count")[: args.readers])
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": STATIC_PLAIN}}
    with override_settings(STORAGES=storages):
        clients = []
        for reader in readers:
            client = Client()
            client.force_login(reader)
            clients.append(client)
        clients[0].get("/")  # templates loaded, statements compiled
        cards.clear()
        for name in ("first pass", "second pass"):
            hits, misses = cards.hits, cards.misses
            cpu = []
            for client in clients:
                started = time.process_time()
                response = client.get("/")
                cpu.append((time.process_time() - started) * 1000)
                assert response.status_code == 200
            hit, miss = cards.hits - hits, cards.misses - misses
            print(
                f"{name}: {len(clients)} home pages, cards {hit} hits / {miss} misses "
                f"({100 * hit / max(1, hit + miss):.1f} % hits), CPU per page "
                f"{statistics.fmean(cpu):.2f} ms mean, {statistics.median(cpu):.2f} ms p50, "
                f"{len(cards)} entries",
                flush=True,
            )


if __name__ == "__main__":
    main()
