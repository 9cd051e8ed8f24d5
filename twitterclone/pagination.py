"""Keyset pagination with opaque, signed cursors: no OFFSET anywhere a list can grow.

A cursor holds the sort key of the last row served, (created_at, id), signed so a tampered
or garbage cursor is a clear ValidationError instead of a database error. Rows are ordered
newest first with the id as tie-breaker, so equal timestamps never cause duplicates or gaps.
The API binds each cursor to the list that minted it (cursor_bind): a cursor from another list
is refused too, never applied to the wrong rows.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

CURSOR_INVALID = "Invalid or expired cursor."
LIMIT_INVALID = "Limit must be between 1 and {max}."
MAX_LIMIT = 100
_SALT = "twitterclone.cursor"
_SCOPE_SALT = "twitterclone.cursor.scope"


# A row's sort key: (created_at, id), newest first.
Key = tuple[datetime, int]


@dataclass
class Page:
    items: list = field(default_factory=list)
    next_cursor: str | None = None


def cursor_encode(created_at: datetime, row_id: int) -> str:
    """Return an opaque cursor pointing just after the row with this sort key."""
    return signing.dumps([created_at.isoformat(), row_id], salt=_SALT, compress=True)


def cursor_decode(cursor: str) -> tuple[datetime, int]:
    """Return the sort key held by `cursor`; raise ValidationError if it is not ours."""
    try:
        created_at, row_id = signing.loads(cursor, salt=_SALT)
        moment = datetime.fromisoformat(created_at)
        if not isinstance(row_id, int) or isinstance(row_id, bool) or moment.tzinfo is None:
            raise ValueError
        return moment, row_id
    except (signing.BadSignature, ValueError, TypeError):
        raise ValidationError({"cursor": [CURSOR_INVALID]}) from None


def keyset_before_sql(before: Key | None, id_column: str, table: str = "") -> str:
    """Return the raw-SQL condition for rows older than `before` (params before_at, before_id)."""
    if before is None:
        return ""
    # The plain created_at bound lets the index seek; the row comparison breaks ties by id.
    return (
        f"AND {table}created_at <= %(before_at)s "
        f"AND ({table}created_at, {table}{id_column}) < (%(before_at)s, %(before_id)s)"
    )


def cursor_bind(cursor: str, *, scope: str) -> str:
    """Return `cursor` signed for one list (`scope`): every other list refuses it."""
    # The scope is in the salt, not the payload: the cursor grows by one signature only.
    return signing.Signer(salt=f"{_SCOPE_SALT}:{scope}").sign(cursor)


def cursor_unbind(cursor: str, *, scope: str) -> str:
    """Return the cursor `cursor_bind` wrapped for `scope`; raise ValidationError if it was not."""
    try:
        return signing.Signer(salt=f"{_SCOPE_SALT}:{scope}").unsign(cursor)
    except signing.BadSignature:
        raise ValidationError({"cursor": [CURSOR_INVALID]}) from None


def limit_clean(limit: int | None, *, default: int = 20) -> int:
    """Return a page size within 1..MAX_LIMIT, or raise ValidationError."""
    if limit is None:
        return default
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationError({"limit": [LIMIT_INVALID.format(max=MAX_LIMIT)]})
    return limit


def keyset_page(
    queryset: QuerySet,
    *,
    order: tuple[str, str] = ("created_at", "id"),
    cursor: str | None = None,
    limit: int = 20,
) -> Page:
    """Return one page of `queryset`, newest first by `order` (timestamp, unique id)."""
    limit = limit_clean(limit)
    time_field, id_field = order
    if cursor:
        moment, row_id = cursor_decode(cursor)
        queryset = queryset.filter(
            Q(**{f"{time_field}__lt": moment})
            | Q(**{time_field: moment, f"{id_field}__lt": row_id})
        )
    rows = list(queryset.order_by(f"-{time_field}", f"-{id_field}")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = cursor_encode(getattr(last, time_field), getattr(last, id_field))
    return Page(items=rows, next_cursor=next_cursor)
