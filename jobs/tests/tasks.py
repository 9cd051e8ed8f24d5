"""Jobs the worker-pool tests queue; worker processes import them by path like any job.

Each records its runs in `job_test_runs`, a table the tests create and drop themselves.
"""

import os
import time

from django.db import connection
from django_tasks import task

RUNS_TABLE = "job_test_runs"


def record(key: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {RUNS_TABLE} (job_key, pid) VALUES (%s, %s)", [key, os.getpid()]
        )


@task()
def record_run(key: str, pause: float = 0.0) -> str:
    record(key)
    time.sleep(pause)
    return key


@task()
def always_fails(key: str) -> None:
    record(key)
    raise ValueError(f"boom {key}")


@task()
def fan_out_in_batches(tweet_id: int, batch: int, pause: float) -> int:
    """Fan a tweet out like timelines.services.timeline_fan_out, one committed batch at a time.

    Same rows, same ON CONFLICT DO NOTHING, but `batch` followers per statement with a pause
    between: a worker killed in the middle leaves some batches committed and the rest not.
    """
    record(f"fan-out {tweet_id}")
    added, after = 0, 0
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO home_timeline (owner_id, created_at, tweet_id, author_id)
            SELECT t.user_id, t.created_at, t.id, t.user_id FROM tweets t
            JOIN home_timelines built ON built.owner_id = t.user_id
            WHERE t.id = %s ON CONFLICT DO NOTHING
            """,
            [tweet_id],
        )
        added += cursor.rowcount
        while True:
            cursor.execute(
                """
                WITH batch AS (
                    SELECT f.follower_id
                    FROM user_followers f JOIN tweets t ON t.user_id = f.user_id
                    WHERE t.id = %(tweet_id)s AND f.follower_id > %(after)s
                    ORDER BY f.follower_id LIMIT %(batch)s
                ),
                added AS (
                    INSERT INTO home_timeline (owner_id, created_at, tweet_id, author_id)
                    SELECT b.follower_id, t.created_at, t.id, t.user_id
                    FROM batch b JOIN home_timelines built ON built.owner_id = b.follower_id
                    CROSS JOIN tweets t WHERE t.id = %(tweet_id)s
                    ON CONFLICT DO NOTHING RETURNING 1
                )
                SELECT (SELECT max(follower_id) FROM batch), (SELECT count(*) FROM added)
                """,
                {"tweet_id": tweet_id, "after": after, "batch": batch},
            )
            last, count = cursor.fetchone()
            if last is None:
                return added
            added += count
            after = last
            time.sleep(pause)
