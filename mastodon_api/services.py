"""Writes only Mastodon's API makes: the clients' read markers."""

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from notifications.services import notifications_mark_read

from .models import Marker, Timeline


@transaction.atomic
def marker_set(*, user: User, timeline: str, last_read_id: int) -> Marker:
    """Move `user`'s marker of `timeline` to `last_read_id` and count the write (`version`).

    The notifications marker is the project's read marker (notifications_mark_read: one of the
    user's notifications, never backwards); the home marker is wherever the client says.
    """
    if timeline == Timeline.NOTIFICATIONS:
        last_read_id = notifications_mark_read(user=user, up_to_id=last_read_id)
    # One upsert: concurrent writes each count once.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Marker._meta.db_table} "
            "(user_id, timeline, last_read_id, version, updated_at) VALUES (%s, %s, %s, 1, %s) "
            "ON CONFLICT (user_id, timeline) DO UPDATE SET "
            "last_read_id = EXCLUDED.last_read_id, updated_at = EXCLUDED.updated_at, "
            f"version = {Marker._meta.db_table}.version + 1 "
            "RETURNING last_read_id, version, updated_at",
            [user.pk, timeline, last_read_id, timezone.now()],
        )
        read, version, updated_at = cursor.fetchone()
    return Marker(
        user_id=user.pk,
        timeline=timeline,
        last_read_id=read,
        version=version,
        updated_at=updated_at,
    )
