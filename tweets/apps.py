from django.apps import AppConfig


class TweetsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tweets"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the follow-graph signal receivers)
