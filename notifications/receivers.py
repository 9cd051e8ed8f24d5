"""Make and undo notifications from the signals tweets and social send inside their writes.

A cause queues its job after the commit (a rolled-back write queues nothing, and the request
never waits for it). An undo deletes the row right here, inside the transaction that removed
the cause: simpler than a job, and the row can never outlive its cause (services' docstring
says why the job cannot write one back afterwards). A deleted tweet's rows go by cascade.
"""

from functools import partial

from django.db import transaction
from django.dispatch import receiver

from social.signals import (
    follow_created,
    follow_removed,
    follow_request_approved,
    follow_request_withdrawn,
    follow_requested,
)
from tweets.signals import like_created, like_removed, retweet_removed, tweet_posted

from . import services, tasks
from .models import NotificationType


@receiver(tweet_posted)
def notify_tweet(
    sender,
    *,
    tweet_id: int,
    reply_to_id: int | None,
    original_id: int | None,
    mention_ids: list[int],
    **kwargs,
) -> None:
    """After commit, notify the replied-to, quoted and mentioned accounts (or the retweeted).

    A tweet that replies to, quotes and mentions nobody has nobody to notify: its job would
    write nothing (services.notifications_for_tweet), so none is queued.
    """
    if reply_to_id is None and original_id is None and not mention_ids:
        return
    transaction.on_commit(partial(tasks.notify_tweet.enqueue, tweet_id))


@receiver(like_created)
def notify_like(sender, *, user_id: int, tweet_id: int, **kwargs) -> None:
    """After commit, tell the author about the like."""
    transaction.on_commit(partial(tasks.notify_like.enqueue, user_id, tweet_id))


@receiver(like_removed)
def unnotify_like(sender, *, user_id: int, tweet_id: int, **kwargs) -> None:
    """Delete the like's notification with the like."""
    services.notification_tweet_undo(
        type=NotificationType.LIKE, actor_id=user_id, tweet_id=tweet_id
    )


@receiver(retweet_removed)
def unnotify_retweet(sender, *, user_id: int, original_id: int, **kwargs) -> None:
    """Delete the retweet's notification with the retweet."""
    services.notification_tweet_undo(
        type=NotificationType.RETWEET, actor_id=user_id, tweet_id=original_id
    )


@receiver(follow_created)
def notify_follow(sender, *, follower_id: int, followee_id: int, **kwargs) -> None:
    """After commit, tell the followee."""
    transaction.on_commit(partial(tasks.notify_follow.enqueue, follower_id, followee_id))


@receiver(follow_removed)
def unnotify_follow(sender, *, follower_id: int, followee_id: int, **kwargs) -> None:
    """Delete the follow's notifications with the follow."""
    services.notifications_follow_undo(follower_id=follower_id, followee_id=followee_id)


@receiver(follow_requested)
def notify_follow_request(sender, *, requester_id: int, target_id: int, **kwargs) -> None:
    """After commit, tell the target about the request."""
    transaction.on_commit(partial(tasks.notify_follow_request.enqueue, requester_id, target_id))


@receiver(follow_request_withdrawn)
def unnotify_follow_request(sender, *, requester_id: int, target_id: int, **kwargs) -> None:
    """Delete the request's notification with the request."""
    services.notification_request_undo(requester_id=requester_id, target_id=target_id)


@receiver(follow_request_approved)
def notify_follow_accepted(sender, *, requester_id: int, target_id: int, **kwargs) -> None:
    """After commit, tell the requester; the owner's request row becomes a follow row."""
    transaction.on_commit(partial(tasks.notify_follow_accepted.enqueue, requester_id, target_id))
