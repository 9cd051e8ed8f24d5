"""Writes for notifications: rows made by jobs after their cause commits, undone with it.

Every writer of a row first takes a KEY SHARE lock on the row of its cause (the like, the
follow, the request, the tweet) in the job's transaction. The undo (unlike, unfollow...)
deletes the cause, which waits for that lock, and then deletes the notification in the same
transaction, so the two cannot interleave into a row whose cause is gone: either the job
finds no cause and writes nothing, or the undo finds the row and deletes it. Inserts go
through uniq_notifications_cause with ON CONFLICT DO NOTHING, so a job that runs twice writes
nothing the second time.
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max, Q, Subquery
from django.utils import timezone

from accounts.models import User
from social.models import FollowRequest, UserFollows
from tweets.models import Like, Tweet

# group_key_for is the seed's too (notifications.seeding): one definition of a group.
from .grouping import group_key_for
from .models import MAX_NEW_ACCOUNT_DAYS, Notification, NotificationSettings, NotificationType
from .signals import notifications_created

T = NotificationType
TABLE = Notification._meta.db_table

DAYS_INVALID = f"Enter a number of days from 1 to {MAX_NEW_ACCOUNT_DAYS}, or nothing."
UP_TO_INVALID = "Not a notification id."
RETENTION_INVALID = "Keep notifications for at least one day."
BATCH_INVALID = "A batch is at least one row."


def _row(type: str, *, recipient_id: int, actor_id: int, tweet_id: int | None, at: datetime):
    return Notification(
        recipient_id=recipient_id,
        actor_id=actor_id,
        type=type,
        tweet_id=tweet_id,
        group_key=group_key_for(type, tweet_id, actor_id, at),
        created_at=at,
    )


def _insert(rows: list[Notification]) -> int:
    """Insert the rows not already there (ON CONFLICT DO NOTHING), never to self; count new."""
    rows = [row for row in rows if row.recipient_id != row.actor_id]
    if not rows:
        return 0
    columns = ("recipient_id", "actor_id", "type", "tweet_id", "group_key", "created_at")
    values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(rows))
    params = [getattr(row, column) for row in rows for column in columns]
    with connection.cursor() as cursor:
        # bulk_create(ignore_conflicts=True) cannot say which rows were new; RETURNING can.
        cursor.execute(
            f"INSERT INTO {Notification._meta.db_table} ({', '.join(columns)}) VALUES {values} "
            "ON CONFLICT DO NOTHING RETURNING recipient_id",
            params,
        )
        recipient_ids = [row[0] for row in cursor.fetchall()]
    if recipient_ids:
        notifications_created.send(sender=Notification, recipient_ids=recipient_ids)
    return len(recipient_ids)


def _locked_one(sql: str, params: list) -> tuple | None:
    """Run a SELECT ... FOR KEY SHARE of a cause; return its row or None if it is gone."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


@transaction.atomic
def notifications_for_tweet(*, tweet_id: int) -> int:
    """Notify about a new tweet: reply, quote, mentions, or the original's author of a retweet.

    Return how many rows were written. The replied-to author gets `reply` and the quoted
    author `quote`, not also `mention`; nobody is notified about their own tweet.
    """
    # The services' lock order (tweets/services.py): an original before the tweets hanging
    # off it. So read the tweet first without a lock to learn its original, lock that, then
    # the tweet itself (a deletion of the original locks it, then its retweets: same order).
    columns = "user_id, created_at, content, mentions, original_tweet_id, reply_to_tweet_id"
    table = Tweet._meta.db_table
    peek = _locked_one(f"SELECT original_tweet_id, content FROM {table} WHERE id = %s", [tweet_id])
    if peek is None:
        return 0
    original = None
    if peek[0] is not None and peek[1] == "":
        # A plain retweet: the notification is about the original, which must still exist.
        original = _locked_one(
            f"SELECT user_id FROM {table} WHERE id = %s FOR KEY SHARE", [peek[0]]
        )
        if original is None:
            return 0
    row = _locked_one(f"SELECT {columns} FROM {table} WHERE id = %s FOR KEY SHARE", [tweet_id])
    if row is None:
        return 0
    author_id, at, _content, mentions, original_id, reply_to_id = row
    if original is not None:
        return _insert(
            [
                _row(
                    T.RETWEET,
                    recipient_id=original[0],
                    actor_id=author_id,
                    tweet_id=original_id,
                    at=at,
                )
            ]
        )
    parents = dict(
        Tweet.objects.filter(pk__in=[pk for pk in (reply_to_id, original_id) if pk]).values_list(
            "pk", "user_id"
        )
    )
    rows = []
    notified = {author_id}
    for type, parent_id in ((T.REPLY, reply_to_id), (T.QUOTE, original_id)):
        recipient_id = parents.get(parent_id)
        if recipient_id is not None and recipient_id not in notified:
            rows.append(
                _row(type, recipient_id=recipient_id, actor_id=author_id, tweet_id=tweet_id, at=at)
            )
            notified.add(recipient_id)
    for recipient_id in mentions:
        if recipient_id not in notified:
            rows.append(
                _row(
                    T.MENTION,
                    recipient_id=recipient_id,
                    actor_id=author_id,
                    tweet_id=tweet_id,
                    at=at,
                )
            )
            notified.add(recipient_id)
    return _insert(rows)


@transaction.atomic
def notification_for_like(*, user_id: int, tweet_id: int) -> int:
    """Tell the author of `tweet_id` that `user_id` liked it, if the like still exists."""
    # The tweet before its like, as every write orders them (tweets/services.py): locking both
    # in one statement took them in the join's order and deadlocked with a deletion.
    author = _locked_one(
        f"SELECT user_id FROM {Tweet._meta.db_table} WHERE id = %s FOR KEY SHARE", [tweet_id]
    )
    like = author and _locked_one(
        f"SELECT created_at FROM {Like._meta.db_table} "
        "WHERE user_id = %s AND tweet_id = %s FOR KEY SHARE",
        [user_id, tweet_id],
    )
    if not like:
        return 0
    return _insert(
        [_row(T.LIKE, recipient_id=author[0], actor_id=user_id, tweet_id=tweet_id, at=like[0])]
    )


def _follow_locked(*, follower_id: int, followee_id: int) -> datetime | None:
    row = _locked_one(
        f"SELECT created_at FROM {UserFollows._meta.db_table} "
        "WHERE follower_id = %s AND following_id = %s FOR KEY SHARE",
        [follower_id, followee_id],
    )
    return None if row is None else row[0]


def _request_becomes_follow(*, follower_id: int, followee_id: int, at: datetime) -> int:
    """Make the followee's `follow_request` row a `follow` row (or write one); return rows."""
    request = Notification.objects.filter(
        recipient_id=followee_id, actor_id=follower_id, type=T.FOLLOW_REQUEST
    )
    following = Notification.objects.filter(
        recipient_id=followee_id, actor_id=follower_id, type=T.FOLLOW
    )
    row = request.first()
    if row is not None and not following.exists():
        # Kept in place (id and time): the request the owner saw is now the follow.
        return request.update(
            type=T.FOLLOW, group_key=group_key_for(T.FOLLOW, None, follower_id, row.created_at)
        )
    request.delete()
    return _insert(
        [_row(T.FOLLOW, recipient_id=followee_id, actor_id=follower_id, tweet_id=None, at=at)]
    )


@transaction.atomic
def notification_for_follow(*, follower_id: int, followee_id: int) -> int:
    """Tell `followee_id` that `follower_id` follows them, if the follow still exists."""
    at = _follow_locked(follower_id=follower_id, followee_id=followee_id)
    if at is None:
        return 0
    return _request_becomes_follow(follower_id=follower_id, followee_id=followee_id, at=at)


@transaction.atomic
def notification_for_follow_request(*, requester_id: int, target_id: int) -> int:
    """Tell `target_id` that `requester_id` asks to follow them, if the request is pending."""
    row = _locked_one(
        f"SELECT created_at FROM {FollowRequest._meta.db_table} "
        "WHERE target_id = %s AND requester_id = %s FOR KEY SHARE",
        [target_id, requester_id],
    )
    if row is None:
        return 0
    return _insert(
        [
            _row(
                T.FOLLOW_REQUEST,
                recipient_id=target_id,
                actor_id=requester_id,
                tweet_id=None,
                at=row[0],
            )
        ]
    )


@transaction.atomic
def notification_for_follow_accepted(*, requester_id: int, target_id: int) -> int:
    """Tell `requester_id` that `target_id` approved their request; the owner's row turns
    into a follow. Nothing if the follow is gone already."""
    at = _follow_locked(follower_id=requester_id, followee_id=target_id)
    if at is None:
        return 0
    written = _request_becomes_follow(follower_id=requester_id, followee_id=target_id, at=at)
    return written + _insert(
        [
            _row(
                T.FOLLOW_ACCEPTED,
                recipient_id=requester_id,
                actor_id=target_id,
                tweet_id=None,
                at=at,
            )
        ]
    )


# Undo: called by the receivers inside the transaction that removed the cause.


def notification_tweet_undo(*, type: str, actor_id: int, tweet_id: int) -> int:
    """Delete the `type` (like or retweet) row `actor_id` caused on `tweet_id`; return rows."""
    author = Subquery(Tweet.objects.filter(pk=tweet_id).values("user_id"))
    # The recipient from the tweet: the lookup is then uniq_notifications_cause's.
    deleted, _ = Notification.objects.filter(
        recipient_id=author, type=type, actor_id=actor_id, tweet_id=tweet_id
    ).delete()
    return deleted


def notifications_follow_undo(*, follower_id: int, followee_id: int) -> int:
    """Delete what a follow caused: the followee's follow (or request) and the acceptance."""
    deleted, _ = Notification.objects.filter(
        Q(
            recipient_id=followee_id,
            actor_id=follower_id,
            type__in=[T.FOLLOW, T.FOLLOW_REQUEST],
            tweet__isnull=True,
        )
        | Q(
            recipient_id=follower_id,
            actor_id=followee_id,
            type=T.FOLLOW_ACCEPTED,
            tweet__isnull=True,
        )
    ).delete()
    return deleted


def notification_request_undo(*, requester_id: int, target_id: int) -> int:
    """Delete the target's notification of a request that was withdrawn or rejected."""
    deleted, _ = Notification.objects.filter(
        recipient_id=target_id, actor_id=requester_id, type=T.FOLLOW_REQUEST, tweet__isnull=True
    ).delete()
    return deleted


# The user's own marker and policy.


@transaction.atomic
def notifications_mark_read(*, user: User, up_to_id: int | None = None) -> int:
    """Mark `user`'s notifications read up to `up_to_id` (None: all); return the marker.

    The marker never moves backwards. `up_to_id` must be one of the user's notifications.
    """
    if up_to_id is None:
        up_to = Notification.objects.filter(recipient_id=user.pk).aggregate(m=Max("id"))["m"]
        if up_to is None:
            return notification_settings_marker(user=user)
    else:
        if not Notification.objects.filter(recipient_id=user.pk, pk=up_to_id).exists():
            raise ValidationError({"up_to_id": [UP_TO_INVALID]})
        up_to = up_to_id
    # One upsert: the row appears with the marker, or the marker moves forward only.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {NotificationSettings._meta.db_table} "
            "(user_id, last_read_id, filter_not_following, updated_at) VALUES (%s, %s, false, %s) "
            "ON CONFLICT (user_id) DO UPDATE SET updated_at = EXCLUDED.updated_at, "
            f"last_read_id = GREATEST({NotificationSettings._meta.db_table}.last_read_id, "
            "EXCLUDED.last_read_id) RETURNING last_read_id",
            [user.pk, up_to, timezone.now()],
        )
        return cursor.fetchone()[0]


def notification_settings_marker(*, user: User) -> int:
    """Return `user`'s read marker (0: nothing read)."""
    marker = NotificationSettings.objects.filter(user_id=user.pk).values_list(
        "last_read_id", flat=True
    )
    return marker.first() or 0


_UNCHANGED = object()


@transaction.atomic
def notification_policy_update(
    *,
    user: User,
    filter_not_following: bool | None = None,
    filter_new_accounts_days=_UNCHANGED,
) -> NotificationSettings:
    """Change `user`'s notification policy; a value left out stays as it is.

    `filter_new_accounts_days` is 1..365, or None to drop that filter.
    """
    days = filter_new_accounts_days
    if (
        days is not _UNCHANGED
        and days is not None
        and (
            isinstance(days, bool)
            or not isinstance(days, int)
            or not 1 <= days <= MAX_NEW_ACCOUNT_DAYS
        )
    ):
        raise ValidationError({"filter_new_accounts_days": [DAYS_INVALID]})
    row, _ = NotificationSettings.objects.select_for_update().get_or_create(user_id=user.pk)
    if filter_not_following is not None:
        row.filter_not_following = bool(filter_not_following)
    if days is not _UNCHANGED:
        row.filter_new_accounts_days = days
    row.save()
    return row


def notifications_prune(*, days: int, batch: int = 5000) -> int:
    """Delete notifications older than `days` days in batches; return how many.

    Each batch is its own short transaction (rows picked through the BRIN index on
    created_at), so retention never holds locks on a large share of the table. Rows are
    deleted by (recipient_id, id), the partitioned table's primary key: no index leads
    with the id alone (docs/schema.md "Partitioned tables").
    """
    if days < 1:
        raise ValidationError({"days": [RETENTION_INVALID]})
    if batch < 1:
        raise ValidationError({"batch": [BATCH_INVALID]})
    cutoff = timezone.now() - timedelta(days=days)
    total = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            # Over 16 partitions the plan's estimated cost passes jit_above_cost, and
            # compiling it took 4 s against 0.08 s to run it (docs/scaling.md).
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(
                f"DELETE FROM {TABLE} n USING ("
                f"  SELECT recipient_id, id FROM {TABLE} WHERE created_at < %s LIMIT %s"
                ") old WHERE n.recipient_id = old.recipient_id AND n.id = old.id",
                [cutoff, batch],
            )
            deleted = cursor.rowcount
        total += deleted
        if deleted < batch:
            return total


# Dismissing (Mastodon's POST /api/v1/notifications/:id/dismiss and /clear).


def notification_dismiss(*, user: User, notification_id: int) -> bool:
    """Delete one of `user`'s notifications; return whether there was one."""
    deleted, _ = Notification.objects.filter(recipient_id=user.pk, pk=notification_id).delete()
    return bool(deleted)


def notifications_clear(*, user: User) -> int:
    """Delete all of `user`'s notifications (idx_notifications_recipient); return how many."""
    deleted, _ = Notification.objects.filter(recipient_id=user.pk).delete()
    return deleted
