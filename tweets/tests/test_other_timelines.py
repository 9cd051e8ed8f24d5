"""A user's tweets, mentions, explore and thread context (trending: search/tests)."""

import pytest

from accounts.models import Privacy
from accounts.tests.factories import user_create
from social.services import block_create
from tweets.models import Tweet
from tweets.selectors import (
    tweet_context,
    tweets_by_hashtag,
    tweets_mentioning,
    tweets_of_user,
    tweets_recent,
)
from tweets.services import retweet_create
from tweets.tests.factories import post

pytestmark = pytest.mark.django_db


def _ids(page) -> list[int]:
    return [tweet.pk for tweet in page.items]


def test_user_timeline_leaves_out_replies_unless_asked(anonymous):
    author, other = user_create(), user_create()
    parent = post(other, "parent")
    tweet = post(author, "own")
    reply = post(author, "a reply", reply_to_id=parent.pk)
    retweet_create(user=author, tweet_id=parent.pk)
    retweet = Tweet.objects.get(user=author, original_tweet=parent, content="")

    assert _ids(tweets_of_user(viewer=anonymous, user=author)) == [retweet.pk, tweet.pk]
    with_replies = tweets_of_user(viewer=anonymous, user=author, include_replies=True)
    assert _ids(with_replies) == [retweet.pk, reply.pk, tweet.pk]


def test_mentions_list_visible_tweets_naming_the_user(anonymous):
    named, public, protected = (
        user_create(username="named"),
        user_create(),
        user_create(privacy=Privacy.PROTECTED),
    )
    seen = post(public, "hi @named")
    post(protected, "psst @named")
    post(public, "no mention here")

    assert _ids(tweets_mentioning(viewer=anonymous, user=named)) == [seen.pk]


def test_explore_shows_the_newest_tweets_anyone_may_see_and_pages(anonymous):
    public, private = user_create(), user_create(privacy=Privacy.PRIVATE)
    tweets = [post(public, f"t{n}") for n in range(5)]
    post(private, "secret")

    first = tweets_recent(viewer=anonymous, limit=3)
    rest = tweets_recent(viewer=anonymous, cursor=first.next_cursor, limit=3)

    assert _ids(first) + _ids(rest) == [t.pk for t in reversed(tweets)]
    assert rest.next_cursor is None


def test_hashtag_with_a_nul_byte_is_an_empty_page_not_a_database_error(anonymous):
    assert tweets_by_hashtag(viewer=anonymous, tag="bad\x00tag").items == []


def test_context_gives_visible_ancestors_oldest_first_and_replies(anonymous):
    alice, bob, hidden_author = user_create(), user_create(), user_create()
    root = post(alice, "root")
    middle = post(bob, "middle", reply_to_id=root.pk)
    leaf = post(alice, "leaf", reply_to_id=middle.pk)
    answer = post(bob, "answer", reply_to_id=leaf.pk)

    thread = tweet_context(viewer=anonymous, tweet_id=leaf.pk)

    assert [t.pk for t in thread.ancestors] == [root.pk, middle.pk]
    assert thread.tweet.pk == leaf.pk
    assert _ids(thread.replies) == [answer.pk]

    block_create(blocker=bob, blocked=hidden_author)
    thread = tweet_context(viewer=hidden_author, tweet_id=leaf.pk)
    assert [t.pk for t in thread.ancestors] == [root.pk]  # bob's tweet is not shown
    assert _ids(thread.replies) == []


def test_context_of_a_tweet_the_viewer_may_not_see_raises(anonymous):
    secret = post(user_create(privacy=Privacy.PROTECTED), "secret")
    with pytest.raises(Tweet.DoesNotExist):
        tweet_context(viewer=anonymous, tweet_id=secret.pk)
