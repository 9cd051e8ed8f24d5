"""Trending hashtags: distinct recent authors against the day before, over public tweets only.

Trending is one list for everyone (no viewer), so it counts only what the visibility rule
shows an anonymous viewer: a protected or private account's tags never trend, not even for
its owner or approved followers, and neither do hidden tweets or suspended authors' tags.
"""

from collections import defaultdict
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Privacy
from accounts.services import user_set_active
from accounts.tests.factories import user_create
from search.selectors import hashtags_trending
from social.services import block_create, follow_create, follow_request_approve
from tweets.models import Tweet
from tweets.services import retweet_create, tweet_set_hidden
from tweets.tests.factories import post
from twitterclone.tests.api_helpers import bearer_client

pytestmark = pytest.mark.django_db

TRENDING = "/api/v1/hashtags/trending"


def _tweet_at(author, content: str, hours_ago: float) -> Tweet:
    tweet = post(author, content)
    moment = timezone.now() - timedelta(hours=hours_ago)
    Tweet.objects.filter(pk=tweet.pk).update(created_at=moment)
    return tweet


def _tags() -> list[str]:
    return [trend.tag for trend in hashtags_trending()]


def test_trending_counts_distinct_recent_authors_against_the_day_before():
    people = [user_create() for _ in range(6)]
    # #rising: 3 authors now, none before. #steady: 2 now, 4 before. #spam: one author 5 times.
    for person in people[:3]:
        _tweet_at(person, "#Rising", 1)
    for person in people[:2]:
        _tweet_at(person, "#steady", 1)
    for person in people[:4]:
        _tweet_at(person, "#steady", 10)
    for _ in range(5):
        _tweet_at(people[5], "#spam", 1)
    _tweet_at(people[0], "#ancient", 40)

    trending = hashtags_trending(hours=3, limit=10)

    assert [t.tag for t in trending] == ["rising", "steady", "spam"]
    assert (trending[0].authors, trending[0].authors_before) == (3, 0)
    assert (trending[1].authors, trending[1].authors_before) == (2, 4)


def test_trending_never_counts_protected_private_hidden_or_suspended_tweets():
    for privacy in (Privacy.PROTECTED, Privacy.PRIVATE):
        _tweet_at(user_create(privacy=privacy), "#secret", 1)
    hidden = _tweet_at(user_create(), "#secret", 1)
    Tweet.objects.filter(pk=hidden.pk).update(is_hidden=True)
    suspended = user_create()
    _tweet_at(suspended, "#secret", 1)
    user_set_active(user=suspended, active=False)

    assert hashtags_trending() == []


@pytest.mark.parametrize("privacy", [Privacy.PRIVATE, Privacy.PROTECTED])
def test_a_locked_accounts_tags_never_trend_for_anyone(privacy):
    owner = user_create(privacy=privacy)
    follower = user_create()
    follow_create(follower=follower, followee=owner)
    follow_request_approve(owner=owner, requester=follower)
    _tweet_at(owner, "#lockedtag", 1)
    _tweet_at(user_create(), "#opentag", 1)

    for viewer in (None, owner, follower, user_create()):
        client = bearer_client(user=viewer) if viewer else APIClient()
        response = client.get(TRENDING)
        assert response.status_code == 200, response.content
        assert [row["tag"] for row in response.json()["results"]] == ["opentag"]


def test_a_suspended_authors_tags_stop_trending_and_come_back_on_unsuspension():
    author = user_create()
    _tweet_at(author, "#comeback", 1)
    assert _tags() == ["comeback"]

    user_set_active(user=author, active=False)
    assert _tags() == []

    user_set_active(user=author, active=True)
    assert _tags() == ["comeback"]


def test_a_hidden_tweet_does_not_count_and_counts_again_when_unhidden():
    tweets = [_tweet_at(user_create(), "#moderated", 1) for _ in range(2)]
    tweet_set_hidden(tweet=tweets[0], hidden=True)

    [trend] = hashtags_trending()
    assert (trend.tag, trend.authors) == ("moderated", 1)

    tweet_set_hidden(tweet=tweets[0], hidden=False)
    [trend] = hashtags_trending()
    assert (trend.tag, trend.authors) == ("moderated", 2)


def test_blocks_do_not_change_the_one_list():
    author = user_create()
    blocker = user_create()
    block_create(blocker=blocker, blocked=author)
    _tweet_at(author, "#everyone", 1)

    response = bearer_client(user=blocker).get(TRENDING)
    assert [row["tag"] for row in response.json()["results"]] == ["everyone"]


def test_the_counts_are_those_of_the_tweets_the_rule_shows_an_anonymous_viewer():
    public = [user_create() for _ in range(3)]
    locked = [user_create(privacy=Privacy.PROTECTED), user_create(privacy=Privacy.PRIVATE)]
    suspended = user_create()
    for hours, author in enumerate([*public, *locked, suspended, public[0]], start=1):
        _tweet_at(author, "#alpha #beta", hours)
        _tweet_at(author, "#beta", hours + 5)
    post(locked[0], "#delta")
    quote = post(public[1], "#gamma", quote_of_id=post(public[0], "#delta").pk)
    retweet_create(user=public[2], tweet_id=quote.pk)
    Tweet.objects.filter(pk=public[2].tweets.latest("created_at").pk).update(is_hidden=True)
    user_set_active(user=suspended, active=False)

    recent = timezone.now() - timedelta(hours=3)
    expected: dict[str, set] = defaultdict(set)
    for tweet in Tweet.objects.visible_to(AnonymousUser()):
        for tag in tweet.hashtags:
            if tweet.created_at >= recent:
                expected[tag].add(tweet.user_id)

    trending = hashtags_trending(hours=3, limit=100)
    assert {trend.tag: trend.authors for trend in trending} == {
        tag: len(authors) for tag, authors in expected.items()
    }
