"""Helpers shared by the API tests."""

from django.conf import settings
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import token_create


def bearer_client(*, token: str | None = None, user: User | None = None) -> APIClient:
    """Return a client sending `token` (or a new token of `user`) as its bearer token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token or token_create(user=user)}")
    return client


def throttle_rates(**rates: str) -> dict:
    """Return REST_FRAMEWORK with some throttle rates replaced (for override_settings)."""
    return {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
    }
