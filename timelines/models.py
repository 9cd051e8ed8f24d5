"""Home timelines: the materialised rows, their state and the authors pulled on read.

The horizon invariant (everything else in this app relies on it): for an owner with a
HomeTimeline row, every tweet by the owner or by a followed author who is not a PulledAuthor
whose key (created_at, id) is at or after the horizon has a HomeTimelineEntry row (rows of
deleted tweets may linger until swept). Older tweets are pulled from `tweets` on read, and a
PulledAuthor's tweets always are. A null horizon means the rows are complete. Writers
(timelines.services) only ever add rows at or above the horizon or raise it; the reader
(timelines.selectors) trusts the rows above it and pulls below it.

The tables keep their names (they were created by the tweets app; timelines/migrations/0001
took them over without touching them).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class HomeTimeline(models.Model):
    """The state of one user's materialised home timeline (fan-out on write).

    Every tweet of a followed, non-celebrity author (and of the owner) whose key
    (created_at, id) is at or after the horizon is in `home_timeline`; older pages are
    pulled from `tweets`. A null horizon means the materialised rows are complete.
    No row means the timeline is not built: fan-out skips the user and the first read
    queues its rebuild (timelines.selectors).
    """

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    horizon_at = models.DateTimeField(null=True, blank=True)
    horizon_id = models.BigIntegerField(null=True, blank=True)
    built_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "home_timelines"

    def __str__(self) -> str:
        return f"home timeline of {self.owner_id}"


class HomeTimelineEntry(models.Model):
    """One tweet in one user's home timeline.

    Lean on purpose (DESIGN "Timelines"): the primary key (owner_id, created_at, tweet_id) is
    the only index and is read backwards; no foreign keys, so fan-out inserts check nothing.
    Rows of deleted tweets are dropped at read time and swept by a job.
    """

    pk = models.CompositePrimaryKey("owner_id", "created_at", "tweet_id")
    owner_id = models.BigIntegerField()
    created_at = models.DateTimeField()
    tweet_id = models.BigIntegerField()
    # Lets unfollow and block take an author's rows out without touching `tweets`.
    author_id = models.BigIntegerField()

    class Meta:
        db_table = "home_timeline"

    def __str__(self) -> str:
        return f"{self.tweet_id} in {self.owner_id}'s timeline"


class PulledAuthor(models.Model):
    """An author whose tweets are pulled on read and never fanned out (a celebrity).

    Fan-out adds an author the first time it meets them over TIMELINE_CELEBRITY_THRESHOLD
    followers, and nothing removes them: a celebrity who later loses followers would otherwise
    leave tweets that were neither fanned out nor pulled. Rebuilds and backfills skip them.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )

    class Meta:
        db_table = "timeline_pulled_authors"

    def __str__(self) -> str:
        return f"{self.user_id} is pulled"
