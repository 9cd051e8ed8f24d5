"""Which notifications one grouped row shows together: the group key, in Python and in SQL.

The services write one row at a time (`group_key_for`); the seed writes millions set-wise
(`group_key_sql`). Both take their shape from `_shape`, and notifications/tests/test_seeding.py
holds every seeded key equal to `group_key_for` of its row, so the two cannot drift apart.
"""

from datetime import UTC, datetime

from .models import NotificationType

# Grouped per tweet per UTC day: "12 people liked your tweet" today, another row tomorrow.
PER_TWEET_PER_DAY = frozenset({NotificationType.LIKE, NotificationType.RETWEET})
# Grouped per UTC day: "12 people followed you".
PER_DAY = frozenset({NotificationType.FOLLOW})

_DAY_FORMAT = "%Y-%m-%d"
_DAY_SQL_FORMAT = "YYYY-MM-DD"


def _shape(type: str) -> str:
    """Return which parts make `type`'s key: "tweet-day", "day" or "tweet-actor"."""
    if type in PER_TWEET_PER_DAY:
        return "tweet-day"
    if type in PER_DAY:
        return "day"
    return "tweet-actor"


def group_key_for(type: str, tweet_id: int | None, actor_id: int, created_at: datetime) -> str:
    """Return the group key of a notification: rows with equal keys show as one grouped row.

    - like, retweet: `"{type}:{tweet_id}:{YYYY-MM-DD}"`, the UTC date of `created_at`;
    - follow: `"follow:{YYYY-MM-DD}"`;
    - every other type (reply, mention, quote, follow_request, follow_accepted):
      `"{type}:{tweet_id}:{actor_id}"`, a group of one; an empty tweet part for the types
      without a tweet (`"follow_request::42"`).

    `created_at` must be timezone-aware.
    """
    shape = _shape(type)
    if shape == "tweet-actor":
        return f"{type}:{'' if tweet_id is None else tweet_id}:{actor_id}"
    day = created_at.astimezone(UTC).strftime(_DAY_FORMAT)
    return f"{type}:{tweet_id}:{day}" if shape == "tweet-day" else f"{type}:{day}"


def group_key_sql(type: str, *, tweet: str, actor: str, created_at: str) -> str:
    """Return a SQL expression computing `group_key_for` over columns, for set-wise writes.

    `type` is a constant (one statement per type); `tweet`, `actor` and `created_at` are SQL
    expressions (column references) for a bigint, a bigint and a timestamptz.
    """
    if type not in NotificationType.values:
        raise ValueError(f"unknown notification type {type!r}")
    shape = _shape(type)
    if shape == "tweet-actor":
        return f"'{type}:' || coalesce({tweet}::text, '') || ':' || {actor}::text"
    day = f"to_char({created_at} AT TIME ZONE 'UTC', '{_DAY_SQL_FORMAT}')"
    if shape == "tweet-day":
        return f"'{type}:' || {tweet}::text || ':' || {day}"
    return f"'{type}:' || {day}"
