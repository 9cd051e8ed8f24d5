"""Fixtures shared by every app's tests.

On-commit jobs (fan-out, timeline upkeep) are not run at once here: a plain django_db test
never commits, so its jobs run only where a test asks, after the service or request that
queued them (tweets.tests.factories.committed, pytest-django's
django_capture_on_commit_callbacks(execute=True)); transaction=True tests commit for real.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache

# pytester runs small pytest sessions in tests (the collection guard's own tests).
pytest_plugins = ["pytester", "twitterclone.tests.collection_guard"]


@pytest.fixture
def anonymous():
    return AnonymousUser()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Start every test with empty rate-limit counters.

    The HTML sign-up, login and compose forms count in the same per-IP and per-user limits
    as the API (twitterclone/limits.py); the test client is always 127.0.0.1, so without this
    the suite's sign-ups would add up to the register limit and fail unrelated tests.
    """
    cache.clear()
