"""Tweets made through the services."""

import itertools

from accounts.models import User
from tweets.models import Tweet
from tweets.services import tweet_create

_sequence = itertools.count(1)


def post(author: User, content: str | None = None, **extra) -> Tweet:
    """Post a tweet through the service."""
    return tweet_create(author=author, content=content or f"tweet {next(_sequence)}", **extra)
