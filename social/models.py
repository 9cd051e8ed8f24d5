"""The follow graph (stored twice, one table per question), follow requests, blocks, mutes.

`user_follows` answers "whom do I follow" and `user_followers` answers "who follows me";
services always write both in one transaction and `manage.py check_graph` proves they mirror.
Each table's primary key leads with the column its question filters on, so neither needs a
second index (see docs/schema.md), and under sharding each question stays on one shard.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length, Lower
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone


class UserFollows(models.Model):
    """One row per (follower, followed): read by "whom does X follow"."""

    pk = models.CompositePrimaryKey("follower_id", "following_id")
    # db_index=False: the primary key (follower_id, following_id) already leads with it.
    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # No index: "who follows X" is answered by user_followers, never by this table.
    following = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "user_follows"
        constraints = [
            models.CheckConstraint(
                condition=~Q(follower=F("following")), name="user_follows_no_self_follow"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.following_id}"


class UserFollowers(models.Model):
    """The mirror of UserFollows: one row per (user, follower), read by "who follows X"."""

    pk = models.CompositePrimaryKey("user_id", "follower_id")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "user_followers"
        constraints = [
            models.CheckConstraint(
                condition=~Q(user=F("follower")), name="user_followers_no_self_follow"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.user_id}"


class FollowRequest(models.Model):
    """A pending request to follow a protected or private account."""

    pk = models.CompositePrimaryKey("target_id", "requester_id")
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # Indexed: a requester's outgoing requests (cancel, "requested" button state).
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "follow_requests"
        indexes = [
            # Serves the owner's incoming-request list, newest first.
            models.Index(F("target"), F("created_at").desc(), name="idx_follow_requests_inbox"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(target=F("requester")), name="follow_requests_no_self_request"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requester_id} asks to follow {self.target_id}"


class Block(models.Model):
    """`blocker` blocked `blocked`: neither sees the other's tweets; only the blocker the card."""

    pk = models.CompositePrimaryKey("blocker_id", "blocked_id")
    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # Indexed: the visibility rule also asks "has anyone I look at blocked me".
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "blocks"
        indexes = [
            # Serves the blocker's list of blocked accounts, newest first (blocks_list).
            models.Index(F("blocker"), F("created_at").desc(), name="idx_blocks_blocker_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="blocks_no_self_block"),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class Mute(models.Model):
    """`muter` muted `muted`: its tweets leave the muter's lists. `muted` is never told."""

    pk = models.CompositePrimaryKey("muter_id", "muted_id")
    # db_index=False: the primary key (muter_id, muted_id) leads with it.
    muter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # Indexed for the cascade when an account is deleted; no read asks "who muted me".
    muted = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "mutes"
        indexes = [
            # Serves the muter's list of muted accounts, newest first.
            models.Index(F("muter"), F("created_at").desc(), name="idx_mutes_muter_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(muter=F("muted")), name="mutes_no_self_mute"),
        ]

    def __str__(self) -> str:
        return f"{self.muter_id} mutes {self.muted_id}"


MAX_MUTED_PHRASE_LENGTH = 100


class MutedWord(models.Model):
    """A word, phrase or #hashtag whose tweets leave `user`'s lists until `expires_at`.

    Matched case-insensitively as a whole word or phrase (social.selectors.muted_word_pattern).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    phrase = models.TextField()
    # The phrase as a PostgreSQL regular expression (muted_word_pattern), made on write.
    pattern = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)  # null: forever

    class Meta:
        db_table = "muted_words"
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("phrase"), MAX_MUTED_PHRASE_LENGTH)
                & Q(phrase__regex=r"\S"),
                name="muted_words_phrase_1_to_100",
            ),
            models.UniqueConstraint(
                F("user"), Lower("phrase"), name="uniq_muted_words_user_phrase"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} mutes {self.phrase!r}"


class SuggestionDismissal(models.Model):
    """`user` dismissed `dismissed` from who-to-follow: it is never suggested again."""

    pk = models.CompositePrimaryKey("user_id", "dismissed_id")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    dismissed = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "suggestion_dismissals"

    def __str__(self) -> str:
        return f"{self.user_id} dismissed suggestion {self.dismissed_id}"
