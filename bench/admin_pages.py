"""Latency and query count of every moderation admin page, on a seeded database.

Renders each page with Django's test Client, logged in as a superuser (`bench_admin`, created
if missing), and prints p50 / p95 / max over --runs renders plus the page's query count. Exits
non-zero if a page answers anything but 200, if any page's query is a COUNT(*) that is not
bounded by a LIMITed subquery (a count over a whole large table), or if a p95 is over --budget.

Usage (on the 100k-user / 10 M-tweet world from `manage.py seed_social`, migrations applied):

    DATABASE_URL=postgres://... .venv/bin/python bench/admin_pages.py --runs 30
    DATABASE_URL=postgres://... .venv/bin/python bench/admin_pages.py --make-reports 3000
    DATABASE_URL=postgres://... .venv/bin/python bench/admin_pages.py --explain "tweets q=love"

--make-reports N first files reports through tweets.services.report_create until N are open
(random reporters on random visible tweets), so the report queue has a realistic size.
--moderate N works N of the oldest open reports through moderation.services (two in three
dismissed, one in three resolved and its tweet hidden; nobody is suspended or deleted), so the
audit log and the hidden filter have rows.
"""

import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A count is bounded when it counts a LIMITed subquery (CappedCountPaginator).
COUNT_RE = re.compile(r"\bCOUNT\(", re.IGNORECASE)
BOUNDED_COUNT_RE = re.compile(r"SELECT COUNT\(\*\) FROM \(SELECT .* LIMIT \d+\)", re.I | re.S)


def pages(user_id: int, tweet_id: int, report_id: int | None, audit_id: int | None, email: str):
    """Return (name, url) of every page to measure."""
    users, tweets = "/admin/accounts/user/", "/admin/tweets/tweet/"
    reports, audit = "/admin/tweets/report/", "/admin/moderation/auditlogentry/"
    listed = [
        ("admin index", "/admin/"),
        ("users", users),
        ("users privacy=private", f"{users}?privacy__exact=private"),
        ("users verified", f"{users}?verified__exact=1"),
        ("users suspended", f"{users}?is_active__exact=0"),
        ("users staff", f"{users}?is_staff__exact=1"),
        ("users q=prefix", f"{users}?q=ann"),
        ("users q=email", f"{users}?q={email}"),
        ("users last page", f"{users}?p=19"),
        ("tweets", tweets),
        ("tweets hidden", f"{tweets}?hidden=yes"),
        ("tweets not hidden", f"{tweets}?hidden=no"),
        ("tweets replies", f"{tweets}?reply=yes"),
        ("tweets not replies", f"{tweets}?reply=no"),
        ("tweets plain retweets", f"{tweets}?retweet=plain"),
        ("tweets quotes", f"{tweets}?retweet=quote"),
        ("tweets originals", f"{tweets}?retweet=no"),
        ("tweets with media", f"{tweets}?media=yes"),
        ("tweets without media", f"{tweets}?media=no"),
        ("tweets last 24h", f"{tweets}?posted=24h"),
        ("tweets last 7d", f"{tweets}?posted=7d"),
        ("tweets last 30d", f"{tweets}?posted=30d"),
        ("tweets older", f"{tweets}?posted=older"),
        ("tweets q=common word", f"{tweets}?q=love"),
        # 18,002 matches: the slowest band of tweets_search (docs/performance.md, "Search").
        ("tweets q=mid word", f"{tweets}?q=againcontinue"),
        ("tweets q=rare word", f"{tweets}?q=zanzibar"),
        ("tweets q=phrase", f'{tweets}?q="good morning"'),
        ("tweets q + media + 7d", f"{tweets}?q=love&media=yes&posted=7d"),
        ("tweets last page", f"{tweets}?p=19"),
        ("reports queue (open)", reports),
        ("reports resolved", f"{reports}?status=resolved"),
        ("reports dismissed", f"{reports}?status=dismissed"),
        ("reports all", f"{reports}?status=all"),
        ("audit log", audit),
        ("audit log by action", f"{audit}?action__exact=report_resolve"),
        ("user change form", f"{users}{user_id}/change/"),
        ("tweet change form", f"{tweets}{tweet_id}/change/"),
        ("tweet delete page", f"{tweets}{tweet_id}/delete/"),
    ]
    if report_id is not None:
        listed.append(("report change form", f"{reports}{report_id}/change/"))
    if audit_id is not None:
        listed.append(("audit entry view", f"{audit}{audit_id}/change/"))
    return listed


def make_reports(wanted: int) -> None:
    """File reports through the service until `wanted` are open."""
    from django.db import connection
    from django.db.models import Max

    from accounts.models import User
    from tweets.models import Report, Tweet
    from tweets.services import report_create

    missing = wanted - Report.objects.filter(status="open").count()
    if missing <= 0:
        return
    rng = random.Random(1)
    top_user = User.objects.aggregate(top=Max("pk"))["top"]
    top_tweet = Tweet.objects.aggregate(top=Max("pk"))["top"]
    reasons = ["spam", "harassment", "misleading", "off-topic abuse", "impersonation"]
    made = 0
    while made < missing:
        reporter = User.objects.filter(pk__gte=rng.randint(1, top_user), is_active=True).first()
        tweet_id = rng.randint(top_tweet // 2, top_tweet)  # recent half: what people see
        try:
            _, created = report_create(
                reporter=reporter, tweet_id=tweet_id, reason=rng.choice(reasons)
            )
        except Tweet.DoesNotExist:
            continue
        made += created
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reports")  # else the queue's plan sorts every open report
    print(f"filed {made} reports")


def moderate(moderator, count: int) -> None:
    """Dismiss or resolve-and-hide the `count` oldest open reports through the services."""
    from moderation import services
    from tweets.models import Report

    oldest = Report.objects.filter(status="open").select_related("tweet__user")
    for n, report in enumerate(oldest.order_by("created_at")[:count]):
        if n % 3 == 2:
            services.report_resolve_and_hide(moderator=moderator, report=report, note="bench")
        else:
            services.report_dismiss(moderator=moderator, report=report, note="bench")
    print(f"worked {count} reports")


def check_queries(name: str, queries: list[dict]) -> list[str]:
    """Return the queries of a page that count without a bound."""
    return [
        query["sql"]
        for query in queries
        if COUNT_RE.search(query["sql"]) and not BOUNDED_COUNT_RE.search(query["sql"])
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--budget", type=float, default=300.0, help="p95 limit per page, ms")
    parser.add_argument("--make-reports", type=int, default=0)
    parser.add_argument("--moderate", type=int, default=0)
    parser.add_argument("--only", default="", help="measure only pages whose name has this")
    parser.add_argument("--explain", default="", help="print EXPLAIN ANALYZE of a page's SQL")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twitterclone.settings.local")
    import django

    django.setup()
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from accounts.models import User
    from moderation.models import AuditLogEntry
    from tweets.models import Report, Tweet

    if args.make_reports:
        make_reports(args.make_reports)
    admin = User.objects.filter_username("bench_admin").first()
    if admin is None:
        admin = User.objects.create_superuser(
            "bench_admin", "bench_admin@example.com", os.urandom(16).hex()
        )
    if args.moderate:
        moderate(admin, args.moderate)
    sample_user = User.objects.filter(pk__gte=User.objects.order_by("-pk")[0].pk // 2).first()
    sample_tweet = Tweet.objects.order_by("-created_at", "-id").first()
    report = Report.objects.order_by("-pk").first()
    entry = AuditLogEntry.objects.order_by("-pk").first()
    listed = pages(
        sample_user.pk,
        sample_tweet.pk,
        report and report.pk,
        entry and entry.pk,
        sample_user.email,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    print(
        f"{version}; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.2f}; "
        f"{User.objects.count():,} users, ~{_estimate('tweets'):,} tweets, "
        f"{Report.objects.count():,} reports, {AuditLogEntry.objects.count():,} audit rows"
    )

    # Each request clears the query log on start; CaptureQueriesContext needs it kept.
    request_started.disconnect(reset_queries)
    client = Client()
    client.force_login(admin)
    failures = []
    rows = []
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]):
        for name, url in listed:
            if args.only and args.only not in name:
                continue
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            queries = list(captured.captured_queries)
            db_ms = sum(float(query["time"]) for query in queries) * 1000
            if response.status_code != 200:
                failures.append(f"{name}: HTTP {response.status_code} for {url}")
                continue
            for sql in check_queries(name, queries):
                failures.append(f"{name}: unbounded count: {sql[:300]}")
            if args.explain and args.explain == name:
                _explain(queries)
            samples = []
            for run in range(args.warmup + args.runs):
                started = time.perf_counter()
                client.get(url)
                if run >= args.warmup:
                    samples.append((time.perf_counter() - started) * 1000)
            samples.sort()
            p50 = statistics.median(samples)
            p95 = samples[min(len(samples) - 1, int(0.95 * len(samples)))]
            rows.append((name, p50, p95, samples[-1], len(queries), db_ms))
            print(
                f"{name:<26} p50 {p50:7.1f}  p95 {p95:7.1f}  max {samples[-1]:7.1f} ms"
                f"  {len(queries):3d} queries ({db_ms:5.1f} ms in SQL)  {url}",
                flush=True,
            )
            if p95 > args.budget:
                failures.append(f"{name}: p95 {p95:.1f} ms over the {args.budget:.0f} ms budget")
    print(
        "\n| Page | p50 ms | p95 ms | max ms | queries | SQL ms (one render) |"
        "\n|---|---:|---:|---:|---:|---:|"
    )
    for name, p50, p95, top, queries, db_ms in rows:
        print(f"| {name} | {p50:.1f} | {p95:.1f} | {top:.1f} | {queries} | {db_ms:.1f} |")
    if failures:
        print("\nFAILED:\n" + "\n".join(failures))
        sys.exit(1)


def _estimate(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


def _explain(queries: list[dict]) -> None:
    """Print EXPLAIN (ANALYZE, BUFFERS) of each SELECT a page ran."""
    from django.db import connection

    with connection.cursor() as cursor:
        for query in queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            print(f"\n-- {sql[:400]}\n{plan}\n")


if __name__ == "__main__":
    main()
