"""Seed a large synthetic world with COPY: see tweets/seeding.py for how it is generated.

The command sits above the apps, so it adds what the apps above `tweets` derive from the
world (notifications, notifications/seeding.py; the home timelines, timelines_materialize) to
the seed as extensions, which run beside the index rebuilds once the load has committed.
"""

import time
from datetime import UTC, datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from notifications.seeding import seed_extension as notifications_extension
from timelines.services import timelines_materialize
from tweets.seeding import SeedExtension, SeedParams, SeedSummary, seed_social

DEBUG_OFF = (
    "Refusing to seed with DEBUG off (production-like settings); pass --force if you mean it."
)


def _aware(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = (
        "Bulk-load a power-law social world (users, follows, requests, tweets, likes) with COPY, "
        "and their notifications; deterministic for a given --seed (and --now)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, required=True, metavar="N")
        parser.add_argument(
            "--avg-follows", type=int, required=True, metavar="K", help="mean out-degree"
        )
        parser.add_argument("--tweets", type=int, required=True, metavar="M")
        parser.add_argument("--seed", type=int, required=True, metavar="S")
        parser.add_argument("--likes-per-tweet", type=float, default=0.5, metavar="F")
        parser.add_argument(
            "--now",
            type=_aware,
            help="ISO timestamp ending the 90-day window (default: now); fix it to reproduce rows",
        )
        parser.add_argument(
            "--flush",
            action="store_true",
            help="TRUNCATE users, tweets, likes, the graph, requests and blocks (CASCADE) first",
        )
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")
        parser.add_argument(
            "--timeline-days",
            type=float,
            default=1,
            metavar="D",
            help="materialise home timelines from the last D days (older pages are pulled)",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(DEBUG_OFF)
        params = SeedParams(
            users=options["users"],
            avg_follows=options["avg_follows"],
            tweets=options["tweets"],
            seed=options["seed"],
            likes_per_tweet=options["likes_per_tweet"],
            now=options["now"],
        )
        started = time.monotonic()
        days = options["timeline_days"]
        timelines = {}

        def materialize() -> int:
            # The newest days only; older pages are pulled on read.
            timelines["owners"], rows = timelines_materialize(days=days, now=options["now"])
            return rows

        summary = seed_social(
            params=params,
            flush=options["flush"],
            stderr=self.stderr,
            extensions=[
                notifications_extension(),
                # It empties and fills its tables itself, indexes in place.
                SeedExtension(table="home_timeline", fill=materialize, rebuild_indexes=False),
            ],
        )
        self.stdout.write(
            f"materialised {timelines['owners']:,} home timelines, "
            f"{summary.derived['home_timeline']:,} rows ({days:g} days)"
        )
        self._report(summary, time.monotonic() - started)

    def _report(self, summary: SeedSummary, elapsed: float) -> None:
        lines = [
            f"users            {summary.users:>12,}  ({summary.protected:,} protected, "
            f"{summary.private:,} private, {summary.verified:,} verified)",
            f"follow edges     {summary.follow_edges:>12,}  (each in user_follows and "
            f"user_followers; max followers {summary.max_followers:,}, "
            f"max following {summary.max_following:,})",
            f"follow requests  {summary.follow_requests:>12,}",
            f"tweets           {summary.tweets:>12,}  ({summary.replies:,} replies, "
            f"{summary.retweets:,} retweets, {summary.quotes:,} quotes)",
            f"likes            {summary.likes:>12,}",
            *(f"{table:<16} {rows:>12,}" for table, rows in summary.derived.items()),
            f"celebrities      {summary.celebrities:>12,}  (10,000+ followers)",
            f"heavy followers  {summary.heavy_followers:>12,}  (1,000+ follows)",
            f"FK triggers skipped (replica role): {'yes' if summary.replica_role else 'no'}; "
            f"COPY FREEZE: {'yes' if summary.frozen else 'no'}",
            "elapsed per phase:",
            *(f"  {name:<22} {seconds:8.1f}s" for name, seconds in summary.phases.items()),
            f"  {'total':<22} {elapsed:8.1f}s",
            f"slowest steps after the load ({summary.rebuild_sessions} session(s) at once; "
            "started after the first, took):",
            *(
                f"  {name:<40} {step.started:8.1f}s {step.seconds:8.1f}s"
                for name, step in sorted(summary.steps.items(), key=lambda kv: -kv[1].seconds)[:8]
            ),
        ]
        self.stdout.write("\n".join(lines))
        self.stdout.write(self.style.SUCCESS("Seeded."))
