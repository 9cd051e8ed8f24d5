"""Writes of home timelines: fan-out on write, and the jobs that keep the rows complete.

Hybrid fan-out (DESIGN "Timelines", docs/architecture.md). Every function keeps the horizon
invariant stated in timelines/models.py: rows are only added at or above an owner's horizon,
or the horizon is raised. They run as jobs (timelines.tasks) after the commit of the write
that asked for them, so a reader never waits for fan-out, and every job is idempotent.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from .models import HomeTimeline, HomeTimelineEntry
from .signals import tweet_fanned_out


def _celebrities_sql() -> str:
    """SQL for the ids of authors whose tweets are pulled on read, never fanned out."""
    return "SELECT user_id FROM timeline_pulled_authors"


@transaction.atomic
def timeline_fan_out(*, tweet_id: int) -> int:
    """Insert a tweet into its author's and every follower's built timeline; return rows added.

    One INSERT ... SELECT from user_followers. A celebrity's tweet goes only to the author's
    own timeline; followers pull it on read. Followers without a built timeline are skipped:
    their first read queues a rebuild. Then `tweet_fanned_out` is sent once, in the same
    transaction (the stream app's live event commits with the rows it announces).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH tweet AS (
                SELECT t.id, t.created_at, t.user_id,
                       author.followers_count > %(threshold)s
                       OR EXISTS (SELECT 1 FROM timeline_pulled_authors p
                                  WHERE p.user_id = t.user_id) AS pulled
                FROM tweets t JOIN users author ON author.id = t.user_id
                WHERE t.id = %(tweet_id)s
            ),
            -- Over the threshold once, pulled for good: see PulledAuthor.
            mark AS (
                INSERT INTO timeline_pulled_authors (user_id)
                SELECT user_id FROM tweet WHERE pulled ON CONFLICT DO NOTHING
            )
            INSERT INTO home_timeline (owner_id, created_at, tweet_id, author_id)
            SELECT owners.owner_id, tweet.created_at, tweet.id, tweet.user_id
            FROM tweet
            CROSS JOIN LATERAL (
                SELECT f.follower_id AS owner_id FROM user_followers f
                WHERE f.user_id = tweet.user_id AND NOT tweet.pulled
                UNION ALL
                SELECT tweet.user_id
            ) owners
            JOIN home_timelines built ON built.owner_id = owners.owner_id
            ON CONFLICT DO NOTHING
            """,
            {"tweet_id": tweet_id, "threshold": settings.TIMELINE_CELEBRITY_THRESHOLD},
        )
        added = cursor.rowcount
    tweet_fanned_out.send(sender=HomeTimelineEntry, tweet_id=tweet_id)
    return added


def timeline_sweep(*, rows: list[tuple[int, int, datetime]]) -> int:
    """Delete the timeline rows of deleted tweets, given (tweet id, author id, created_at)."""
    removed = 0
    with connection.cursor() as cursor:
        for tweet_id, author_id, created_at in rows:
            # Primary-key lookups: each owner is a follower of the author (or the author).
            cursor.execute(
                """
                DELETE FROM home_timeline
                WHERE owner_id IN (
                    SELECT follower_id FROM user_followers WHERE user_id = %(author_id)s
                    UNION ALL SELECT %(author_id)s
                )
                AND created_at = %(created_at)s AND tweet_id = %(tweet_id)s
                """,
                {"tweet_id": tweet_id, "author_id": author_id, "created_at": created_at},
            )
            removed += cursor.rowcount
    return removed


def _horizon_raise(cursor, *, owner_id: int, horizon: tuple[datetime, int]) -> None:
    """Move the horizon up to `horizon` (never down): older keys are then pulled on read."""
    cursor.execute(
        """
        UPDATE home_timelines SET horizon_at = %(at)s, horizon_id = %(id)s
        WHERE owner_id = %(owner_id)s
          AND (horizon_at IS NULL OR (horizon_at, horizon_id) < (%(at)s, %(id)s))
        """,
        {"owner_id": owner_id, "at": horizon[0], "id": horizon[1]},
    )


def timeline_backfill(*, follower_id: int, followee_id: int) -> int:
    """Copy a new followee's tweets at or after the follower's horizon into the timeline."""
    max_rows = settings.TIMELINE_MAX_ROWS
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO home_timeline (owner_id, created_at, tweet_id, author_id)
            SELECT built.owner_id, t.created_at, t.id, t.user_id
            FROM home_timelines built
            CROSS JOIN LATERAL (
                SELECT created_at, id, user_id FROM tweets
                WHERE user_id = %(followee_id)s
                  AND (built.horizon_at IS NULL
                       OR (created_at, id) >= (built.horizon_at, built.horizon_id))
                ORDER BY created_at DESC, id DESC LIMIT {max_rows:d}
            ) t
            WHERE built.owner_id = %(follower_id)s
              AND NOT EXISTS (
                  SELECT 1 FROM timeline_pulled_authors WHERE user_id = %(followee_id)s
              )
            ON CONFLICT DO NOTHING
            RETURNING created_at, tweet_id
            """,
            {"follower_id": follower_id, "followee_id": followee_id},
        )
        rows = cursor.fetchall()
        if len(rows) >= max_rows:
            # Capped: the followee's older tweets are not materialised, so pull below them.
            _horizon_raise(cursor, owner_id=follower_id, horizon=min(rows))
    return len(rows)


def timeline_remove_author(*, owner_id: int, author_id: int) -> int:
    """Take an author's rows out of one timeline (unfollow, block, follower removed)."""
    return HomeTimelineEntry.objects.filter(owner_id=owner_id, author_id=author_id).delete()[0]


def timeline_rebuild(*, owner_id: int) -> None:
    """Build (or rebuild) a user's home timeline from the last TIMELINE_REBUILD_DAYS.

    Three short steps, so that no tweet falls between them: the state row goes in first with
    the horizon at now (fan-out includes the owner from then on), then the newest rows are
    copied, then the horizon moves down to what was copied.
    """
    now = timezone.now()
    window_start = now - timedelta(days=settings.TIMELINE_REBUILD_DAYS)
    max_rows = settings.TIMELINE_MAX_ROWS
    with transaction.atomic():
        HomeTimelineEntry.objects.filter(owner_id=owner_id).delete()
        HomeTimeline.objects.update_or_create(
            owner_id=owner_id,
            defaults={"horizon_at": now, "horizon_id": 0, "built_at": now},
        )
    authors = f"""
        SELECT following_id FROM user_follows WHERE follower_id = %(owner_id)s
        EXCEPT {_celebrities_sql()}
        UNION SELECT %(owner_id)s
    """
    params = {"owner_id": owner_id, "window_start": window_start}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO home_timeline (owner_id, created_at, tweet_id, author_id)
            SELECT %(owner_id)s, t.created_at, t.id, t.user_id
            FROM tweets t
            WHERE t.user_id IN ({authors}) AND t.created_at >= %(window_start)s
            ORDER BY t.created_at DESC, t.id DESC
            LIMIT {max_rows:d}
            ON CONFLICT DO NOTHING
            RETURNING created_at, tweet_id
            """,
            params,
        )
        rows = cursor.fetchall()
        if len(rows) >= max_rows:
            horizon = min(rows)
        else:
            # Nothing older than the window means the rows are complete: no pull on read.
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM tweets WHERE user_id IN ({authors}) "
                "AND created_at < %(window_start)s)",
                params,
            )
            horizon = (window_start, 0) if cursor.fetchone()[0] else (None, None)
        cursor.execute(
            "UPDATE home_timelines SET horizon_at = %s, horizon_id = %s "
            "WHERE owner_id = %s AND (horizon_at, horizon_id) = (%s, 0)",
            [horizon[0], horizon[1], owner_id, now],
        )


def timeline_trim(*, owner_id: int) -> int:
    """Keep the owner's newest TIMELINE_MAX_ROWS rows; raise the horizon to the oldest kept."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT created_at, tweet_id FROM home_timeline WHERE owner_id = %s "
            "ORDER BY created_at DESC, tweet_id DESC OFFSET %s LIMIT 1",
            [owner_id, settings.TIMELINE_MAX_ROWS - 1],
        )
        oldest_kept = cursor.fetchone()
        if oldest_kept is None:
            return 0
        _horizon_raise(cursor, owner_id=owner_id, horizon=oldest_kept)
        cursor.execute(
            "DELETE FROM home_timeline WHERE owner_id = %s AND (created_at, tweet_id) < (%s, %s)",
            [owner_id, *oldest_kept],
        )
        return cursor.rowcount


def timelines_trim_all() -> int:
    """Trim every timeline over TIMELINE_MAX_ROWS rows; return rows removed (periodic job)."""
    owners = (
        HomeTimelineEntry.objects.values("owner_id")
        .annotate(rows=Count("tweet_id"))
        .filter(rows__gt=settings.TIMELINE_MAX_ROWS)
        .values_list("owner_id", flat=True)
    )
    return sum(timeline_trim(owner_id=owner_id) for owner_id in list(owners))


def timelines_materialize(*, days: float, now: datetime | None = None) -> tuple[int, int]:
    """Build every user's home timeline from the last `days` at once (bulk seeding).

    Replaces all timelines: one set-based fan-out of the window's tweets (celebrities
    excepted), each owner capped at TIMELINE_MAX_ROWS, horizons set so older pages are
    pulled. Return (timelines, rows). For seeded data sets, not for a live site.
    """
    window_start = (now or timezone.now()) - timedelta(days=days)
    params = {
        "window_start": window_start,
        "threshold": settings.TIMELINE_CELEBRITY_THRESHOLD,
        "max_rows": settings.TIMELINE_MAX_ROWS,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '512MB'")
        cursor.execute("TRUNCATE home_timeline, home_timelines, timeline_pulled_authors")
        cursor.execute(
            "INSERT INTO timeline_pulled_authors (user_id) "
            "SELECT id FROM users WHERE followers_count > %(threshold)s",
            params,
        )
        cursor.execute(
            "INSERT INTO home_timelines (owner_id, horizon_at, horizon_id, built_at) "
            "SELECT id, %(window_start)s, 0, now() FROM users",
            params,
        )
        timelines = cursor.rowcount
        cursor.execute(
            """
            INSERT INTO home_timeline (owner_id, created_at, tweet_id, author_id)
            SELECT owner_id, created_at, tweet_id, author_id FROM (
                SELECT fanned.*, row_number() OVER (
                    PARTITION BY owner_id ORDER BY created_at DESC, tweet_id DESC
                ) AS position
                FROM (
                    SELECT f.follower_id AS owner_id, t.created_at, t.id AS tweet_id,
                           t.user_id AS author_id
                    FROM tweets t
                    JOIN user_followers f ON f.user_id = t.user_id
                    WHERE NOT EXISTS (
                        SELECT 1 FROM timeline_pulled_authors p WHERE p.user_id = t.user_id
                    )
                    AND t.created_at >= %(window_start)s
                    UNION ALL
                    SELECT t.user_id, t.created_at, t.id, t.user_id
                    FROM tweets t WHERE t.created_at >= %(window_start)s
                ) fanned
            ) ranked
            WHERE position <= %(max_rows)s
            ORDER BY owner_id, created_at, tweet_id
            """,
            params,
        )
        rows = cursor.rowcount
        # Owners who hit the cap: the oldest kept row is their horizon.
        cursor.execute(
            """
            UPDATE home_timelines state
            SET horizon_at = oldest.created_at, horizon_id = oldest.tweet_id
            FROM (
                SELECT DISTINCT ON (owner_id) owner_id, created_at, tweet_id
                FROM home_timeline
                WHERE owner_id IN (
                    SELECT owner_id FROM home_timeline
                    GROUP BY owner_id HAVING count(*) >= %(max_rows)s
                )
                ORDER BY owner_id, created_at, tweet_id
            ) oldest
            WHERE state.owner_id = oldest.owner_id
            """,
            params,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE home_timeline, home_timelines, timeline_pulled_authors")
    return timelines, rows
