"""Tweets made through the services, with their on-commit jobs run as after a real commit."""

import functools
import itertools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.test import TestCase

from accounts.models import User
from tweets.models import Tweet
from tweets.services import tweet_create

_sequence = itertools.count(1)
P = ParamSpec("P")
R = TypeVar("R")


def committed(service: Callable[P, R]) -> Callable[P, R]:
    """Wrap a service so its on-commit jobs run once it returns, as after a real commit.

    A plain django_db test never commits, so on-commit jobs (fan-out, timeline upkeep) would
    never run. Running them when the service's own atomic block has exited keeps production's
    order: the job sees only what the service left behind, never its transaction half-done.
    A rolled-back savepoint drops its jobs, as a rolled-back transaction would. Outside any
    transaction (transaction=True tests) Django runs each job at the real commit and the
    capture finds nothing left; inside a transaction the test opened itself the jobs still run
    when the service returns, so a test about commit order calls the service unwrapped.
    """

    @functools.wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with TestCase.captureOnCommitCallbacks(execute=True):
            return service(*args, **kwargs)

    return run


@committed
def post(author: User, content: str | None = None, **extra) -> Tweet:
    """Post a tweet through the service; its fan-out runs when the post is done."""
    return tweet_create(author=author, content=content or f"tweet {next(_sequence)}", **extra)
