"""Test data made through the services, as the app itself makes it."""

import itertools

from accounts.models import Privacy, User
from accounts.services import user_register, user_set_active

_sequence = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


def user_create(
    *,
    username: str | None = None,
    privacy: str = Privacy.PUBLIC,
    is_staff: bool = False,
    is_active: bool = True,
    **extra,
) -> User:
    """Register a user through the service, then set privacy and status as asked."""
    from social.services import privacy_set

    number = next(_sequence)
    username = username or f"user{number}"
    user = user_register(
        username=username,
        email=extra.pop("email", f"{username.lower()}@example.com"),
        password=extra.pop("password", PASSWORD),
        display_name=extra.pop("display_name", f"User {number}"),
    )
    if privacy != Privacy.PUBLIC:
        privacy_set(user=user, privacy=privacy)
    if is_staff:
        # Staff is granted by superusers in the admin; there is no service for it.
        User.objects.filter(pk=user.pk).update(is_staff=True)
        user.is_staff = True
    if not is_active:
        user_set_active(user=user, active=False)
    return user
