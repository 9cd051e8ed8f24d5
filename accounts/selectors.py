"""Reads for accounts."""

import hashlib

from .models import ApiToken, User


def user_by_token(*, token: str) -> User | None:
    """Return the active user a bearer token belongs to, or None (unknown or suspended)."""
    key_hash = hashlib.sha256(token.encode()).hexdigest()
    row = ApiToken.objects.select_related("user").filter(key_hash=key_hash).first()
    if row is None or not row.user.is_active:
        return None
    return row.user
