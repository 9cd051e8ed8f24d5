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

`--gzip` instead compares the home timeline without and with GZipMiddleware in one process,
side by side: the JSON (GET /api/v1/timeline/home) and the HTML page (GET / signed in), each
asked with `Accept-Encoding: gzip` as a browser asks, from a client whose middleware lacks
GZipMiddleware ("plain", as before it was added) and one with the settings' own ("gzip"),
alternating in `--rounds` rounds (the order flipped every other round) so that the
machine's load falls on both alike; a second plain client ("again") is the A/A control that
shows how far two identical clients measure apart.

`--metrics` compares the same way without and with twitterclone.metrics.MetricsMiddleware
(latency histogram, query counting, responses by status), in Prometheus's multiprocess mode as
deploy/serve.sh runs it (samples written to files in a temporary PROMETHEUS_MULTIPROC_DIR):
the JSON home timeline and the HTML home page, plus /healthz (no database: the floor, where
the middleware's share is largest).
`--html` adds the two pages of the mix signed in as the same reader: the HTML home page
(GET /) and a profile page (GET /@author), each a full page through the session middleware
and the templates.

`--root PATH` measures the checkout at PATH with this script (its code, its settings), so
an older checkout without `--html` can be measured the same way. `bench/cost_compare.py`
runs two checkouts alternating, in rounds, and prints them side by side.
"""

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if "--root" in sys.argv:
    ROOT = Path(sys.argv[sys.argv.index("--root") + 1]).resolve()
    os.chdir(ROOT)
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twitterclone.settings.production")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production-use")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
# The test client speaks plain HTTP: no redirect to HTTPS.
os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")
os.environ.setdefault("API_THROTTLING", "off")
os.environ.setdefault("TASKS_BACKEND", "database")
if "--metrics" in sys.argv:
    # Set before prometheus_client is imported: it picks its value store then.
    import tempfile

    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="tc-metrics-"))

from timing import measure  # noqa: E402 (bench/, this script's folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--gzip", action="store_true", help="home timeline without/with gzip")
    parser.add_argument("--rounds", type=int, default=4, help="--gzip: alternating rounds")
    parser.add_argument("--metrics", action="store_true", help="without/with MetricsMiddleware")
    parser.add_argument("--html", action="store_true", help="also the HTML home and profile")
    parser.add_argument("--root", type=Path, help="the checkout to measure (default: this one)")
    parser.add_argument("--only", help="comma-separated subset of the calls")
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
    if args.metrics:
        try:
            results = metrics_compare(
                reader=reader, token=token, runs=args.runs, rounds=args.rounds
            )
        finally:
            token_delete(token=token)
        if args.json:
            args.json.write_text(json.dumps({"runs": args.runs, "metrics": results}, indent=2))
        return
    if args.gzip:
        try:
            results = gzip_compare(reader=reader, token=token, runs=args.runs, rounds=args.rounds)
        finally:
            token_delete(token=token)
        if args.json:
            args.json.write_text(json.dumps({"runs": args.runs, "gzip": results}, indent=2))
        return
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
    storages = None
    if args.html:
        from django.conf import settings
        from django.test import override_settings

        # No collected manifest here: the pages link their static files by their plain names.
        storages = override_settings(
            STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": STATIC_PLAIN}}
        )
        storages.enable()
        browser = Client()
        browser.force_login(reader)

        def page(path: str):
            def call():
                response = browser.get(path)
                assert response.status_code == 200, (path, response.status_code)

            return call

        calls["html_home"] = page("/")
        calls["html_profile"] = page(f"/@{author.username}")
    if args.only:
        calls = {name: calls[name] for name in args.only.split(",")}
    results = {}
    try:
        for name, call in calls.items():
            results[name] = measure(call, args.runs)
            print(f"{name:6} {results[name]}", flush=True)
    finally:
        for tweet_id in posted:
            tweet_delete(tweet=Tweet.objects.get(pk=tweet_id), actor=reader)
        token_delete(token=token)
        if storages is not None:
            storages.disable()
    if args.json:
        args.json.write_text(json.dumps({"runs": args.runs, "results": results}, indent=2))


GZIP = "twitterclone.compression.GZipMiddleware"
STATIC_PLAIN = "django.contrib.staticfiles.storage.StaticFilesStorage"
METRICS = "twitterclone.metrics.MetricsMiddleware"


@dataclass
class Rounds:
    """CPU ms per round, and the last body, of each path and variant ("<path>_<variant>")."""

    cpu: dict[str, list[float]]
    bodies: dict[str, bytes]


def middleware_rounds(
    *,
    reader,
    headers: dict,
    paths: dict[str, str],
    middleware: str,
    variant: str,
    runs: int,
    rounds: int,
    inspect=None,
) -> Rounds:
    """Measure `paths` from a client without `middleware` ("plain"), one with the settings' own
    MIDDLEWARE (`variant`) and a second plain one ("again": the A/A control, how far two
    identical clients measure apart), alternating in `rounds`, the order flipped every other
    round. `inspect(variant, name, response)` checks one answer of each per round.
    """
    from django.conf import settings
    from django.test import Client, override_settings

    assert middleware in settings.MIDDLEWARE, f"{middleware} is not in the settings' MIDDLEWARE"
    plain = [m for m in settings.MIDDLEWARE if m != middleware]

    def client_with(stack: list[str]):
        # A client loads its middleware on its first request and keeps it.
        with override_settings(MIDDLEWARE=stack):
            client = Client(headers=headers)
            client.force_login(reader)
            for path in paths.values():
                client.get(path)
        return client

    measured = Rounds(cpu={}, bodies={})
    # No collected manifest here: the HTML pages link their static files by their plain names.
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": STATIC_PLAIN}}
    with override_settings(STORAGES=storages):
        clients = {
            "plain": client_with(plain),
            variant: client_with(list(settings.MIDDLEWARE)),
            "again": client_with(plain),
        }
        for round_ in range(rounds):
            for name, path in paths.items():
                # The second of a pair ran slower than the first in a trial, whichever it was.
                order = list(clients.items())
                for label, client in order[::-1] if round_ % 2 else order:
                    response = client.get(path)
                    assert response.status_code == 200, (path, response.status_code)
                    if inspect is not None:
                        inspect(label, name, response)
                    measured.bodies[f"{name}_{label}"] = response.content

                    def call(client=client, path=path):
                        answer = client.get(path)
                        assert answer.status_code == 200, (path, answer.status_code)

                    result = measure(call, runs)
                    measured.cpu.setdefault(f"{name}_{label}", []).append(result["cpu_mean_ms"])
                    print(f"round {round_ + 1} {name:9} {label:7} {result}", flush=True)
    return measured


def _change(measured: Rounds, name: str, variant: str, digits: int) -> dict:
    before = statistics.fmean(measured.cpu[f"{name}_plain"])
    after = statistics.fmean(measured.cpu[f"{name}_{variant}"])
    again = statistics.fmean(measured.cpu[f"{name}_again"])
    return {
        "cpu_mean_ms_plain": round(before, digits),
        f"cpu_mean_ms_{variant}": round(after, digits),
        "cpu_change_ms": round(after - before, 3),
        "cpu_change_pct": round(100 * (after - before) / before, 1),
        "cpu_mean_ms_again": round(again, digits),
        "aa_change_pct": round(100 * (again - before) / before, 1),
    }


def gzip_compare(*, reader, token: str, runs: int, rounds: int) -> dict:
    """CPU per request of the home timeline (JSON and HTML) without and with GZipMiddleware."""
    from django.middleware.gzip import GZipMiddleware
    from django.utils.text import compress_string

    paths = {"home_json": "/api/v1/timeline/home", "home_html": "/"}

    def inspect(variant: str, name: str, response) -> None:
        compressed = response.get("Content-Encoding") == "gzip"
        assert compressed == (variant == "gzip"), (name, variant)

    measured = middleware_rounds(
        reader=reader,
        headers={"authorization": f"Bearer {token}", "accept-encoding": "gzip, deflate, br"},
        paths=paths,
        middleware=GZIP,
        variant="gzip",
        runs=runs,
        rounds=rounds,
        inspect=inspect,
    )
    results = {}
    for name in paths:
        # The work the middleware adds, alone: compressing this very body as it does.
        body = measured.bodies[f"{name}_plain"]
        started = time.process_time()
        for _ in range(runs):
            compress_string(body, max_random_bytes=GZipMiddleware.max_random_bytes)
        compress_ms = (time.process_time() - started) * 1000 / runs
        change = _change(measured, name, "gzip", digits=2)
        results[name] = {
            **change,
            "compress_cpu_ms": round(compress_ms, 3),
            "compress_pct_of_plain": round(100 * compress_ms / change["cpu_mean_ms_plain"], 1),
            "bytes_plain": len(measured.bodies[f"{name}_plain"]),
            "bytes_gzip": len(measured.bodies[f"{name}_gzip"]),
            "rounds_plain": measured.cpu[f"{name}_plain"],
            "rounds_gzip": measured.cpu[f"{name}_gzip"],
        }
        print(f"{name:9} {results[name]}", flush=True)
    return results


def metrics_compare(*, reader, token: str, runs: int, rounds: int) -> dict:
    """CPU per request without and with MetricsMiddleware, alternating, with an A/A control."""
    paths = {"home_json": "/api/v1/timeline/home", "home_html": "/", "healthz": "/healthz"}
    measured = middleware_rounds(
        reader=reader,
        headers={"authorization": f"Bearer {token}"},
        paths=paths,
        middleware=METRICS,
        variant="metrics",
        runs=runs,
        rounds=rounds,
    )
    # The work the middleware adds, alone: its three observations and an execute wrapper
    # around one query's worth of calls, as one request of a view makes them.
    from twitterclone import metrics

    started = time.process_time()
    for _ in range(runs * 10):
        with metrics._wrapped(lambda execute, *args: execute(*args)):
            pass
        metrics.REQUEST_SECONDS.labels("home", "GET").observe(0.01)
        metrics.REQUEST_QUERIES.labels("home").observe(5)
        metrics.RESPONSES.labels("home", "2xx").inc()
    observe_ms = (time.process_time() - started) * 1000 / (runs * 10)
    print(f"middleware work alone: {observe_ms:.4f} ms CPU per request", flush=True)
    results = {"middleware_work_alone_cpu_ms": round(observe_ms, 4)}
    for name in paths:
        results[name] = _change(measured, name, "metrics", digits=3)
        print(f"{name:9} {results[name]}", flush=True)
    return results


if __name__ == "__main__":
    main()
