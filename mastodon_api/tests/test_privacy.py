"""The privacy oracle (twitterclone/tests/privacy_table.py) over the Mastodon endpoints.

The same world as the JSON API's privacy suite (test_api_privacy._world, engaged): each viewer
kind asks every Mastodon endpoint that returns statuses or accounts, directly and through a
bystander, and no answer may carry the owner's TWEET_MARK (or CARD_MARK) unless the table says
the viewer may see it. The positive side is checked too, so the test can fail both ways.
"""

import pytest
from django.test import Client

from twitterclone.tests.privacy_table import (
    ANONYMOUS,
    CARD_MARK,
    PRIVACIES,
    SHARED_TAG,
    TWEET_MARK,
    VIEWERS,
    may_see_card,
    may_see_tweets,
)
from twitterclone.tests.test_api_privacy import _world

from .helpers import token_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_THROTTLING = False


@pytest.mark.parametrize("privacy", PRIVACIES)
def test_no_mastodon_endpoint_leaks_the_owners_statuses_or_card(privacy):
    world = _world(privacy, engaged=True)
    owner, bystander, tweets = world.owner, world.bystander, world.tweets
    paths = [
        f"/api/v1/accounts/{owner.pk}",
        f"/api/v1/accounts/{owner.pk}/statuses?limit=40",
        f"/api/v1/accounts/{bystander.pk}/statuses?limit=40",
        "/api/v1/accounts/lookup?acct=owner",
        "/api/v1/timelines/public?limit=40",
        f"/api/v1/timelines/tag/{SHARED_TAG}?limit=40",
        *(f"/api/v1/statuses/{tweet.pk}" for tweet in tweets.values()),
        *(f"/api/v1/statuses/{tweet.pk}/context" for tweet in tweets.values()),
    ]
    signed_in = ["/api/v1/timelines/home?limit=40", "/api/v1/notifications?limit=40"]
    for kind in VIEWERS:
        user = world.viewers[kind]
        headers = {} if kind == ANONYMOUS else {"authorization": f"Bearer {token_for(user)}"}
        client = Client(headers=headers)
        answers = {}
        for path in paths + ([] if kind == ANONYMOUS else signed_in):
            response = client.get(path)
            assert response.status_code in (200, 404), (kind, path, response.status_code)
            answers[path] = response.content.decode()
        everything = "".join(answers.values())
        if may_see_tweets(kind, privacy):
            assert TWEET_MARK in answers[f"/api/v1/accounts/{owner.pk}/statuses?limit=40"], kind
            assert TWEET_MARK in answers[f"/api/v1/statuses/{tweets['own'].pk}"], kind
        else:
            assert TWEET_MARK not in everything, (privacy, kind)
        if may_see_card(kind, privacy):
            assert CARD_MARK in answers[f"/api/v1/accounts/{owner.pk}"], (privacy, kind)
        else:
            assert CARD_MARK not in everything, (privacy, kind)


def test_a_protected_accounts_statuses_are_private_visibility_for_followers():
    world = _world("protected")
    follower = world.viewers["follower"]
    client = Client(headers={"authorization": f"Bearer {token_for(follower)}"})
    answer = client.get(f"/api/v1/statuses/{world.tweets['own'].pk}").json()
    assert answer["visibility"] == "private"
    assert answer["account"]["locked"] is True
    assert answer["quote_approval"]["current_user"] == "denied"
