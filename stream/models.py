"""Live events: one row per published event, the source of every event id and of replays.

A row carries ids only (DESIGN of issue 15, docs/architecture.md "Live updates"): what a
subscriber is shown is decided when the event is built for them, never when it was written.
"""

from django.db import models
from django.utils import timezone


class StreamEvent(models.Model):
    """One event: its id is the SSE id, monotonic in commit order (stream.services)."""

    class Kind(models.TextChoices):
        TWEET = "tweet"  # a new tweet for the home timelines of the author's followers
        NOTIFICATION = "notification"  # the recipient's unread count may have moved
        DELETE = "delete"  # a tweet was deleted or hidden
        COUNTS = "counts"  # a tweet's like, retweet or reply count moved

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # tweet, delete: the tweet's author; notification: the recipient; counts: none.
    user_id = models.BigIntegerField(null=True, blank=True)
    tweet_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # No foreign keys: an event outlives its tweet (delete events) and inserts check
        # nothing. The primary key is the only index: replays walk `id > Last-Event-ID`, and
        # the table is kept to STREAM_EVENTS_KEEP rows by stream.services.events_publish.
        db_table = "stream_events"

    def __str__(self) -> str:
        return f"{self.kind} #{self.id}"
