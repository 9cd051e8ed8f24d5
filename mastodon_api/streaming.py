"""Mastodon's streaming API over the live-updates hub: GET /api/v1/streaming/user (SSE).

Served by the ASGI process (deploy/stream.sh), like GET /api/v1/me/stream: one listener per
process (stream.hub) routes each event by ids and builds it per viewer through
stream.selectors (the one visibility rule; a new tweet with the viewer's blocks, mutes and
muted words applied, as on the home timeline). Here each event is only rendered in
Mastodon's shape and names:

- `update`: a tweet the viewer may see, as a Status JSON string (re-read through
  tweets.cards.tweets_by_ids(unmuted=True) for the viewer, so nothing else leaves);
- `notification`: each of the viewer's notifications newer than the last one sent, read
  through notifications.selectors.notifications_page (the notification rule);
- `delete`: the id of a tweet that was deleted or hidden (only its id).

The token is an OAuth bearer token (Authorization header or `access_token` query
parameter) with `read` or `read:statuses` (`/user`), `read:notifications`
(`/user/notification`); `/user` sends notifications only when the token may read them.
Heartbeats are comment lines (`:thump`). A stream too slow to drain its queue, or one the
listener could not catch up, is closed: clients reconnect. Under WSGI (runserver, the test
live server) a stream cannot be held: 503 pointing at the ASGI server.
"""

import asyncio
import json

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from oauth2_provider.settings import oauth2_settings
from oauthlib.common import Request as OAuthRequest

from notifications.selectors import notifications_page
from stream.hub import RELOAD, Full, db_call, hub
from tweets.api.serializers import tweet_context
from tweets.cards import tweets_by_ids

from . import entities, scopes
from .views import FORBIDDEN, NOTIFICATION_TYPES, UNAUTHORIZED

UPDATES = "read:statuses"
NOTIFICATIONS = "read:notifications"
BUSY = "Too many open streams on this server; retry later."
LISTENER_DOWN = "Streaming is unavailable for a moment; retry later."
WSGI_ONLY = "Streaming is served by the streaming server (deploy/stream.sh), not this one."
# Notifications read per notification event (more than a burst between two events).
NOTIFICATIONS_PER_EVENT = 40


def _error(status: int, message: str, **headers) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _bearer(request) -> str | None:
    """The token: `Authorization: Bearer ...`, else the `access_token` query parameter.

    Mastodon's streaming API takes the query parameter because a browser's EventSource
    and WebSocket cannot send headers; the REST endpoints refuse it (django-oauth-toolkit's
    RFC 9700 default), so it is read here, for the streams only.
    """
    header = request.headers.get("Authorization", "")
    if header:
        parts = header.split()
        return parts[1] if len(parts) == 2 and parts[0].lower() == "bearer" else None
    return request.GET.get("access_token") or None


def _token(*, request):
    """Return (user, token scopes) for a valid bearer token of an active user, else None."""
    token = _bearer(request)
    if token is None:
        return None
    checked = OAuthRequest(request.build_absolute_uri(request.path))
    if not oauth2_settings.OAUTH2_VALIDATOR_CLASS().validate_bearer_token(token, [], checked):
        return None
    if checked.user is None or not checked.user.is_active:
        return None
    return checked.user, set(checked.access_token.scope.split())


def _caller(request):
    """The database from async code: through db_call under ASGI (a stream holds no
    connection), in the request's own thread under WSGI."""
    return db_call if isinstance(request, ASGIRequest) else sync_to_async


def _frame(event: str, payload: str) -> str:
    # A payload is one line: JSON (no raw newlines) or an id.
    return f"event: {event}\ndata: {payload}\n\n"


def _status_json(*, request, tweet_id: int) -> str | None:
    """Tweet `tweet_id` as Mastodon's Status for the viewer, or None if they may not see it."""
    tweet = tweets_by_ids(viewer=request.user, ids=[tweet_id], unmuted=True).get(tweet_id)
    if tweet is None:
        return None
    context = entities.StatusContext(request, tweet_context(request, [tweet])["mention_usernames"])
    return json.dumps(entities.status(context, tweet), separators=(",", ":"))


def _newest_notification_id(*, request) -> int:
    page = notifications_page(viewer=request.user, types=list(NOTIFICATION_TYPES), limit=1)
    return page.items[0].pk if page.items else 0


def _notifications_after(*, request, after: int) -> tuple[list[str], int]:
    """The viewer's notifications newer than `after`, oldest first, as Notification JSON."""
    page = notifications_page(
        viewer=request.user, types=list(NOTIFICATION_TYPES), limit=NOTIFICATIONS_PER_EVENT
    )
    items = [item for item in page.items if item.pk > after]
    if not items:
        return [], after
    tweets = [item.tweet for item in items if item.tweet is not None]
    context = entities.StatusContext(request, tweet_context(request, tweets)["mention_usernames"])
    frames = [
        json.dumps(entities.notification(context, item, NOTIFICATION_TYPES[item.type]))
        for item in reversed(items)
    ]
    return frames, items[0].pk


async def streaming_health(request):
    """GET /api/v1/streaming/health: `OK` (Mastodon.py's stream_healthy)."""
    return HttpResponse("OK", content_type="text/plain")


async def streaming_user(request):
    """GET /api/v1/streaming/user: home timeline updates, deletes and notifications."""
    return await _open(request, required=UPDATES)


async def streaming_user_notification(request):
    """GET /api/v1/streaming/user/notification: notifications only."""
    return await _open(request, required=NOTIFICATIONS)


async def _open(request, *, required: str):
    if request.method not in ("GET", "HEAD"):
        return _error(405, f'Method "{request.method}" not allowed.')
    found = await _caller(request)(_token)(request=request)
    if found is None:
        return _error(401, UNAUTHORIZED, WWW_Authenticate="Bearer")
    user, granted = found
    if not scopes.scope_granted(granted, required):
        return _error(403, FORBIDDEN)
    updates = required == UPDATES
    notifications = scopes.scope_granted(granted, NOTIFICATIONS)
    if not isinstance(request, ASGIRequest):
        return _error(503, WSGI_ONLY, Retry_After=str(settings.STREAM_RETRY_AFTER))
    current = hub()
    if current.count >= settings.STREAM_MAX_CONNECTIONS:
        return _error(503, BUSY, Retry_After=str(settings.STREAM_RETRY_AFTER))
    try:
        await asyncio.wait_for(current.connected.wait(), settings.STREAM_CONNECT_TIMEOUT)
    except TimeoutError:
        return _error(503, LISTENER_DOWN, Retry_After=str(settings.STREAM_RETRY_AFTER))
    request.user = user
    after = await db_call(_newest_notification_id)(request=request) if notifications else 0
    response = StreamingHttpResponse(
        _events(request, current, updates=updates, notifications=notifications, after=after),
        content_type="text/event-stream",
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


async def _events(request, current, *, updates: bool, notifications: bool, after: int):
    try:
        subscriber = current.subscribe(request.user, frozenset())
    except Full:
        return
    try:
        yield ":)\n\n"
        while True:
            try:
                item = await asyncio.wait_for(
                    subscriber.queue.get(), settings.STREAM_HEARTBEAT_SECONDS
                )
            except TimeoutError:
                yield ":thump\n\n"
                continue
            if item == RELOAD:
                return  # the client reconnects and reads the timeline again
            event, _data = item
            if event.kind == "tweet" and updates:
                status = await db_call(_status_json)(request=request, tweet_id=event.tweet_id)
                if status is not None:
                    yield _frame("update", status)
            elif event.kind == "delete" and updates:
                yield _frame("delete", str(event.tweet_id))
            elif event.kind == "notification" and notifications:
                frames, after = await db_call(_notifications_after)(request=request, after=after)
                for frame in frames:
                    yield _frame("notification", frame)
    finally:
        current.unsubscribe(subscriber)
