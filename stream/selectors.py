"""Reads for live events: who may get an event, what they are shown, and replays.

Every event is built per subscriber through the one visibility rule: a new tweet through
tweets.cards.tweets_by_ids(unmuted=True) (the home timeline's own statement: visibility,
blocks, mutes, muted words), counts through tweets_by_ids, the unread count through
notifications.selectors.notifications_unread_count. A row of stream_events only says which
ids moved; nothing is decided when it was published.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from accounts.models import User
from notifications.selectors import notifications_unread_count
from social.models import UserFollowers
from tweets.cards import tweet_viewers
from tweets.models import Tweet

from .models import StreamEvent

K = StreamEvent.Kind
# A client subscribes to the counts of at most this many tweets (a page shows 20 to 100).
MAX_SUBSCRIBED_TWEETS = 200


@dataclass(frozen=True)
class RawEvent:
    """An event as published: ids only."""

    id: int
    kind: str
    user_id: int | None
    tweet_id: int | None


class Reload(Exception):
    """The client missed more than can be replayed: it must reload."""


def tweet_author(*, tweet_id: int) -> int | None:
    """Return the author of `tweet_id`, None if it is gone."""
    return Tweet.objects.filter(pk=tweet_id).values_list("user_id", flat=True).first()


def followers_among(*, author_id: int, user_ids: list[int]) -> list[int]:
    """Return which of `user_ids` follow `author_id` (the connected ones, on user_followers)."""
    if not user_ids:
        return []
    return list(
        UserFollowers.objects.filter(user_id=author_id, follower_id__in=user_ids).values_list(
            "follower_id", flat=True
        )
    )


def latest_event_id() -> int:
    """Return the newest event id (0 when there is none)."""
    last = StreamEvent.objects.order_by("-id").values_list("id", flat=True).first()
    return last or 0


def outside_window(*, after: int, newest: int) -> bool:
    """Whether events after `after` may have been pruned.

    Pruning (stream.services.events_publish) deletes only ids at or below the newest minus
    STREAM_EVENTS_KEEP, so everything after an id within that window is still there. (Ids
    also skip where an insert rolled back, so a gap alone proves nothing.)
    """
    return after < newest - settings.STREAM_EVENTS_KEEP


def events_after(*, after: int, limit: int) -> list[RawEvent]:
    """Return up to `limit` events newer than `after`, oldest first (a listener's catch-up)."""
    rows = StreamEvent.objects.filter(id__gt=after).order_by("id")[:limit]
    return [RawEvent(e.id, e.kind, e.user_id, e.tweet_id) for e in rows]


def events_replay(
    *, viewer: User, after: int, tweet_ids: frozenset[int], bound: int
) -> list[RawEvent]:
    """Return the events after `after` that may concern `viewer`, oldest first.

    Raise Reload when more than `bound` of them are waiting, when events after `after` may
    have been pruned (outside_window) or when `after` is from the future.
    """
    table = StreamEvent._meta.db_table
    newest = latest_event_id()
    if after > newest or outside_window(after=after, newest=newest):
        raise Reload
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT id, kind, user_id, tweet_id FROM {table} e
            WHERE id > %(after)s AND (
                (kind = 'notification' AND user_id = %(viewer)s)
                OR (kind IN ('tweet', 'delete') AND (
                    user_id = %(viewer)s
                    OR EXISTS (SELECT 1 FROM user_follows f
                               WHERE f.follower_id = %(viewer)s AND f.following_id = e.user_id)))
                OR (kind IN ('counts', 'delete') AND tweet_id = ANY(%(tweets)s))
            )
            ORDER BY id LIMIT %(limit)s
            """,
            {"after": after, "viewer": viewer.pk, "tweets": sorted(tweet_ids), "limit": bound + 1},
        )
        rows = cursor.fetchall()
    if len(rows) > bound:
        raise Reload
    return [RawEvent(*row) for row in rows]


def events_build(*, event: RawEvent, viewers: list[User]) -> dict[int, dict | None]:
    """Return what each of `viewers` is shown for `event`, by viewer id (None: nothing).

    The caller has already routed the event (tweet and delete: the author or a follower;
    notification: the recipient; counts: a page that subscribed to the tweet). A tweet and
    its counts are checked for all viewers in one statement per kind of viewer
    (tweets.cards.tweet_viewers, the rule of tweets_by_ids; with mutes for a new tweet, as
    the home timeline applies them).
    """
    shown: dict[int, dict | None] = dict.fromkeys(viewer.pk for viewer in viewers)
    if event.kind in (K.TWEET, K.COUNTS):
        unmuted = event.kind == K.TWEET
        allowed = tweet_viewers(tweet_id=event.tweet_id, viewers=viewers, unmuted=unmuted)
        row = (
            Tweet.objects.filter(pk=event.tweet_id)
            .values_list("user__username", "like_count", "retweet_count", "reply_count")
            .first()
        )
        if not allowed or row is None:
            return shown
        username, likes, retweets, replies = row
        if event.kind == K.TWEET:
            data = {"tweet_id": event.tweet_id, "author": username}
        else:
            data = {
                "tweet_id": event.tweet_id,
                "like_count": likes,
                "retweet_count": retweets,
                "reply_count": replies,
            }
        shown.update(dict.fromkeys(allowed, data))
    elif event.kind == K.NOTIFICATION:
        for viewer in viewers:
            shown[viewer.pk] = {"unread_count": notifications_unread_count(viewer=viewer)}
    elif event.kind == K.DELETE:
        # The tweet is gone or hidden: nothing to check it against, and only its id leaves.
        shown.update({pk: {"tweet_id": event.tweet_id} for pk in shown})
    return shown


def event_build(*, viewer: User, event: RawEvent) -> dict | None:
    """Return what `viewer` is shown for `event` (a replay), or None."""
    return events_build(event=event, viewers=[viewer])[viewer.pk]
