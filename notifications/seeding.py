"""The seed's notifications: derived set-wise from the rows `seed_social` has just loaded.

`tweets.seeding` may not import this app, so the command passes `seed_extension()` in and
the seed calls it after the COPYs (in a session of its own once the load has committed,
beside the index rebuilds), with the notifications' secondary indexes, unique constraint
and primary key dropped: recreated afterwards, they check every row at once.

One row per cause, as the notification jobs would have written them:

- like: to the liked tweet's author, about that tweet, at the like's time;
- retweet: to the original's author, about the original, at the retweet's time;
- reply: to the replied-to tweet's author, about the reply;
- quote: to the quoted tweet's author, about the quote;
- mention: to each account in a tweet's `mentions`, about that tweet, except the one the
  tweet already notifies as its reply or quote (a reply opens with @author: one row, "reply");
- follow: to the followed account (null tweet), at the edge's time;
- follow_request: to the target of each pending request.

Never to the actor itself. Ids are assigned in (created_at, recipient, type, actor, tweet)
order from the table's current maximum, so ids grow with time as the jobs' rows would, and a
seed gives the same ids every time on an empty table.
"""

from django.db import connection

from tweets.models import Tweet
from tweets.seeding import SeedExtension

from .grouping import group_key_sql
from .models import Notification, NotificationType

TABLE = Notification._meta.db_table
# Column names from the model: the SQL below fails loudly if one is renamed.
REPLY_TO = Tweet._meta.get_field("reply_to").column
ORIGINAL = Tweet._meta.get_field("original_tweet").column
# The window sort over every row: in memory at small sizes, spilled in big runs otherwise.
SORT_MEMORY = "1GB"


# The kinds of cause the seed writes, each one branch of _causes_sql.
SEEDED_TYPES = (
    NotificationType.LIKE,
    NotificationType.RETWEET,
    NotificationType.REPLY,
    NotificationType.QUOTE,
    NotificationType.MENTION,
    NotificationType.FOLLOW,
    NotificationType.FOLLOW_REQUEST,
)


def _branch(type: str, *, recipient: str, actor: str, tweet: str, created_at: str, rest: str):
    return (
        f"SELECT {recipient} AS recipient_id, {actor} AS actor_id, '{type}' AS type, "
        f"{tweet} AS tweet_id, {created_at} AS created_at {rest}"
    )


def _group_key_sql() -> str:
    """Return the group key of a cause row (columns type, tweet_id, actor_id, created_at):
    computed after the sort that numbers the rows, so the sort does not carry it."""
    cases = " ".join(
        f"WHEN '{type}' THEN "
        + group_key_sql(type, tweet="tweet_id", actor="actor_id", created_at="created_at")
        for type in SEEDED_TYPES
    )
    return f"CASE type {cases} END"


def _causes_sql() -> str:
    """Return one SELECT (UNION ALL) of every notification the loaded rows cause.

    The tweets that answer, repeat, quote or mention someone are joined to the authors they
    point at once (`linked`), and the reply, retweet, quote and mention rows all read that:
    two joins of the tweets with themselves rather than one per kind.
    """
    kind = NotificationType
    branches = [
        _branch(
            kind.LIKE,
            recipient="t.user_id",
            actor="l.user_id",
            tweet="l.tweet_id",
            created_at="l.created_at",
            rest="FROM likes l JOIN tweets t ON t.id = l.tweet_id WHERE l.user_id <> t.user_id",
        ),
        _branch(
            kind.RETWEET,
            recipient="k.original_author",
            actor="k.user_id",
            tweet="k.original_id",
            created_at="k.created_at",
            rest="FROM linked k WHERE k.plain AND k.user_id <> k.original_author",
        ),
        _branch(
            kind.REPLY,
            recipient="k.replied_author",
            actor="k.user_id",
            tweet="k.id",
            created_at="k.created_at",
            rest="FROM linked k WHERE k.user_id <> k.replied_author",
        ),
        _branch(
            kind.QUOTE,
            recipient="k.original_author",
            actor="k.user_id",
            tweet="k.id",
            created_at="k.created_at",
            rest="FROM linked k WHERE NOT k.plain AND k.user_id <> k.original_author",
        ),
        _branch(
            kind.MENTION,
            recipient="m.user_id",
            actor="k.user_id",
            tweet="k.id",
            created_at="k.created_at",
            # A retweet's original author is not "quoted": only a quote's is left out.
            rest="FROM linked k CROSS JOIN LATERAL unnest(k.mentions) AS m(user_id) "
            "WHERE m.user_id <> k.user_id AND m.user_id IS DISTINCT FROM k.replied_author "
            "AND (k.plain OR m.user_id IS DISTINCT FROM k.original_author)",
        ),
        _branch(
            kind.FOLLOW,
            recipient="f.following_id",
            actor="f.follower_id",
            tweet="NULL::bigint",
            created_at="f.created_at",
            rest="FROM user_follows f WHERE f.follower_id <> f.following_id",
        ),
        _branch(
            kind.FOLLOW_REQUEST,
            recipient="q.target_id",
            actor="q.requester_id",
            tweet="NULL::bigint",
            created_at="q.created_at",
            rest="FROM follow_requests q WHERE q.requester_id <> q.target_id",
        ),
    ]
    linked = (
        "WITH linked AS MATERIALIZED ("
        "SELECT t.id, t.user_id, t.created_at, t.content = '' AS plain, t.mentions, "
        "p.user_id AS replied_author, o.id AS original_id, o.user_id AS original_author "
        f"FROM tweets t LEFT JOIN tweets p ON p.id = t.{REPLY_TO} "
        f"LEFT JOIN tweets o ON o.id = t.{ORIGINAL} "
        f"WHERE t.{REPLY_TO} IS NOT NULL OR t.{ORIGINAL} IS NOT NULL "
        "OR cardinality(t.mentions) > 0)\n"
    )
    return linked + "\nUNION ALL\n".join(branches)


def notifications_seed() -> int:
    """Write the notifications of every like, retweet, reply, quote, mention, follow and
    pending follow request in the database; return how many rows it wrote.

    For the seed's transaction (tables just loaded, nothing notified yet): a cause that
    already has its row fails the unique constraint rather than being skipped.
    """
    columns = "id, recipient_id, actor_id, type, tweet_id, group_key, created_at"
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{SORT_MEMORY}'")
        # One statement whose plan costs far above the JIT threshold: compiling it (inlined,
        # optimised) costs more than it saves on row-at-a-time sorting and inserting.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {TABLE}")
        base = cursor.fetchone()[0]
        cursor.execute(
            f"""
            INSERT INTO {TABLE} ({columns})
            SELECT %s + row_number() OVER (
                       ORDER BY created_at, recipient_id, type, actor_id, tweet_id NULLS FIRST
                   ),
                   recipient_id, actor_id, type, tweet_id, {_group_key_sql()}, created_at
            FROM ({_causes_sql()}) causes
            """,
            [base],
        )
        written = cursor.rowcount
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'), %s, %s)",
            [max(base + written, 1), base + written > 0],
        )
    return written


def seed_extension() -> SeedExtension:
    """Return the hook `tweets.seeding.seed_social` runs to fill the notifications table."""
    return SeedExtension(table=TABLE, fill=notifications_seed)
