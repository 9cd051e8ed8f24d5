"""Fixtures shared by every app's tests."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

# pytester runs small pytest sessions in tests (the collection guard's own tests).
pytest_plugins = ["pytester", "twitterclone.tests.collection_guard"]


@pytest.fixture
def anonymous():
    return AnonymousUser()


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
