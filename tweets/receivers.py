"""Keep home timelines in step with the follow graph (signals from social.services)."""

from functools import partial

from django.db import transaction
from django.dispatch import receiver

from social.signals import follow_created, follow_removed

from . import tasks


@receiver(follow_created)
def backfill_timeline(sender, *, follower_id: int, followee_id: int, **kwargs) -> None:
    """After commit, copy the new followee's recent tweets into the follower's timeline."""
    transaction.on_commit(partial(tasks.timeline_backfill.enqueue, follower_id, followee_id))


@receiver(follow_removed)
def prune_timeline(sender, *, follower_id: int, followee_id: int, **kwargs) -> None:
    """After commit, take the former followee's tweets out of the follower's timeline."""
    transaction.on_commit(partial(tasks.timeline_remove_author.enqueue, follower_id, followee_id))
