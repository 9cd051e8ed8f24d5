"""Reads for accounts."""

import hashlib

from django.contrib.auth.models import AnonymousUser
from django.db import connection

from twitterclone.statements import TEXT_SENTINEL, statement

from .models import User

USER_COLUMNS = [field.attname for field in User._meta.concrete_fields]


def _by_token(stand_in) -> None:
    list(User.objects.filter(api_tokens__key_hash=TEXT_SENTINEL).values_list(*USER_COLUMNS)[:1])


def user_by_token(*, token: str) -> User | None:
    """Return the active user a bearer token belongs to, or None (unknown or suspended).

    The lookup runs on every API request: its statement is compiled once
    (twitterclone.statements) and read fresh each time, so a revoked token or a suspended
    user is refused on the very next request.
    """
    key_hash = hashlib.sha256(token.encode()).hexdigest()
    viewer = AnonymousUser()
    # On the primary, as the ORM's token reads (twitterclone.replicas.PRIMARY_ONLY_MODELS).
    lookup = statement(("accounts.user_by_token",), viewer, _by_token)
    rows = lookup.run(viewer, text=key_hash, primary=True)
    if not rows:
        return None
    user = User.from_db(connection.alias, USER_COLUMNS, rows[0])
    return user if user.is_active else None
