from django.apps import AppConfig


class MastodonConfig(AppConfig):
    """A Mastodon-compatible client API over the project's services and selectors."""

    name = "mastodon_api"
