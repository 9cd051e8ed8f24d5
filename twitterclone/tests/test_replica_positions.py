"""Read-your-writes positions kept in the cache (twitterclone.replicas.position_raise).

Two writes by one viewer at once (two tabs) finish in either order; the position kept must
never fall below the newer one, or a replica that replayed only the first write could serve
the viewer's next read without the second. On the tests' local-memory cache and on Redis
(production's backend), with the writes racing in threads.
"""

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from django.test import override_settings

from twitterclone.replicas import position_raise
from twitterclone.tests.test_limits import REDIS_CACHES, redis_up  # noqa: F401 (fixture)

KEY = "replicas:wal:u:test-positions"


def _raise_out_of_order() -> None:
    cache.delete(KEY)
    position_raise(KEY, 2_000, 60)
    position_raise(KEY, 1_000, 60)  # the older write's position, stored last

    assert cache.get(KEY) == 2_000


def _race() -> None:
    cache.delete(KEY)
    positions = list(range(1_000, 1_200))
    random.Random(7).shuffle(positions)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda position: position_raise(KEY, position, 60), positions))

    # Never below the newest write; racing raises may overshoot (reads go to the primary).
    assert cache.get(KEY) >= max(positions)


def test_an_older_position_stored_last_never_lowers_the_kept_one():
    _raise_out_of_order()


def test_racing_writes_keep_at_least_the_newest_position():
    _race()


@override_settings(CACHES=REDIS_CACHES)
def test_on_redis_an_older_position_stored_last_never_lowers_the_kept_one(redis_up):  # noqa: F811
    _raise_out_of_order()
    cache.delete(KEY)


@override_settings(CACHES=REDIS_CACHES)
def test_on_redis_racing_writes_keep_at_least_the_newest_position(redis_up):  # noqa: F811
    _race()
    cache.delete(KEY)


@pytest.mark.parametrize("ttl", [1, 60])
def test_a_raise_keeps_the_position_for_its_time_to_live(ttl):
    cache.delete(KEY)
    position_raise(KEY, 5, ttl)
    position_raise(KEY, 9, ttl)

    assert cache.get(KEY) == 9
