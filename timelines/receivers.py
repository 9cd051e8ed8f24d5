"""Keep home timelines in step with tweets and the follow graph (signals sent by those apps).

Each receiver runs inside the sender's transaction and queues its job after the commit, so a
job never sees uncommitted rows and a rolled-back write queues nothing.
"""

from datetime import datetime
from functools import partial

from django.db import transaction
from django.dispatch import receiver

from social.signals import follow_created, follow_removed
from tweets.signals import tweet_posted, tweets_deleted

from . import tasks


@receiver(tweet_posted)
def fan_out_tweet(sender, *, tweet_id: int, **kwargs) -> None:
    """After commit, insert the new tweet into its author's and followers' timelines."""
    transaction.on_commit(partial(tasks.timeline_fan_out.enqueue, tweet_id))


@receiver(tweets_deleted)
def sweep_tweets(sender, *, rows: list[tuple[int, int, datetime]], **kwargs) -> None:
    """After commit, delete the timeline rows of the deleted tweets."""
    if rows:
        payload = [[pk, author_id, created_at.isoformat()] for pk, author_id, created_at in rows]
        transaction.on_commit(partial(tasks.timeline_sweep.enqueue, payload))


@receiver(follow_created)
def backfill_timeline(sender, *, follower_id: int, followee_id: int, **kwargs) -> None:
    """After commit, copy the new followee's recent tweets into the follower's timeline."""
    transaction.on_commit(partial(tasks.timeline_backfill.enqueue, follower_id, followee_id))


@receiver(follow_removed)
def prune_timeline(sender, *, follower_id: int, followee_id: int, **kwargs) -> None:
    """After commit, take the former followee's tweets out of the follower's timeline."""
    transaction.on_commit(partial(tasks.timeline_remove_author.enqueue, follower_id, followee_id))
