"""GET /api/v1/me/stream: the signed-in user's live events over Server-Sent Events.

A plain Django async view (DRF's views are synchronous): served by the ASGI process
(deploy/stream.sh), where one listener per process feeds every open stream (stream.hub).
Under WSGI (runserver, the test live server) the same URL answers at once with what is
waiting after Last-Event-ID and a `retry:`, so EventSource polls instead of holding a
thread forever.
"""

import asyncio
import json

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse

from accounts.api.authentication import TOKEN_INVALID
from accounts.selectors import user_by_token
from stream.hub import RELOAD, Full, db_call, hub
from stream.selectors import (
    MAX_SUBSCRIBED_TWEETS,
    Reload,
    event_build,
    events_replay,
    latest_event_id,
)
from tweets.cards import tweets_by_ids
from twitterclone.replicas import primary_only

NOT_SIGNED_IN = "Authentication credentials were not provided."
TWEETS_INVALID = f"Give at most {MAX_SUBSCRIBED_TWEETS} tweet ids, separated by commas."
LAST_EVENT_ID_INVALID = "Last-Event-ID must be an event id."
BUSY = "Too many open streams on this server; retry later."
LISTENER_DOWN = "Live updates are unavailable for a moment; retry later."
_MAX_ID = 2**63 - 1


def _error(status: int, body: dict, **headers) -> JsonResponse:
    response = JsonResponse(body, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _ids(raw: str) -> list[int] | None:
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if len(parts) > MAX_SUBSCRIBED_TWEETS or not all(p.isascii() and p.isdigit() for p in parts):
        return None
    ids = [int(part) for part in parts]
    return None if any(pk < 1 or pk > _MAX_ID for pk in ids) else sorted(set(ids))


def _last_event_id(request) -> int | str | None:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id")
    if raw is None or raw == "":
        return None
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit()) or int(raw) > _MAX_ID:
        return "invalid"
    return int(raw)


def _frame(event_id: int, kind: str, data: dict) -> str:
    return f"id: {event_id}\nevent: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def _session_user(*, request):
    return get_user(request)


def _caller(request):
    """How this request reaches the database from its async code.

    Under ASGI through db_call, which gives the connection back at once: an open stream
    holds no database connection. Under WSGI in the request's own thread and connection,
    as a sync view would.
    """
    return db_call if isinstance(request, ASGIRequest) else sync_to_async


async def _user(request):
    """Return (user, None) or (None, why)."""
    call = _caller(request)
    header = request.headers.get("Authorization", "")
    if header.split(" ", 1)[0].lower() == "bearer":
        parts = header.split()
        user = None
        if len(parts) == 2:
            user = await call(user_by_token)(token=parts[1])
        return user, (None if user else TOKEN_INVALID)
    user = await call(_session_user)(request=request)
    return (user, None) if user.is_authenticated else (None, NOT_SIGNED_IN)


def _cors(request, response):
    """Let the site's pages on another origin (STREAM_CORS_ORIGINS) read the stream."""
    origin = request.headers.get("Origin")
    if origin and origin in settings.STREAM_CORS_ORIGINS:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Credentials"] = "true"
        response["Access-Control-Allow-Headers"] = "Authorization, Last-Event-ID"
        response["Vary"] = "Origin"
    return response


# Events arrive from the primary's LISTEN; the tweets they name are read from the primary
# too, never from a replica that may not have replayed them yet (docs/scaling.md).
@primary_only
async def me_stream(request):
    """Open the viewer's event stream (see docs/api.md "Live updates")."""
    if request.method == "OPTIONS":
        return _cors(request, HttpResponse(status=204))
    if request.method not in ("GET", "HEAD"):
        return _cors(request, _error(405, {"detail": f'Method "{request.method}" not allowed.'}))
    response = await _open(request)
    return _cors(request, response)


async def _open(request):
    user, problem = await _user(request)
    if user is None:
        return _error(401, {"detail": problem}, WWW_Authenticate="Bearer")
    tweet_ids = _ids(request.GET.get("tweets", ""))
    if tweet_ids is None:
        return _error(400, {"tweets": [TWEETS_INVALID]})
    after = _last_event_id(request)
    if after == "invalid":
        return _error(400, {"last_event_id": [LAST_EVENT_ID_INVALID]})
    if tweet_ids:
        # Only tweets the viewer may see now: a delete or counts event never tells anything
        # about a tweet the viewer could not have on screen.
        visible = await _caller(request)(tweets_by_ids)(viewer=user, ids=tweet_ids)
        tweet_ids = sorted(visible)
    subscribed = frozenset(tweet_ids)
    if not isinstance(request, ASGIRequest):
        body = await sync_to_async(_poll)(user=user, tweet_ids=subscribed, after=after)
        return _sse(HttpResponse(body, content_type="text/event-stream"))
    current = hub()
    if current.count >= settings.STREAM_MAX_CONNECTIONS:
        return _error(503, {"detail": BUSY}, Retry_After=str(settings.STREAM_RETRY_AFTER))
    try:
        await asyncio.wait_for(current.connected.wait(), settings.STREAM_CONNECT_TIMEOUT)
    except TimeoutError:
        return _error(503, {"detail": LISTENER_DOWN}, Retry_After=str(settings.STREAM_RETRY_AFTER))
    stream = _live(current, user, subscribed, after)
    return _sse(StreamingHttpResponse(stream, content_type="text/event-stream"))


def _sse(response):
    response["Cache-Control"] = "no-cache"
    # Proxies that buffer (nginx) pass each event at once.
    response["X-Accel-Buffering"] = "no"
    return response


def _replay(*, user, tweet_ids, after) -> tuple[list[str], int]:
    """Frames of what `user` missed after `after`, and the newest id considered."""
    newest = latest_event_id()
    events = events_replay(
        viewer=user, after=after, tweet_ids=tweet_ids, bound=settings.STREAM_REPLAY_MAX
    )
    frames = []
    last_unread = None
    for event in events:
        data = event_build(viewer=user, event=event)
        if data is None or (event.kind == "notification" and data["unread_count"] == last_unread):
            continue
        last_unread = data.get("unread_count", last_unread)
        frames.append(_frame(event.id, event.kind, data))
    return frames, max([newest, *(event.id for event in events)])


def _poll(*, user, tweet_ids, after) -> str:
    """The whole answer under WSGI: what is waiting, then the client retries."""
    head = f"retry: {settings.STREAM_POLL_RETRY_MS}\n\n"
    if after is None:
        return head + _frame(latest_event_id(), "hello", {})
    try:
        frames, considered = _replay(user=user, tweet_ids=tweet_ids, after=after)
    except Reload:
        return head + _frame(latest_event_id(), RELOAD, {})
    return head + "".join(frames) + _frame(considered, "hello", {})


async def _live(current, user, tweet_ids: frozenset[int], after: int | None):
    try:
        subscriber = current.subscribe(user, tweet_ids)
    except Full:
        yield _frame(current.last_id or 0, RELOAD, {})
        return
    try:
        yield f"retry: {settings.STREAM_RETRY_MS}\n\n"
        seen = current.last_id or 0
        if after is not None:
            try:
                frames, seen = await db_call(_replay)(user=user, tweet_ids=tweet_ids, after=after)
            except Reload:
                yield _frame(current.last_id or 0, RELOAD, {})
                return
            for frame in frames:
                yield frame
        yield _frame(seen, "hello", {})
        last_unread = None
        while True:
            try:
                event = await asyncio.wait_for(
                    subscriber.queue.get(), settings.STREAM_HEARTBEAT_SECONDS
                )
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            if event == RELOAD:
                yield _frame(current.last_id or 0, RELOAD, {})
                return
            event, data = event
            if event.id <= seen:
                continue
            seen = event.id
            if event.kind == "notification":
                if data["unread_count"] == last_unread:
                    continue
                last_unread = data["unread_count"]
            yield _frame(event.id, event.kind, data)
    finally:
        current.unsubscribe(subscriber)
