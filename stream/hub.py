"""The process's one listener and its subscribers: fan-in of connections (issue 15).

Each server process holds one PostgreSQL connection that LISTENs on stream.services.CHANNEL
and hands the events to the streams connected to this process, in memory. It connects to
PostgreSQL directly (STREAM_DATABASE_URL, else the default database's settings): LISTEN is a
session feature that PgBouncer's transaction pooling cannot carry (docs/scaling.md).

Routing is by ids (a tweet to its author and the connected followers, one query per event
for the whole process; a notification to its recipient; counts to the pages that asked).
What each subscriber is shown is then built here, per viewer, through stream.selectors
(the one visibility rule), once per connected user however many tabs they have open, in
BUILD_THREADS worker threads at once; the streams only write out what they are handed.

When the listening connection breaks (PostgreSQL restarted, the backend terminated), the
listener reconnects with a backoff, LISTENs again and reads the events it missed from
stream_events by id, so nothing published meanwhile is lost; if more than
STREAM_CATCHUP_MAX are missing (or were pruned) every subscriber gets "reload" instead.
"""

import asyncio
import json
import logging

import psycopg
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connections

from twitterclone.metrics import STREAM_CONNECTIONS

from .selectors import (
    RawEvent,
    events_after,
    events_build,
    followers_among,
    latest_event_id,
    outside_window,
)
from .services import CHANNEL

log = logging.getLogger(__name__)
RELOAD = "reload"
_TWEET_ROUTED = ("tweet", "delete")
# Builds of one event run in this many threads at once (each its own pooled connection):
# PostgreSQL runs one viewer's statement while Python builds another's.
BUILD_THREADS = 3
# A read through the pool is tried this many times on broken connections (db_call).
READ_ATTEMPTS = 3


class Full(Exception):
    """This process holds STREAM_MAX_CONNECTIONS streams already."""


class Subscriber:
    """One open stream: its viewer, the tweets whose counts it follows, its queue."""

    def __init__(self, user, tweet_ids: frozenset[int]):
        self.user = user
        self.user_id = user.pk
        self.tweet_ids = tweet_ids
        self.queue: asyncio.Queue = asyncio.Queue()

    def offer(self, item) -> None:
        """Queue an event; a client too slow to drain its queue is told to reload."""
        if self.queue.qsize() >= settings.STREAM_QUEUE_MAX:
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(RELOAD)
        else:
            self.queue.put_nowait(item)


LISTENER_NAME = "twitterclone-stream-listener"


def listener_conninfo() -> str:
    """Return the listener's connection string: STREAM_DATABASE_URL or the default database."""
    if settings.STREAM_DATABASE_URL:
        return psycopg.conninfo.make_conninfo(
            settings.STREAM_DATABASE_URL, application_name=LISTENER_NAME
        )
    db = connections["default"].settings_dict
    return psycopg.conninfo.make_conninfo(
        dbname=db["NAME"],
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=str(db["PORT"]) if db.get("PORT") else None,
        connect_timeout=db.get("OPTIONS", {}).get("connect_timeout", 3),
        application_name=LISTENER_NAME,
    )


def db_call(fn):
    """Run a sync read in a worker thread and give its connection back to the pool.

    A read that meets a broken connection (PostgreSQL restarted: the pool's idle
    connections are dead until used once) is tried again on another; the broken one is
    discarded when it goes back to the pool.
    """

    def call(**kwargs):
        for attempt in range(READ_ATTEMPTS):
            close_old_connections()
            try:
                return fn(**kwargs)
            except (OperationalError, InterfaceError):
                if attempt == READ_ATTEMPTS - 1:
                    raise
            finally:
                connections["default"].close()
        raise AssertionError("unreachable")

    return sync_to_async(call, thread_sensitive=False)


class Hub:
    """The subscribers of this process and the task that listens for them."""

    def __init__(self):
        self.by_user: dict[int, set[Subscriber]] = {}
        self.by_tweet: dict[int, set[Subscriber]] = {}
        self.count = 0
        self.last_id: int | None = None
        self.connected = asyncio.Event()
        self.reconnects = 0
        self.backend_pid: int | None = None
        self._task: asyncio.Task | None = None
        self._dispatcher: asyncio.Task | None = None
        self._events: asyncio.Queue = asyncio.Queue()

    # Subscribers

    def subscribe(self, user, tweet_ids: frozenset[int]) -> Subscriber:
        if self.count >= settings.STREAM_MAX_CONNECTIONS:
            raise Full
        subscriber = Subscriber(user, tweet_ids)
        self.by_user.setdefault(user.pk, set()).add(subscriber)
        for pk in tweet_ids:
            self.by_tweet.setdefault(pk, set()).add(subscriber)
        self.count += 1
        STREAM_CONNECTIONS.inc()
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        for index, key in [(self.by_user, subscriber.user_id)] + [
            (self.by_tweet, pk) for pk in subscriber.tweet_ids
        ]:
            group = index.get(key)
            if group is not None:
                group.discard(subscriber)
                if not group:
                    del index[key]
        self.count -= 1
        STREAM_CONNECTIONS.dec()

    # The listener

    def start(self) -> None:
        """Start listening in the running event loop (once per process and loop)."""
        if self._task is None or self._task.done():
            loop = asyncio.get_running_loop()
            self._task = loop.create_task(self._listen())
            self._dispatcher = loop.create_task(self._dispatch_forever())

    async def _listen(self) -> None:
        backoff = 0.1
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(listener_conninfo(), autocommit=True)
            except (psycopg.Error, OSError) as error:
                log.warning("stream listener cannot connect: %s", error)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, settings.STREAM_RECONNECT_MAX_DELAY)
                continue
            try:
                async with conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.backend_pid = conn.info.backend_pid
                    # Listening first, then reading: what commits in between is both
                    # notified and read, and dispatch drops ids it has seen.
                    await self._catch_up()
                    self.connected.set()
                    backoff = 0.1
                    async for notify in conn.notifies():
                        for row in json.loads(notify.payload):
                            self._events.put_nowait(RawEvent(*row))
            except (psycopg.Error, OSError, OperationalError, InterfaceError) as error:
                # Its own connection broke, or the catch-up's read did (the database is
                # still coming back): listen and catch up again after the backoff.
                log.warning("stream listener lost its connection: %s", error)
            except Exception:
                log.exception("stream listener failed; starting again")
            self.connected.clear()
            self.reconnects += 1
            await asyncio.sleep(backoff)

    async def _catch_up(self) -> None:
        if self.last_id is None:
            self.last_id = await db_call(latest_event_id)()
            return
        limit = settings.STREAM_CATCHUP_MAX
        missed = await db_call(events_after)(after=self.last_id, limit=limit + 1)
        newest = missed[-1].id if missed else self.last_id
        if len(missed) > limit or outside_window(after=self.last_id, newest=newest):
            self._reload_all()
            self.last_id = await db_call(latest_event_id)()
            return
        for event in missed:
            self._events.put_nowait(event)

    def _reload_all(self) -> None:
        for group in self.by_user.values():
            for subscriber in group:
                subscriber.offer(RELOAD)

    async def _dispatch_forever(self) -> None:
        while True:
            event = await self._events.get()
            try:
                await self.dispatch(event)
            except Exception:
                # Never lost silently: the streams that may have needed it reload (they
                # reconnect from the newest id), and the dispatcher goes on.
                log.exception("stream dispatch failed for %s; every stream reloads", event)
                self._reload_all()

    async def dispatch(self, event: RawEvent) -> None:
        """Hand `event` to the subscribers it may concern (each builds what it shows)."""
        if self.last_id is not None and event.id <= self.last_id:
            return
        self.last_id = event.id
        targets: set[Subscriber] = set()
        if event.kind in _TWEET_ROUTED and event.user_id is not None:
            targets |= self.by_user.get(event.user_id, set())
            connected = [pk for pk in self.by_user if pk != event.user_id]
            if connected:
                followers = await db_call(followers_among)(
                    author_id=event.user_id, user_ids=connected
                )
                for pk in followers:
                    targets |= self.by_user.get(pk, set())
        if event.kind == "notification":
            targets |= self.by_user.get(event.user_id, set())
        if event.kind in ("counts", "delete"):
            targets |= self.by_tweet.get(event.tweet_id, set())
        if not targets:
            return
        viewers = {subscriber.user_id: subscriber.user for subscriber in targets}
        built = await self._build(event, list(viewers.values()))
        for subscriber in targets:
            data = built.get(subscriber.user_id)
            if data is not None:
                subscriber.offer((event, data))

    async def _build(self, event: RawEvent, viewers: list) -> dict[int, dict | None]:
        """Build `event` for each viewer, in up to BUILD_THREADS threads at once."""
        size = -(-len(viewers) // BUILD_THREADS)
        chunks = [viewers[i : i + size] for i in range(0, len(viewers), size)]
        built: dict[int, dict | None] = {}
        for part in await asyncio.gather(
            *(db_call(events_build)(event=event, viewers=chunk) for chunk in chunks)
        ):
            built.update(part)
        return built


_hubs: dict[asyncio.AbstractEventLoop, Hub] = {}


def hub() -> Hub:
    """Return this event loop's hub, started (one listener per process and loop)."""
    loop = asyncio.get_running_loop()
    if loop not in _hubs:
        _hubs[loop] = Hub()
    current = _hubs[loop]
    current.start()
    return current
