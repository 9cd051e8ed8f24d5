"""Writes of live events: a row in stream_events and a NOTIFY with its ids, in one transaction.

Event ids must be monotonic in commit order, or a client that reconnects with
`Last-Event-ID: 11` would never get an event 10 that committed after 11. A sequence alone
does not give that (two transactions take 10 and 11 and commit in the other order), so a
publisher takes one transaction-scoped advisory lock before it takes its ids and holds it
until its commit: ids are handed out, committed and NOTIFY'd (PostgreSQL delivers
notifications in commit order) in one order. The lock is taken last in its transaction, so
it is held for the insert, the notify and the commit only (bench/streams.py measures it).

NOTIFY payloads carry ids only and stay under PostgreSQL's 8,000-byte limit: a batch of
events is split into payloads of at most PAYLOAD_MAX_EVENTS.
"""

import json

from django.conf import settings
from django.db import connection, transaction

from .models import StreamEvent

CHANNEL = "stream_events"
# pg_advisory_xact_lock key of the publishers' order ("STRM").
ORDER_LOCK = 0x5354524D
# [id, kind, user_id, tweet_id] is at most ~60 bytes: 100 of them stay far under 8,000.
PAYLOAD_MAX_EVENTS = 100
# Every PRUNE_EVERY ids, the publisher that takes one trims the table to STREAM_EVENTS_KEEP.
PRUNE_EVERY = 1000


def payloads_for(rows: list[tuple]) -> list[str]:
    """Return the NOTIFY payloads for (id, kind, user_id, tweet_id) rows, each < 8,000 bytes."""
    return [
        json.dumps([list(row) for row in rows[i : i + PAYLOAD_MAX_EVENTS]], separators=(",", ":"))
        for i in range(0, len(rows), PAYLOAD_MAX_EVENTS)
    ]


def events_publish(*, events: list[tuple[str, int, int | None]]) -> list[int]:
    """Write (kind, user_id, tweet_id) events and notify the listeners; return their ids.

    Call it last in a transaction (or on its own): the order lock is held until the commit.
    On its own, its transaction commits without waiting for the WAL flush
    (synchronous_commit off): the lock is then held for microseconds, not a disk flush
    (bench/stream_publish.py). A crash can lose the last events, never reorder them:
    sequence values are logged ahead, so an id is never handed out twice, and clients
    that saw a lost id replay from it as from any other.
    """
    if not events:
        return []
    own_transaction = not connection.in_atomic_block
    with transaction.atomic():
        return _publish(events, own_transaction=own_transaction)


def _publish(events: list[tuple], *, own_transaction: bool) -> list[int]:
    table = StreamEvent._meta.db_table
    values = ", ".join(["(%s, %s, %s, now())"] * len(events))
    with connection.cursor() as cursor:
        if own_transaction:
            cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ORDER_LOCK])
        cursor.execute(
            f"INSERT INTO {table} (kind, user_id, tweet_id, created_at) VALUES {values} "
            "RETURNING id, kind, user_id, tweet_id",
            [value for event in events for value in event],
        )
        rows = sorted(cursor.fetchall())
        for payload in payloads_for(rows):
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, payload])
        if any(row[0] % PRUNE_EVERY == 0 for row in rows):
            cursor.execute(
                f"DELETE FROM {table} WHERE id <= %s", [rows[-1][0] - settings.STREAM_EVENTS_KEEP]
            )
    return [row[0] for row in rows]


def events_publish_on_commit(*, events: list[tuple[str, int, int | None]]) -> None:
    """Publish `events` after the current transaction commits (nothing if it rolls back).

    Robust: the write has committed, so a publish that fails (database gone) is logged by
    Django and never turns the write into an error; live clients catch up or reload.
    """
    transaction.on_commit(lambda: events_publish(events=events), robust=True)
