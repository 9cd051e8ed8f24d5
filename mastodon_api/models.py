"""What the Mastodon API keeps beside django-oauth-toolkit's own tables."""

from django.db import models
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
