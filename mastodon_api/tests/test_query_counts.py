"""No list of statuses or accounts costs a query per item: 2 items and 6 cost the same."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import user_create
from social.services import block_create, follow_create, mute_create
from tweets.services import bookmark_create, like_create, retweet_create
from tweets.tests.factories import committed, post

from .helpers import token_for

pytestmark = pytest.mark.django_db

PATHS = [
    "/api/v1/accounts/{me}/followers",
    "/api/v1/accounts/{me}/following",
    "/api/v1/accounts/search?q=fan&following=true",
    "/api/v1/statuses/{tweet}/favourited_by",
    "/api/v1/statuses/{tweet}/reblogged_by",
    "/api/v1/blocks",
    "/api/v1/mutes",
    "/api/v1/bookmarks",
    "/api/v1/favourites",
    "/api/v1/notifications",
    "/api/v2/notifications",
    "/api/v2/search?q=fan",
    "/api/v1/timelines/home",
    "/api/v1/timelines/public",
    "/api/v1/statuses/{tweet}/context",
]


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_THROTTLING = False


def _world(count: int) -> tuple[Client, dict]:
    me = user_create()
    tweet = post(me, "my status")
    for n in range(count):
        fan = user_create(username=f"fan{count}x{n}")
        committed(follow_create)(follower=fan, followee=me)
        follow_create(follower=me, followee=fan)
        committed(like_create)(user=fan, tweet_id=tweet.pk)
        committed(retweet_create)(user=fan, tweet_id=tweet.pk)
        theirs = post(fan, f"fan status {n} @{me.username}")
        post(fan, f"fan reply {n}", reply_to_id=tweet.pk)
        bookmark_create(user=me, tweet_id=theirs.pk)
        like_create(user=me, tweet_id=theirs.pk)
    others = [user_create() for _ in range(count)]
    for other in others:
        block_create(blocker=me, blocked=other)
        mute_create(muter=me, muted=other)
    client = Client(headers={"authorization": f"Bearer {token_for(me)}"})
    return client, {"me": me.pk, "tweet": tweet.pk}


def _counts(client: Client, ids: dict) -> dict[str, int]:
    counts = {}
    for path in PATHS:
        url = path.format(**ids)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.content)
        assert len(response.json()) > 0, url
        counts[path] = len(queries)
    return counts


def test_lists_cost_no_more_queries_for_6_items_than_for_2():
    small = _counts(*_world(2))
    # The second run may be cheaper (statements compiled once per process), never dearer.
    large = _counts(*_world(6))
    assert {path: count for path, count in large.items() if count > small[path]} == {}
