"""Publish live events from the signals of the apps below (ids only; stream.services).

A new tweet is published by the fan-out job, in its transaction, once per tweet (not per
follower). The others are published right after their cause commits, in a short
transaction of their own: the order lock (stream.services) must be the last thing a
transaction takes, and a notification job or a request may still write after sending.
"""

from django.dispatch import receiver

from notifications.signals import notifications_created
from timelines.signals import tweet_fanned_out
from tweets.signals import (
    like_created,
    like_removed,
    retweet_removed,
    tweet_hidden,
    tweet_posted,
    tweets_deleted,
)

from . import services
from .models import StreamEvent
from .selectors import tweet_author

K = StreamEvent.Kind


@receiver(tweet_fanned_out)
def publish_tweet(sender, *, tweet_id: int, **kwargs) -> None:
    """Announce a fanned-out tweet to the author's connected followers, in the same commit."""
    author_id = tweet_author(tweet_id=tweet_id)
    if author_id is not None:
        services.events_publish(events=[(K.TWEET, author_id, tweet_id)])


@receiver(notifications_created)
def publish_notifications(sender, *, recipient_ids: list[int], **kwargs) -> None:
    """After commit, tell each recipient's streams that their unread count may have moved."""
    events = [(K.NOTIFICATION, pk, None) for pk in sorted(set(recipient_ids))]
    services.events_publish_on_commit(events=events)


@receiver(tweets_deleted)
def publish_deletes(sender, *, rows, **kwargs) -> None:
    """After commit, tell the streams that may show them that these tweets are gone."""
    events = [(K.DELETE, author_id, pk) for pk, author_id, _ in rows]
    services.events_publish_on_commit(events=events)


@receiver(tweet_hidden)
def publish_hidden(sender, *, tweet_id: int, author_id: int, **kwargs) -> None:
    """After commit, a hidden tweet leaves the pages that show it, as a deleted one does."""
    services.events_publish_on_commit(events=[(K.DELETE, author_id, tweet_id)])


@receiver(like_created)
@receiver(like_removed)
def publish_like_counts(sender, *, tweet_id: int, **kwargs) -> None:
    """After commit, the liked tweet's counts moved."""
    services.events_publish_on_commit(events=[(K.COUNTS, None, tweet_id)])


@receiver(retweet_removed)
def publish_unretweet_counts(sender, *, original_id: int, **kwargs) -> None:
    """After commit, the original's retweet count moved."""
    services.events_publish_on_commit(events=[(K.COUNTS, None, original_id)])


@receiver(tweet_posted)
def publish_parent_counts(
    sender, *, reply_to_id: int | None, original_id: int | None, **kwargs
) -> None:
    """After commit, the replied-to, quoted or retweeted tweet's counts moved (if any)."""
    parents = sorted({pk for pk in (reply_to_id, original_id) if pk is not None})
    if parents:
        services.events_publish_on_commit(events=[(K.COUNTS, None, pk) for pk in parents])
