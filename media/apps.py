from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "media"

    def ready(self) -> None:
        # Django's documented place to connect receivers: after every app's models are loaded.
        from . import receivers  # noqa: F401
