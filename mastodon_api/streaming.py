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
import contextlib
import io
import json
import logging
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import DisallowedHost
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

log = logging.getLogger(__name__)
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


def _token(*, request, token: str | None = None):
    """Return (user, token scopes) for a valid bearer token of an active user, else None."""
    token = token or _bearer(request)
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


@dataclass
class _Wanted:
    """What a connection asked for: updates and deletes, notifications, and the last
    notification id it was sent."""

    updates: bool
    notifications: bool
    after: int


async def _mastodon_events(request, subscriber, wanted: _Wanted):
    """Yield (event, payload) for the hub's events to `subscriber`, or None when there was
    none for STREAM_HEARTBEAT_SECONDS; end when the hub says reload."""
    while True:
        try:
            item = await asyncio.wait_for(subscriber.queue.get(), settings.STREAM_HEARTBEAT_SECONDS)
        except TimeoutError:
            yield None
            continue
        if item == RELOAD:
            return  # the client reconnects and reads the timeline again
        event, _data = item
        if event.kind == "tweet" and wanted.updates:
            status = await db_call(_status_json)(request=request, tweet_id=event.tweet_id)
            if status is not None:
                yield "update", status
        elif event.kind == "delete" and wanted.updates:
            yield "delete", str(event.tweet_id)
        elif event.kind == "notification" and wanted.notifications:
            payloads, wanted.after = await db_call(_notifications_after)(
                request=request, after=wanted.after
            )
            for payload in payloads:
                yield "notification", payload


async def _events(request, current, *, updates: bool, notifications: bool, after: int):
    try:
        subscriber = current.subscribe(request.user, frozenset())
    except Full:
        return
    try:
        yield ":)\n\n"
        async for item in _mastodon_events(
            request, subscriber, _Wanted(updates, notifications, after)
        ):
            yield ":thump\n\n" if item is None else _frame(*item)
    finally:
        current.unsubscribe(subscriber)


# The WebSocket API: one connection, streams subscribed by name (Elk, Phanpy, masto.js).

WEBSOCKET_PATHS = {"/api/v1/streaming", "/api/v1/streaming/"}
# Stream name -> the scope it needs.
WEBSOCKET_STREAMS = {"user": UPDATES, "user:notification": NOTIFICATIONS}
UNKNOWN_STREAM = "Unknown stream type"
# Close codes before accepting (the client sees the handshake refused).
CLOSE_UNAUTHORIZED = 4001
CLOSE_NOT_FOUND = 4004
CLOSE_UNAVAILABLE = 4503


class _Socket:
    """One WebSocket: its subscribed streams and a send that two tasks may call."""

    def __init__(self, send, granted: set[str]):
        self._send = send
        self._lock = asyncio.Lock()
        self.granted = granted
        self.streams: set[str] = set()

    async def send(self, message: dict) -> None:
        async with self._lock:
            await self._send({"type": "websocket.send", "text": json.dumps(message)})

    async def command(self, message: dict, wanted: _Wanted) -> None:
        """Handle {"type": "subscribe"|"unsubscribe", "stream": name}."""
        kind, stream = message.get("type"), message.get("stream")
        if kind not in ("subscribe", "unsubscribe") or stream not in WEBSOCKET_STREAMS:
            await self.send({"error": UNKNOWN_STREAM, "status": 400, "stream": stream})
            return
        if kind == "subscribe":
            if not scopes.scope_granted(self.granted, WEBSOCKET_STREAMS[stream]):
                await self.send({"error": FORBIDDEN, "status": 403, "stream": [stream]})
                return
            self.streams.add(stream)
        else:
            self.streams.discard(stream)
        wanted.updates = "user" in self.streams
        wanted.notifications = bool(self.streams) and scopes.scope_granted(
            self.granted, NOTIFICATIONS
        )

    def streams_for(self, event: str) -> list[str]:
        if event == "notification":
            return sorted(self.streams)
        return ["user"] if "user" in self.streams else []


def _socket_request(scope) -> ASGIRequest | None:
    """The handshake as a Django request (headers, query, host), or None for a bad host."""
    scheme = "https" if scope.get("scheme") == "wss" else "http"
    request = ASGIRequest(
        {**scope, "type": "http", "method": "GET", "scheme": scheme}, io.BytesIO()
    )
    try:
        request.get_host()
    except DisallowedHost:
        return None
    return request


async def websocket_streaming(scope, receive, send) -> None:
    """The ASGI app for WebSocket connections (twitterclone.asgi routes them here).

    `GET /api/v1/streaming` upgraded; the token in the Authorization header, the
    `access_token` query parameter or the Sec-WebSocket-Protocol header (as browsers send
    it); streams from `?stream=` and {"type": "subscribe", "stream": ...} messages; events
    as {"stream": [...], "event": ..., "payload": "<JSON or id>"}.
    """
    if (await receive())["type"] != "websocket.connect":
        return
    request = _socket_request(scope) if scope.get("path") in WEBSOCKET_PATHS else None
    if request is None:
        await send({"type": "websocket.close", "code": CLOSE_NOT_FOUND})
        return
    protocols = scope.get("subprotocols") or []
    from_protocol = protocols[0] if protocols and _bearer(request) is None else None
    found = await db_call(_token)(request=request, token=from_protocol)
    if found is None:
        await send({"type": "websocket.close", "code": CLOSE_UNAUTHORIZED})
        return
    user, granted = found
    current = hub()
    try:
        if current.count >= settings.STREAM_MAX_CONNECTIONS:
            raise TimeoutError
        await asyncio.wait_for(current.connected.wait(), settings.STREAM_CONNECT_TIMEOUT)
        subscriber = current.subscribe(user, frozenset())
    except (TimeoutError, Full):
        await send({"type": "websocket.close", "code": CLOSE_UNAVAILABLE})
        return
    try:
        await send({"type": "websocket.accept", "subprotocol": from_protocol})
        request.user = user
        after = 0
        if scopes.scope_granted(granted, NOTIFICATIONS):
            after = await db_call(_newest_notification_id)(request=request)
        wanted = _Wanted(False, False, after)
        socket = _Socket(send, granted)
        if request.GET.get("stream"):
            await socket.command({"type": "subscribe", "stream": request.GET["stream"]}, wanted)

        async def read() -> None:
            while True:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    return
                try:
                    command = json.loads(message.get("text") or message.get("bytes") or "")
                except ValueError:
                    command = None
                if isinstance(command, dict):
                    await socket.command(command, wanted)

        async def write() -> None:
            async for item in _mastodon_events(request, subscriber, wanted):
                if item is None:
                    continue  # the server's WebSocket pings keep the connection alive
                event, payload = item
                for stream in socket.streams_for(event):
                    await socket.send({"stream": [stream], "event": event, "payload": payload})

        tasks = [asyncio.ensure_future(read()), asyncio.ensure_future(write())]
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        for task in done:
            if task.exception() is not None:
                log.warning("websocket stream ended: %r", task.exception())
        with contextlib.suppress(Exception):
            await send({"type": "websocket.close", "code": 1000})
    finally:
        current.unsubscribe(subscriber)
