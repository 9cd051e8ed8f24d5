"""Fixtures shared by every app's tests."""

import pytest
from django.contrib.auth.models import AnonymousUser


@pytest.fixture
def anonymous():
    return AnonymousUser()
