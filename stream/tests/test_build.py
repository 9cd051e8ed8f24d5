"""Events are built per viewer through the one rule; the many-viewer statement agrees with it."""

import pytest

from accounts.models import Privacy
from accounts.tests.factories import user_create
from social.services import (
    block_create,
    follow_create,
    follow_request_approve,
    mute_create,
    muted_word_create,
)
from stream.models import StreamEvent
from stream.selectors import RawEvent, events_build
from tweets.cards import tweet_viewers, tweets_by_ids
from tweets.models import Tweet
from tweets.services import retweet_create, tweet_set_hidden
from tweets.tests.factories import committed, post

pytestmark = pytest.mark.django_db

K = StreamEvent.Kind


@pytest.fixture
def world():
    """Authors of each privacy, and viewers each in a different relation to them."""
    who = {
        "public": user_create(privacy=Privacy.PUBLIC),
        "protected": user_create(privacy=Privacy.PROTECTED),
        "staff": user_create(is_staff=True),
    }
    for name in ("follower", "stranger", "blocked", "blocker", "muter", "word_muter"):
        who[name] = user_create()
    for author in ("public", "protected"):
        follow_create(follower=who["follower"], followee=who[author])
    follow_request_approve(owner=who["protected"], requester=who["follower"])
    block_create(blocker=who["public"], blocked=who["blocked"])
    block_create(blocker=who["blocker"], blocked=who["public"])
    mute_create(muter=who["muter"], muted=who["public"])
    muted_word_create(user=who["word_muter"], phrase="secret")
    tweets = {
        "hello": post(who["public"], "hello"),
        "secret": post(who["public"], "a secret word"),
        "protected": post(who["protected"], "for followers"),
        "hidden": post(who["public"], "to be hidden"),
    }
    committed(retweet_create)(user=who["follower"], tweet_id=tweets["hello"].pk)
    tweets["retweet"] = Tweet.objects.get(
        user=who["follower"], original_tweet=tweets["hello"], content=""
    )
    tweet_set_hidden(tweet=tweets["hidden"], hidden=True)
    return tweets, who


@pytest.mark.parametrize("unmuted", [False, True])
def test_the_many_viewer_statement_agrees_with_the_rule_per_viewer(world, unmuted):
    tweets, who = world
    viewers = list(who.values())
    for tweet in tweets.values():
        expected = {
            viewer.pk
            for viewer in viewers
            if tweet.pk in tweets_by_ids(viewer=viewer, ids=[tweet.pk], unmuted=unmuted)
        }
        assert tweet_viewers(tweet_id=tweet.pk, viewers=viewers, unmuted=unmuted) == expected
        # Not trivial: each tweet is seen by some viewers and kept from others.
        assert 0 < len(expected) < len(viewers)


def _shown(built: dict) -> set[int]:
    return {pk for pk, data in built.items() if data is not None}


def test_a_tweet_event_reaches_exactly_who_may_see_it_in_a_list(world):
    tweets, who = world
    viewers = list(who.values())
    secret = tweets["secret"]
    built = events_build(event=RawEvent(1, K.TWEET, who["public"].pk, secret.pk), viewers=viewers)
    expected = {who[name].pk for name in ("public", "protected", "follower", "stranger", "staff")}
    assert _shown(built) == expected
    assert built[who["follower"].pk] == {"tweet_id": secret.pk, "author": who["public"].username}
    protected = tweets["protected"]
    event = RawEvent(2, K.TWEET, who["protected"].pk, protected.pk)
    assert _shown(events_build(event=event, viewers=viewers)) == {
        who["protected"].pk,
        who["follower"].pk,
    }


def test_counts_go_to_who_may_see_the_tweet_even_when_muted(world):
    tweets, who = world
    built = events_build(
        event=RawEvent(3, K.COUNTS, None, tweets["hello"].pk), viewers=list(who.values())
    )
    assert built[who["muter"].pk] == {
        "tweet_id": tweets["hello"].pk,
        "like_count": 0,
        "retweet_count": 1,
        "reply_count": 0,
    }
    assert built[who["blocked"].pk] is None
    assert built[who["blocker"].pk] is None
