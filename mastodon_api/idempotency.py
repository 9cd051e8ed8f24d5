"""Idempotency-Key for POST /api/v1/statuses: the same key twice posts one status.

Mastodon keeps a key for an hour per account. The key's status id is kept in the cache
(Redis in production: every process shares it) for IDEMPOTENCY_SECONDS; requests with the
same key are serialised by a transaction-scoped PostgreSQL advisory lock on (account, key),
so a second request waits for the first to commit and then finds its status: two
concurrent requests never both post. (The lock is held for one status's insert; a
transaction-scoped lock also works through PgBouncer's transaction pooling.)
"""

import hashlib
from contextlib import contextmanager

from django.core.cache import cache
from django.db import connection, transaction

IDEMPOTENCY_SECONDS = 3600


class Claim:
    """The key's earlier status id (`earlier`), and `remember` for a new one."""

    def __init__(self, cache_key: str | None):
        self.cache_key = cache_key
        self.earlier = cache.get(cache_key) if cache_key else None

    def remember(self, status_id: int) -> None:
        if self.cache_key:
            cache.set(self.cache_key, status_id, IDEMPOTENCY_SECONDS)


@contextmanager
def idempotency_claim(*, user_id: int, key: str | None):
    """Hold `key` of `user_id` for the block (a transaction); no key, no lock."""
    if not key:
        yield Claim(None)
        return
    digest = hashlib.sha256(f"{user_id}:{key}".encode("utf-8", "surrogatepass")).digest()
    lock_id = int.from_bytes(digest[:8], "big", signed=True)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])
        yield Claim(f"mastodon:idempotency:{user_id}:{digest.hex()}")
