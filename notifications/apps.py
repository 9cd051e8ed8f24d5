from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"

    def ready(self) -> None:
        # Django's documented place to connect receivers: after every app's models are loaded.
        from . import receivers  # noqa: F401
