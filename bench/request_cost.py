"""Measure what one API request costs the app process: wall time and CPU time, in-process.

The load benchmark (bench/load.py) showed the app CPU-bound: requests per second on two
cores are set by the app's CPU per request. This isolates that cost, one request at a time
through Django's full stack (middleware, DRF, token auth, selectors, serializers) on one
connection, for the endpoints of the load mix:

- home: GET /api/v1/timeline/home for a reader following about 1,000 accounts;
- user: GET /api/v1/users/{u}/tweets of a public author with 100+ tweets;
- tweet: GET /api/v1/tweets/{id};
- post: POST /api/v1/tweets (the fan-out job is queued in the database, as in production,
  and its posts are deleted through the service at the end).

Run from the project root against a seeded database (manage.py seed_social):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tc_seed \\
        .venv/bin/python bench/request_cost.py --runs 300 [--json PATH]

To compare two versions on the same data, run it from a worktree of each, back to back.
"""

import argparse
import json
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
# The test client speaks plain HTTP: no redirect to HTTPS.
os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")
os.environ.setdefault("API_THROTTLING", "off")
os.environ.setdefault("TASKS_BACKEND", "database")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure(call, runs: int) -> dict:
    for _ in range(10):
        call()
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return {
        "wall_p50_ms": round(statistics.median(wall), 2),
        "wall_p99_ms": round(percentile(wall, 0.99), 2),
        "cpu_mean_ms": round(statistics.fmean(cpu), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    import django

    django.setup()
    from django.test import Client

    from accounts.models import User
    from accounts.services import token_create, token_delete
    from tweets.models import Tweet
    from tweets.services import tweet_delete

    reader = User.objects.filter(following_count__gte=1000).order_by("id").first()
    author = User.objects.filter(tweets_count__gte=100, privacy="public").order_by("id").first()
    tweet = Tweet.objects.filter(user=author).order_by("-created_at", "-id").first()
    token = token_create(user=reader)
    client = Client(headers={"authorization": f"Bearer {token}"})
    posted: list[int] = []

    def get(path: str):
        def call():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        return call

    def post():
        response = client.post(
            "/api/v1/tweets", {"content": "measuring request cost #bench"}, "application/json"
        )
        assert response.status_code == 201, response.content
        posted.append(response.json()["id"])

    calls = {
        "home": get("/api/v1/timeline/home"),
        "user": get(f"/api/v1/users/{author.username}/tweets"),
        "tweet": get(f"/api/v1/tweets/{tweet.pk}"),
        "post": post,
    }
    results = {}
    try:
        for name, call in calls.items():
            results[name] = measure(call, args.runs)
            print(f"{name:6} {results[name]}", flush=True)
    finally:
        for tweet_id in posted:
            tweet_delete(tweet=Tweet.objects.get(pk=tweet_id), actor=reader)
        token_delete(token=token)
    if args.json:
        args.json.write_text(json.dumps({"runs": args.runs, "results": results}, indent=2))


if __name__ == "__main__":
    main()
