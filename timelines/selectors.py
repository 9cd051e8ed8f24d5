"""Reads of home timelines: the keys of an owner's page, and the page itself.

The rest of the project asks one question here: the keys (created_at, id) of this owner's
page before this cursor (`timeline_home_keys`). The horizon invariant that makes the
materialised rows trustworthy is stated once, in timelines/models.py. `timeline_home` then
hands the keys to tweets' page builder, which applies the one visibility rule.

Reads never write: a timeline not built yet is answered by the pull query and its rebuild
is queued as a job, so every GET can run on a read replica.
"""

from functools import partial

from django.db import transaction

from accounts.models import User
from tweets.selectors import tweets_page_from_keys
from twitterclone.pagination import Key, Page, keyset_before_sql
from twitterclone.replicas import read_connection

from . import tasks

# Top `count` of the authors in {authors}; one index range scan per author (LATERAL) on
# idx_tweets_user_created, then a merge: the cost grows with authors, not with their tweets.
PULL_SQL = """
    SELECT t.created_at, t.id FROM ({authors}) a
    CROSS JOIN LATERAL (
        SELECT created_at, id FROM tweets
        WHERE user_id = a.user_id {before}
        ORDER BY created_at DESC, id DESC LIMIT %(count)s
    ) t
    ORDER BY t.created_at DESC, t.id DESC LIMIT %(count)s
"""
FOLLOWED_AND_SELF_SQL = """
    SELECT following_id AS user_id FROM user_follows WHERE follower_id = %(owner_id)s
    UNION ALL SELECT %(owner_id)s
"""
# One round trip: the timeline's state (no row: not built), the next materialised rows at or
# after the horizon, and the followed celebrities' tweets. A celebrity tweet older than the
# last materialised row of a full page cannot make the page, so `floor` bounds each pull.
HOME_KEYS_SQL = """
    WITH state AS (
        SELECT horizon_at, horizon_id FROM home_timelines WHERE owner_id = %(owner_id)s
    ),
    materialised AS (
        SELECT h.created_at, h.tweet_id FROM home_timeline h, state
        WHERE h.owner_id = %(owner_id)s {before_m}
          AND (state.horizon_at IS NULL
               OR (h.created_at, h.tweet_id) >= (state.horizon_at, state.horizon_id))
        ORDER BY h.created_at DESC, h.tweet_id DESC LIMIT %(count)s
    ),
    floor AS (
        SELECT CASE WHEN count(*) = %(count)s THEN min(created_at) END AS at FROM materialised
    ),
    celebrities AS (
        SELECT t.created_at, t.id FROM timeline_pulled_authors p
        -- One user_follows_pkey probe per pulled author (LIMIT keeps the planner from turning
        -- it into a join that reads every account the owner follows).
        CROSS JOIN LATERAL (
            SELECT 1 FROM user_follows f
            WHERE f.follower_id = %(owner_id)s AND f.following_id = p.user_id LIMIT 1
        ) followed
        CROSS JOIN LATERAL (
            SELECT created_at, id FROM tweets
            WHERE user_id = p.user_id {before_t}
              AND created_at >= COALESCE((SELECT at FROM floor), '-infinity')
            ORDER BY created_at DESC, id DESC LIMIT %(count)s
        ) t
    )
    SELECT 's', horizon_at, horizon_id FROM state
    UNION ALL SELECT 'm', created_at, tweet_id FROM materialised
    UNION ALL SELECT 'c', created_at, id FROM celebrities
"""


class _NotBuilt(Exception):
    """The viewer has no materialised home timeline yet."""


def _home_keys(*, owner_id: int, before: Key | None, count: int) -> list[Key]:
    """Return the keys of the next `count` home-timeline tweets older than `before`.

    Raise _NotBuilt when the owner has no timeline. One query, plus one pull when the
    materialised rows run out above the horizon.
    """
    params = {"owner_id": owner_id, "count": count}
    if before is not None:
        params.update(before_at=before[0], before_id=before[1])
    sql = HOME_KEYS_SQL.format(
        before_m=keyset_before_sql(before, "tweet_id", table="h."),
        before_t=keyset_before_sql(before, "id"),
    )
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    state = [(at, pk) for source, at, pk in rows if source == "s"]
    if not state:
        raise _NotBuilt
    keys = {(at, pk) for source, at, pk in rows if source != "s"}
    horizon = None if state[0][0] is None else state[0]
    if horizon is not None and sum(source == "m" for source, _, _ in rows) < count:
        # Materialised rows ran out: older tweets come from the followees' own timelines.
        pull_before = horizon if before is None else min(before, horizon)
        params.update(before_at=pull_before[0], before_id=pull_before[1])
        pull = PULL_SQL.format(
            authors=FOLLOWED_AND_SELF_SQL, before=keyset_before_sql(pull_before, "id")
        )
        with read_connection().cursor() as cursor:
            cursor.execute(pull, params)
            keys.update(cursor.fetchall())
    return sorted(keys, reverse=True)[:count]


def _pull_keys(*, owner_id: int, before: Key | None, count: int) -> list[Key]:
    """Return the keys of the next `count` tweets of the owner and every followee, pulled."""
    params = {"owner_id": owner_id, "count": count}
    if before is not None:
        params.update(before_at=before[0], before_id=before[1])
    pull = PULL_SQL.format(authors=FOLLOWED_AND_SELF_SQL, before=keyset_before_sql(before, "id"))
    with read_connection().cursor() as cursor:
        cursor.execute(pull, params)
        return cursor.fetchall()


def _keys_or_pull(*, owner_id: int, before: Key | None, count: int) -> tuple[list[Key], bool]:
    """Return the next keys and whether the timeline is built (else they were pulled)."""
    try:
        return _home_keys(owner_id=owner_id, before=before, count=count), True
    except _NotBuilt:
        return _pull_keys(owner_id=owner_id, before=before, count=count), False


def _rebuild_queue(*, owner_id: int) -> None:
    """Queue the rebuild of a timeline a read found missing; the read itself writes nothing."""
    # After commit: a GET has no transaction (then it is queued at once); a test's is
    # captured. Two reads before the job runs queue it twice; a rebuild is idempotent.
    transaction.on_commit(partial(tasks.timeline_rebuild.enqueue, owner_id))


def timeline_home_keys(*, owner_id: int, before: Key | None, count: int) -> list[Key]:
    """Return the keys of the next `count` home-timeline tweets older than `before`, newest first.

    Candidates only: deleted, hidden or no longer visible tweets are dropped by the reader's
    visibility rule. A timeline not built yet is answered by the pull over every followee (the
    same tweets the rebuilt timeline will give) and its rebuild is queued; nothing is written.
    """
    keys, built = _keys_or_pull(owner_id=owner_id, before=before, count=count)
    if not built:
        _rebuild_queue(owner_id=owner_id)
    return keys


def timeline_home(*, viewer: User, cursor: str | None = None, limit: int = 20) -> Page:
    """Return a page of the viewer's home timeline: own tweets and followed users', newest first.

    Candidates come from the materialised rows (and pulls), then pass the visibility rule and
    the viewer's mutes in one query; a page short after filtering fetches more candidates.
    Two queries per page in the common case, whatever the follow count. A timeline not built
    yet is read from the pull and its rebuild queued once per page (timeline_home_keys).
    """
    missing = False

    def keys_of(before: Key | None, count: int) -> list[Key]:
        nonlocal missing
        keys, built = _keys_or_pull(owner_id=viewer.pk, before=before, count=count)
        missing = missing or not built
        return keys

    # The viewer's mutes apply in the page query (unmuted), so pages stay full.
    page = tweets_page_from_keys(
        viewer=viewer, keys_of=keys_of, cursor=cursor, limit=limit, unmuted=True
    )
    if missing:
        _rebuild_queue(owner_id=viewer.pk)
    return page
