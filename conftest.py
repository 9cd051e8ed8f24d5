"""Fixtures shared by every app's tests."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import transaction

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


@pytest.fixture(autouse=True)
def on_commit_runs_at_once(request, monkeypatch):
    """Run on-commit jobs (fan-out, timeline upkeep) at once in tests that never commit.

    A plain django_db test lives inside one transaction that is rolled back, so on-commit
    callbacks would never fire; the jobs then run where they are queued, inside the service's
    transaction. Tests marked transaction=True commit for real and keep Django's behaviour.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None or marker.kwargs.get("transaction"):
        return

    def run_now(func, using=None, robust=False):
        func()

    monkeypatch.setattr(transaction, "on_commit", run_now)
