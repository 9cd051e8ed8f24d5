from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class AuditLogEntry(models.Model):
    """One moderator action: who did what to which user, tweet or report, when, and why.

    Rows are written by moderation.services in the same transaction as the action and are
    never changed. The tweet is kept as a bare id (no foreign key) so the row outlives a
    deleted tweet; `target_repr` keeps what the target looked like at the time.
    """

    class Action(models.TextChoices):
        USER_VERIFY = "user_verify", "Verify user"
        USER_UNVERIFY = "user_unverify", "Unverify user"
        USER_SUSPEND = "user_suspend", "Suspend user"
        USER_UNSUSPEND = "user_unsuspend", "Unsuspend user"
        USER_ROLES = "user_roles", "Change staff roles"
        TWEET_HIDE = "tweet_hide", "Hide tweet"
        TWEET_UNHIDE = "tweet_unhide", "Unhide tweet"
        TWEET_DELETE = "tweet_delete", "Delete tweet"
        REPORT_RESOLVE = "report_resolve", "Resolve report and hide tweet"
        REPORT_SUSPEND_AUTHOR = "report_suspend_author", "Resolve report and suspend author"
        REPORT_DISMISS = "report_dismiss", "Dismiss report"

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=32, choices=Action.choices)
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # idx_audit_target_user
    )
    target_tweet_id = models.BigIntegerField(null=True, blank=True)
    report = models.ForeignKey(
        "tweets.Report", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    target_repr = models.CharField(max_length=200, blank=True, default="")
    note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "moderation_audit_log"
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log"
        indexes = [
            # Serves the audit log admin: newest first, and the same filtered by action.
            models.Index(F("created_at").desc(), F("id").desc(), name="idx_audit_created"),
            models.Index(
                F("action"), F("created_at").desc(), F("id").desc(), name="idx_audit_action"
            ),
            # Serves "what was done to this user / tweet", newest first.
            models.Index(
                F("target_user"),
                F("created_at").desc(),
                condition=Q(target_user__isnull=False),
                name="idx_audit_target_user",
            ),
            models.Index(
                F("target_tweet_id"),
                F("created_at").desc(),
                condition=Q(target_tweet_id__isnull=False),
                name="idx_audit_target_tweet",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.target_repr}"
