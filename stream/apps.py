from django.apps import AppConfig


class StreamConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "stream"

    def ready(self) -> None:
        # Django's documented place to connect receivers: after every app's models are loaded.
        from . import receivers  # noqa: F401
