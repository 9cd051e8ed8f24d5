from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone

from .visibility import PLAIN_RETWEET, tweet_visible_q

MAX_CONTENT_LENGTH = 280
MAX_MEDIA_URLS = 4


class TweetQuerySet(models.QuerySet):
    def visible_to(self, viewer) -> "TweetQuerySet":
        """Keep the tweets `viewer` may see: the one visibility rule (tweets.visibility)."""
        return self.filter(tweet_visible_q(viewer=viewer))


class Tweet(models.Model):
    """A tweet, a reply (reply_to set), a plain retweet (original set, no text) or a quote."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="tweets",
        db_index=False,  # idx_tweets_user_created leads with user_id
    )
    content = models.TextField(blank=True, default="")
    reply_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replies",
        db_column="reply_to_tweet_id",
        db_index=False,  # idx_tweets_reply_to is the partial index for it
    )
    # SET_NULL keeps quotes of a deleted tweet; services delete its plain retweets first.
    original_tweet = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="retweets",
        db_index=False,  # idx_tweets_original is the partial index for it
    )
    media_urls = ArrayField(models.TextField(), default=list, blank=True)
    # Lower-cased, without '#', extracted from content on write.
    hashtags = ArrayField(models.TextField(), default=list, blank=True)
    # Ids of the existing users @mentioned in content, resolved on write.
    mentions = ArrayField(models.BigIntegerField(), default=list, blank=True)
    like_count = models.IntegerField(default=0)
    retweet_count = models.IntegerField(default=0)
    reply_count = models.IntegerField(default=0)
    # Hidden by a moderator: visible only to staff and the author.
    is_hidden = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    # The uploaded images it shows (media.models.Upload.as_media: id, type, storage names,
    # width, height, alt text, blurhash), copied when posted: a posted image never changes,
    # so every card reads them from the row it already has, with no join.
    media = models.JSONField(default=list, blank=True)
    # Its images are blurred behind a click.
    sensitive = models.BooleanField(default=False)

    objects = TweetQuerySet.as_manager()

    class Meta:
        db_table = "tweets"
        indexes = [
            # Serves a user's timeline and the home-timeline pull: newest tweets of one author,
            # in page order (id breaks ties: no sort). Everything both read is in the index, so
            # both are index-only: the pull reads (created_at, id), 8x faster at 5,000 follows;
            # a profile without replies filters on reply_to_tweet_id without visiting the heap
            # (docs/performance.md "A user's tweets from the index alone").
            models.Index(
                fields=["user", "-created_at", "-id"],
                include=["reply_to"],
                name="idx_tweets_user_created",
            ),
            # Serves explore (newest visible tweets) and the trending window, newest first.
            models.Index(F("created_at").desc(), F("id").desc(), name="idx_tweets_created"),
            # Serves the moderation admin's "hidden" filter: the few hidden tweets, newest first
            # (otherwise a walk of idx_tweets_created through every row for a handful).
            models.Index(
                F("created_at").desc(),
                F("id").desc(),
                condition=Q(is_hidden=True),
                name="idx_tweets_hidden",
            ),
            # Serves hashtag pages: hashtags @> ARRAY['tag'].
            GinIndex(fields=["hashtags"], name="idx_tweets_hashtags"),
            # Serves mentions of a user: mentions @> ARRAY[user_id].
            GinIndex(fields=["mentions"], name="idx_tweets_mentions"),
            # Serves tweet search: to_tsvector('english', content) @@ websearch_to_tsquery(...).
            # The query must repeat this expression exactly (search.selectors.CONTENT_VECTOR).
            GinIndex(SearchVector("content", config="english"), name="idx_tweets_content_fts"),
            # Serves a tweet's replies and thread context; most tweets are not replies.
            models.Index(
                fields=["reply_to"],
                condition=Q(reply_to__isnull=False),
                name="idx_tweets_reply_to",
            ),
            # Serves deleting a tweet's retweets and quotes (most tweets are neither), and "did
            # the viewer retweet it" in one probe when the statement is prepared: a generic plan
            # cannot use uniq_tweets_plain_retweet, whose condition compares content with the
            # bound '', and without user_id here it walked every retweet of the tweet.
            models.Index(
                fields=["original_tweet", "user"],
                condition=Q(original_tweet__isnull=False),
                name="idx_tweets_original",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("content"), MAX_CONTENT_LENGTH),
                name="tweets_content_max_280",
            ),
            # Text is required, except for a plain retweet which has none.
            models.CheckConstraint(
                condition=Q(content__regex=r"\S") | PLAIN_RETWEET,
                name="tweets_content_not_blank",
            ),
            models.CheckConstraint(
                condition=Q(like_count__gte=0) & Q(retweet_count__gte=0) & Q(reply_count__gte=0),
                name="tweets_counters_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(media_urls__len__lte=MAX_MEDIA_URLS),
                name="tweets_media_urls_max_4",
            ),
            # One plain retweet per (user, original); quotes are not limited.
            models.UniqueConstraint(
                fields=["user", "original_tweet"],
                condition=PLAIN_RETWEET,
                name="uniq_tweets_plain_retweet",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pk}: {self.content[:40]}"

    def get_absolute_url(self) -> str:
        return reverse("tweet_detail", kwargs={"username": self.user.username, "pk": self.pk})

    @property
    def is_plain_retweet(self) -> bool:
        return self.original_tweet_id is not None and self.content == ""

    @property
    def is_quote(self) -> bool:
        return self.original_tweet_id is not None and self.content != ""


def tweet_fields() -> list[models.Field]:
    """Return the fields that are `tweets` columns, in model order, for raw INSERTs and COPY.

    The one list the raw writes (retweet_create, seed_social) take their columns from, so a
    new column cannot be left out of one of them.
    """
    return [field for field in Tweet._meta.get_fields() if field.concrete]


def tweet_columns() -> list[str]:
    """Return the `tweets` column names in model order (see tweet_fields)."""
    return [field.column for field in tweet_fields()]


class Like(models.Model):
    """One like per (user, tweet)."""

    pk = models.CompositePrimaryKey("user_id", "tweet_id")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    tweet = models.ForeignKey(Tweet, on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "likes"
        indexes = [
            # Serves a user's likes tab, newest like first.
            models.Index(F("user"), F("created_at").desc(), name="idx_likes_user_created"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} likes {self.tweet_id}"


class Bookmark(models.Model):
    """`user` saved `tweet`. Private: only `user` ever sees a bookmark or how many there are."""

    pk = models.CompositePrimaryKey("user_id", "tweet_id")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # Indexed for the cascade when a tweet is deleted.
    tweet = models.ForeignKey(Tweet, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "bookmarks"
        indexes = [
            # Serves the owner's bookmarks list, newest bookmark first.
            models.Index(F("user"), F("created_at").desc(), name="idx_bookmarks_user_created"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} bookmarked {self.tweet_id}"


class Report(models.Model):
    """A person's report of a tweet, waiting for (or handled by) a moderator."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"
        DISMISSED = "dismissed", "Dismissed"

    tweet = models.ForeignKey(Tweet, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "reports"
        indexes = [
            # Serves the moderators' queue: open reports, newest first.
            models.Index(
                F("created_at").desc(),
                condition=Q(status="open"),
                name="idx_reports_open_queue",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "resolved", "dismissed"]),
                name="reports_status_valid",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("reason"), 500) & Q(reason__regex=r"\S"),
                name="reports_reason_1_to_500",
            ),
            # Reporting the same tweet twice while the first report is open adds nothing.
            models.UniqueConstraint(
                fields=["reporter", "tweet"],
                condition=Q(status="open"),
                name="uniq_reports_open_per_reporter",
            ),
        ]

    def __str__(self) -> str:
        return f"report {self.pk} on tweet {self.tweet_id} ({self.status})"
