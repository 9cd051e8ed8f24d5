"""Read replicas: route a request's reads to a healthy streaming replica, writes to the primary.

Settings (docs/scaling.md "Read replicas"): `DATABASE_REPLICA_URLS` adds the aliases
`replica_0..n` (twitterclone.settings.base.replica_database); with none, everything here is a
pass-through and every query goes to `default`.

The rule, decided once per request by ReplicaMiddleware and this module's router:

- Only a GET or HEAD request may read from a replica; anything else, work outside a request
  (jobs, commands, migrations) and anything inside an atomic block on the primary reads the
  primary. Once a request writes (an ORM write, or any statement on the primary whose
  command tag is not a read's, so raw SQL too), its later reads go to the primary too.
- Sessions, API tokens, OAuth tokens and the job queue always read the primary: they decide
  who the viewer is, before any routing, and must never be stale.
- Read-your-writes: after a request that wrote, the primary's WAL insert position (at or
  past the end of its commit record) is kept in the cache under the user (and the session)
  for DATABASE_REPLICA_RYW_SECONDS. A later read by that user goes to a replica only when
  its `pg_last_wal_replay_lsn()` is at or past that position; else to the primary.
- Health: each process checks a replica at most every DATABASE_REPLICA_CHECK_SECONDS (one
  query: replay position and lag). A replica that cannot be reached within
  DATABASE_REPLICA_CONNECT_TIMEOUT is skipped for DATABASE_REPLICA_RETRY_SECONDS (breaker);
  one that lags more than DATABASE_REPLICA_MAX_LAG seconds is skipped until a check finds
  it caught up. A query that fails on a replica in the middle of a GET reruns the request on
  the primary (ReplicaMiddleware): no request fails because a replica did.

Raw SQL in selectors follows the same decision through `read_connection()` / `read_alias()`.
"""

import contextlib
import logging
import random
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from inspect import iscoroutinefunction

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

from twitterclone.middleware import breaker_close, breaker_is_open

logger = logging.getLogger(__name__)

REPLICA_PREFIX = "replica_"
SAFE_METHODS = ("GET", "HEAD")
# Who the viewer is (and the job queue) is never read from a replica.
PRIMARY_ONLY_APPS = frozenset({"sessions", "oauth2_provider", "django_tasks_db"})
PRIMARY_ONLY_MODELS = frozenset({"accounts.apitoken"})
# SQLSTATEs of a connection that is gone or refused (class 08; shutdown; starting up).
_CONNECTION_STATES = ("08", "57P01", "57P02", "57P03")

# One query per check: replay position (bytes since 0/0) and seconds behind. A replica that
# streams from its primary and has replayed all it received is not behind, however long ago
# its last transaction was; one whose WAL receiver is not running (primary unreachable) is as
# far behind as its last replayed transaction is old.
HEALTH_SQL = """
    SELECT pg_is_in_recovery(),
           pg_last_wal_replay_lsn() - '0/0'::pg_lsn,
           CASE WHEN EXISTS (SELECT 1 FROM pg_stat_wal_receiver)
                     AND pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0
                ELSE COALESCE(
                    EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0)
           END
"""
# The end of the last record inserted so far, so at or past every commit record (also with
# synchronous_commit off, where pg_current_wal_lsn() can still be behind one); see
# wal_position for the page header.
PRIMARY_POSITION_SQL = "SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn"
WAL_SIZES_SQL = (
    "SELECT current_setting('wal_block_size')::bigint, "
    "pg_size_bytes(current_setting('wal_segment_size'))"
)
# Bytes of a WAL page's header: long at the start of a segment, short on other pages.
_LONG_HEADER, _SHORT_HEADER = 40, 24
_wal_sizes: list[int] = []


def wal_position(cursor) -> int:
    """Return the primary's WAL position a standby must replay to have every commit so far.

    The insert position is past the header of the next page when the last record filled its
    page, while a standby's replay position is the record's end (the page start): take the
    header off, or a replica that has replayed everything would wait for the next write.
    """
    if not _wal_sizes:
        cursor.execute(WAL_SIZES_SQL)
        _wal_sizes[:] = [int(size) for size in cursor.fetchone()]
    block, segment = _wal_sizes
    cursor.execute(PRIMARY_POSITION_SQL)
    position = int(cursor.fetchone()[0])
    if position % segment == _LONG_HEADER:
        return position - _LONG_HEADER
    if position % block == _SHORT_HEADER:
        return position - _SHORT_HEADER
    return position


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def replica_aliases() -> list[str]:
    """Return the configured replica aliases (replica_0, replica_1, ...)."""
    return [alias for alias in connections.settings if alias.startswith(REPLICA_PREFIX)]


# ---------------------------------------------------------------------------------------
# Health, per process.


@dataclass
class Health:
    """What the last check of one replica found."""

    checked_at: float = 0.0
    down_until: float = 0.0
    replay_lsn: int = -1
    lag: float | None = None
    error: str = ""

    def usable(self, now: float) -> bool:
        return now >= self.down_until and self.lag is not None and self.lag <= _max_lag()


def _max_lag() -> float:
    return _setting("DATABASE_REPLICA_MAX_LAG", 5.0)


_health: dict[str, Health] = {}
_health_lock = threading.Lock()


def health_reset() -> None:
    """Forget every replica's health (tests, and after a failover)."""
    with _health_lock:
        _health.clear()


def health(alias: str) -> Health:
    """Return the last known health of `alias` (not checked yet: checked_at 0)."""
    with _health_lock:
        return _health.setdefault(alias, Health())


def mark_down(alias: str, error: BaseException | str) -> None:
    """Skip `alias` for DATABASE_REPLICA_RETRY_SECONDS."""
    retry = _setting("DATABASE_REPLICA_RETRY_SECONDS", 10.0)
    with _health_lock:
        state = _health.setdefault(alias, Health())
        state.down_until = time.monotonic() + retry
        state.checked_at = time.monotonic()
        state.lag = None
        state.error = str(error)[:200]
    logger.warning("replica %s skipped for %.0f s: %s", alias, retry, error)
    # A broken connection may fail to close; it is dropped either way.
    with contextlib.suppress(Exception):
        connections[alias].close()


# Health checks run through the request's watched connections; their failures are handled
# in health_check, not by rerunning the request.
_checking = threading.local()


def health_check(alias: str) -> Health:
    """Query `alias` now (one statement) and record its replay position and lag."""
    _checking.active = True
    try:
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(HEALTH_SQL)
            in_recovery, replay, lag = cursor.fetchone()
    except (OperationalError, InterfaceError) as error:
        mark_down(alias, error)
        return health(alias)
    finally:
        _checking.active = False
    now = time.monotonic()
    with _health_lock:
        state = _health.setdefault(alias, Health())
        state.checked_at = now
        if not in_recovery or replay is None:
            # Promoted or not a standby: never read from it as a replica.
            state.lag, state.replay_lsn, state.error = None, -1, "not in recovery"
        else:
            state.lag, state.replay_lsn, state.error = float(lag), int(replay), ""
        if state.lag is not None and state.lag > _max_lag():
            logger.warning("replica %s lags %.1f s, skipped", alias, state.lag)
        return state


def _fresh_health(alias: str) -> Health:
    """Return the health of `alias`, checking it when the last check is too old."""
    state = health(alias)
    now = time.monotonic()
    if now < state.down_until:
        return state
    if now - state.checked_at >= _setting("DATABASE_REPLICA_CHECK_SECONDS", 1.0):
        return health_check(alias)
    return state


def replica_lag_seconds() -> dict[str, float | None]:
    """Return each replica's lag in seconds now, None for one that is down or not a standby.

    For the metrics endpoint (a gauge per alias): one query per replica, and the answers
    refresh the router's view of their health.
    """
    lags = {}
    for alias in replica_aliases():
        state = health(alias)
        if time.monotonic() < state.down_until:
            lags[alias] = None
            continue
        lags[alias] = health_check(alias).lag
    return lags


# ---------------------------------------------------------------------------------------
# Read-your-writes positions, in the cache.


def _position_keys(request) -> list[str]:
    keys = []
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        keys.append(f"replicas:wal:u:{user.pk}")
    session = getattr(request, "session", None)
    session_key = getattr(session, "session_key", None) if session is not None else None
    if session_key:
        keys.append(f"replicas:wal:s:{session_key}")
    return keys


def position_needed(request) -> int | None:
    """Return the WAL position this request's viewer must see (their last write), if any."""
    keys = _position_keys(request)
    if not keys:
        return None
    positions = cache.get_many(keys)
    return max(positions.values()) if positions else None


def position_remember(request) -> None:
    """After a write: keep the primary's WAL insert position for this request's viewer."""
    keys = _position_keys(request)
    if not keys:
        return
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        position = wal_position(cursor)
    ttl = int(_setting("DATABASE_REPLICA_RYW_SECONDS", 60))
    for key in keys:
        position_raise(key, position, ttl)


def position_raise(key: str, position: int, ttl: int) -> None:
    """Keep at `key` at least `position` (and at least what any other write kept there).

    Two writes by one viewer at once (two tabs) finish in either order: a plain set could
    leave the older position last, and a replica that replayed only the first write would
    then serve the second one's reader. The cache has no atomic max, but `add` and `incr`
    are atomic (Redis SETNX and INCRBY): racing raises may overshoot the true maximum, which
    only sends the viewer's reads to the primary a little longer (never a stale read).
    """
    for _ in range(5):
        if cache.add(key, position, ttl):
            return
        known = cache.get(key)
        if known is None:
            continue  # expired between the add and the get: add again
        if position > known:
            try:
                cache.incr(key, position - known)
            except ValueError:
                continue  # expired meanwhile
        cache.touch(key, ttl)
        return


def choose(needed: int | None) -> str:
    """Return a usable replica that has replayed `needed`, else the primary."""
    aliases = replica_aliases()
    random.shuffle(aliases)
    for alias in aliases:
        before = health(alias).checked_at
        state = _fresh_health(alias)
        if not state.usable(time.monotonic()):
            continue
        if needed is not None and state.replay_lsn < needed:
            if state.checked_at != before:
                continue  # just checked: this replica has not replayed the write yet
            # The known position is older than the write: ask the replica once.
            state = health_check(alias)
            if not state.usable(time.monotonic()) or state.replay_lsn < needed:
                continue
        try:
            # A pooled connection now (waits at most the replica's short pool timeout), so a
            # replica that went away fails here, before the view runs, not in the view.
            connections[alias].ensure_connection()
        except (OperationalError, InterfaceError) as error:
            mark_down(alias, error)
            continue
        return alias
    return DEFAULT_DB_ALIAS


# ---------------------------------------------------------------------------------------
# The per-request decision.


@dataclass
class _State:
    request: object
    may_use_replica: bool
    alias: str | None = None
    deciding: bool = False
    wrote: bool = False
    replica_failed: bool = False
    failures: list = field(default_factory=list)

    def read_alias(self, model=None) -> str:
        if not self.may_use_replica or self.wrote or self.deciding:
            return DEFAULT_DB_ALIAS
        if model is not None:
            meta = model._meta
            if meta.app_label in PRIMARY_ONLY_APPS or meta.label_lower in PRIMARY_ONLY_MODELS:
                return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            # Inside a write transaction: read what it wrote.
            return DEFAULT_DB_ALIAS
        if self.alias is None:
            self.deciding = True
            try:
                self.alias = self._decide()
            finally:
                self.deciding = False
        return self.alias

    def _decide(self) -> str:
        try:
            needed = position_needed(self.request)
        except Exception as error:  # the cache is down: nobody can be sure, read the primary
            logger.warning("read-your-writes position unavailable: %s", error)
            return DEFAULT_DB_ALIAS
        return choose(needed)


_current: ContextVar[_State | None] = ContextVar("twitterclone_replicas", default=None)


def read_alias() -> str:
    """Return the alias this request's reads use now (raw SQL in selectors follows it)."""
    state = _current.get()
    return DEFAULT_DB_ALIAS if state is None else state.read_alias()


def read_connection():
    """Return the connection this request's reads use now."""
    return connections[read_alias()]


def request_alias() -> str | None:
    """Return the alias the current request settled on (None: undecided or no request)."""
    state = _current.get()
    return None if state is None else state.alias


def primary_only(view):
    """Mark a view whose reads must all come from the primary (ReplicaMiddleware obeys)."""
    view.replicas_primary_only = True
    return view


class ReplicaRouter:
    """Django database router: reads of a routed request to its replica, writes to default."""

    def db_for_read(self, model, **hints):
        state = _current.get()
        if state is None:
            return None
        return state.read_alias(model)

    def db_for_write(self, model, **hints):
        state = _current.get()
        if state is not None:
            state.wrote = True
        # An object read from a replica is saved to the primary.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        same = {DEFAULT_DB_ALIAS, *replica_aliases()}
        if obj1._state.db in same and obj2._state.db in same:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db.startswith(REPLICA_PREFIX) else None


def _watch(execute, sql, params, many, context):
    """Note a failed query on the replica this request reads from (see ReplicaMiddleware)."""
    try:
        return execute(sql, params, many, context)
    except (OperationalError, InterfaceError) as error:
        state = _current.get()
        alias = context["connection"].alias
        if state is not None and state.alias == alias and not getattr(_checking, "active", False):
            state.replica_failed = True
            state.failures.append((alias, error))
        raise


# Command tags of statements that change nothing (psycopg's statusmessage after execute).
_READ_TAGS = (
    "SELECT",
    "SHOW",
    "SET",
    "RESET",
    "BEGIN",
    "START",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT",
    "RELEASE",
    "DECLARE",
    "FETCH",
    "MOVE",
    "CLOSE",
    "DEALLOCATE",
    "PREPARE",
    "LISTEN",
    "EXPLAIN",
)


def _watch_primary(execute, sql, params, many, context):
    """Note a write on the primary, also raw SQL the router never sees (a GET that writes)."""
    result = execute(sql, params, many, context)
    state = _current.get()
    if state is not None and not state.wrote:
        tag = getattr(context["cursor"].cursor, "statusmessage", None) or ""
        if tag and not tag.startswith(_READ_TAGS):
            state.wrote = True
    return result


def _is_connection_error(error: BaseException) -> bool:
    sqlstate = getattr(error.__cause__, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(_CONNECTION_STATES)


class ReplicaMiddleware:
    """Decide per request whether its reads may use a replica; remember writes' positions.

    Placed after AuthenticationMiddleware: the viewer is loaded from the primary before
    routing starts. A GET whose replica fails mid-request is run again on the primary.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        aliases = replica_aliases()
        if not aliases:
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and "HTTP_AUTHORIZATION" not in request.META:
            # Load the session's user from the primary now, before routing starts. A request
            # with a token is signed in by the API's authentication, from the primary too
            # (tokens are primary-only), and may never need the session.
            user.is_authenticated  # noqa: B018
        safe = request.method in SAFE_METHODS
        state = _State(request=request, may_use_replica=safe)
        response = self._run(request, state, aliases)
        if state.replica_failed and safe:
            for alias, error in state.failures:
                if _is_connection_error(error):
                    mark_down(alias, error)
                else:
                    logger.warning("query on replica %s failed, rerun on primary: %s", alias, error)
            was_open = breaker_is_open()
            state = _State(request=request, may_use_replica=False)
            response = self._run(request, state, aliases)
            if was_open and response.status_code < 500:
                # The replica's failure opened the primary's 503 breaker; the primary answered.
                breaker_close()
        if state.wrote:
            try:
                position_remember(request)
            except Exception as error:  # the write is committed; losing its position is not
                logger.warning("read-your-writes position not kept: %s", error)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        state = _current.get()
        # Async views read from other threads (sync_to_async), whose connections this
        # middleware does not watch for a replica's failure: the primary for them.
        primary = getattr(view_func, "replicas_primary_only", False) or iscoroutinefunction(
            view_func
        )
        if state is not None and primary:
            state.may_use_replica = False
        return None

    def _run(self, request, state: _State, aliases: list[str]):
        token = _current.set(state)
        wrappers = [connections[alias].execute_wrapper(_watch) for alias in aliases]
        wrappers.append(connections[DEFAULT_DB_ALIAS].execute_wrapper(_watch_primary))
        try:
            for wrapper in wrappers:
                wrapper.__enter__()
            return self.get_response(request)
        finally:
            for wrapper in reversed(wrappers):
                wrapper.__exit__(None, None, None)
            _current.reset(token)
