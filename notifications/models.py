"""Notifications: who did what to whom, one row per cause, judged by the rule when read.

A row is written by a job after the commit of its cause (never in the request) and deleted
when the cause is undone; `uniq_notifications_cause` makes writing it twice a no-op. Rows store
keys only: whether the recipient may see the actor and the tweet (blocks, mutes, privacy,
suspension, hidden tweets, the recipient's policy) is decided at read time.
"""

from django.conf import settings
from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from tweets.models import Tweet


class NotificationType(models.TextChoices):
    MENTION = "mention", "Mention"
    REPLY = "reply", "Reply"
    QUOTE = "quote", "Quote"
    LIKE = "like", "Like"
    RETWEET = "retweet", "Retweet"
    FOLLOW = "follow", "Follow"
    FOLLOW_REQUEST = "follow_request", "Follow request"
    FOLLOW_ACCEPTED = "follow_accepted", "Follow accepted"


class Notification(models.Model):
    """`actor` did `type` to `recipient`, about `tweet` where there is one.

    `tweet` is the tweet the notification is about: the reply, mention or quote itself, or
    the recipient's tweet that was liked or retweeted; null for the follow types.
    `group_key` says which notifications one grouped row shows together (one per type and
    tweet per day, follows per day: notifications.services.group_key_for).
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # Indexed for the cascade when an account is deleted.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=20, choices=NotificationType.choices)
    tweet = models.ForeignKey(
        Tweet, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    group_key = models.CharField(max_length=80)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "notifications"
        indexes = [
            # Serves the recipient's notifications newest first and the unread count (id > marker).
            models.Index(F("recipient"), F("id").desc(), name="idx_notifications_recipient"),
            # Serves a group's members: the count and the newest actors of one grouped row.
            models.Index(
                F("recipient"), F("group_key"), F("id").desc(), name="idx_notifications_group"
            ),
            # Serves the cascade when a tweet is deleted; the follow types have no tweet.
            models.Index(
                fields=["tweet"], condition=Q(tweet__isnull=False), name="idx_notifications_tweet"
            ),
            # Serves retention (prune_notifications): rows arrive in time order, BRIN is tiny.
            BrinIndex(fields=["created_at"], name="brin_notifications_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(type__in=NotificationType.values), name="notifications_type_valid"
            ),
            models.CheckConstraint(
                condition=~Q(recipient=F("actor")), name="notifications_not_to_self"
            ),
            # One notification per cause: a job that runs twice writes nothing the second time.
            models.UniqueConstraint(
                fields=["recipient", "type", "actor", "tweet"],
                nulls_distinct=False,
                name="uniq_notifications_cause",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} from {self.actor_id} to {self.recipient_id}"


MAX_NEW_ACCOUNT_DAYS = 365


class NotificationSettings(models.Model):
    """A user's read marker and notification policy; no row means "nothing read, no filter".

    Written only by the user's own actions (opening the page, the API, the settings form),
    never by a read, so every GET can run on a replica.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    # Notifications with an id above this one are unread.
    last_read_id = models.BigIntegerField(default=0)
    # Policy: drop notifications from accounts the user does not follow...
    filter_not_following = models.BooleanField(default=False)
    # ...and/or from accounts younger than this many days (null: no filter). Mentions from
    # accounts the user follows always pass.
    filter_new_accounts_days = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "notification_settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(filter_new_accounts_days__isnull=True)
                | Q(
                    filter_new_accounts_days__gte=1,
                    filter_new_accounts_days__lte=MAX_NEW_ACCOUNT_DAYS,
                ),
                name="notification_settings_days_1_to_365",
            ),
        ]

    def __str__(self) -> str:
        return f"notification settings of {self.user_id}"
