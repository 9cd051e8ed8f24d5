"""What the Mastodon API keeps beside django-oauth-toolkit's own tables: the scopes each app
registered, and the clients' read markers."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from oauth2_provider.settings import oauth2_settings


class ApplicationScopes(models.Model):
    """The scopes an app registered at POST /api/v1/apps (space-separated).

    django-oauth-toolkit's Application has no scopes; a token may only carry scopes the app
    registered (mastodon_api.oauth.MastodonValidator.validate_scopes).
    """

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="mastodon_scopes",
    )
    scopes = models.CharField(max_length=2000)

    class Meta:
        db_table = "mastodon_application_scopes"

    def __str__(self) -> str:
        return f"scopes of application {self.application_id}"


class Timeline(models.TextChoices):
    HOME = "home", "Home"
    NOTIFICATIONS = "notifications", "Notifications"


class Marker(models.Model):
    """Where `user` stopped reading `timeline` in a Mastodon client (GET|POST /api/v1/markers).

    For `notifications` the position itself is the project's read marker
    (NotificationSettings.last_read_id); this row only counts the client's writes (`version`).
    """

    pk = models.CompositePrimaryKey("user_id", "timeline")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    timeline = models.CharField(max_length=16, choices=Timeline.choices)
    last_read_id = models.BigIntegerField(default=0)
    version = models.IntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "mastodon_markers"

    def __str__(self) -> str:
        return f"{self.user_id} read {self.timeline} up to {self.last_read_id}"
