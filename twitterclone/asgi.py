"""ASGI entry point; production settings unless the environment says otherwise."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twitterclone.settings.production")

django_application = get_asgi_application()

# Imported once the apps are ready: Mastodon's WebSocket streaming API (docs/api.md
# "Streaming"), the one WebSocket endpoint; Django's handler takes every HTTP request.
from mastodon_api.streaming import websocket_streaming  # noqa: E402


async def application(scope, receive, send):
    if scope["type"] == "websocket":
        return await websocket_streaming(scope, receive, send)
    return await django_application(scope, receive, send)
