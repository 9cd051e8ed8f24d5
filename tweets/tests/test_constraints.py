"""The database itself refuses bad rows, whatever code writes them (services are bypassed)."""

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.models import User
from accounts.tests.factories import user_create
from social.models import UserFollowers, UserFollows
from tweets.models import Like, Tweet

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return user_create(username="alice")


@pytest.fixture
def bob():
    return user_create(username="bob")


@pytest.fixture
def tweet(alice):
    return Tweet.objects.create(user=alice, content="original")


def _sql(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


# tweets.content


def test_content_of_280_characters_is_stored(alice):
    Tweet.objects.create(user=alice, content="\N{GRINNING FACE}" * 280)
    Tweet.objects.create(user=alice, content="x" * 280)


@pytest.mark.parametrize("content", ["x" * 281, "\N{GRINNING FACE}" * 281])
def test_content_over_280_characters_is_refused(alice, content):
    with pytest.raises(IntegrityError, match="tweets_content_max_280"), transaction.atomic():
        Tweet.objects.create(user=alice, content=content)
    assert not Tweet.objects.exists()


@pytest.mark.parametrize("content", ["", " ", "\n\t  "])
def test_blank_content_is_refused_on_a_tweet(alice, content):
    with pytest.raises(IntegrityError, match="tweets_content_not_blank"), transaction.atomic():
        Tweet.objects.create(user=alice, content=content)


@pytest.mark.parametrize("content", ["", " ", "\n\t  "])
def test_blank_content_is_refused_on_a_reply(alice, tweet, content):
    with pytest.raises(IntegrityError, match="tweets_content_not_blank"), transaction.atomic():
        Tweet.objects.create(user=alice, content=content, reply_to=tweet)


def test_blank_content_is_refused_on_a_quote(bob, tweet):
    with pytest.raises(IntegrityError, match="tweets_content_not_blank"), transaction.atomic():
        Tweet.objects.create(user=bob, content="  ", original_tweet=tweet)


def test_empty_content_is_allowed_on_a_plain_retweet(bob, tweet):
    assert Tweet.objects.create(user=bob, content="", original_tweet=tweet).is_plain_retweet


# counters


@pytest.mark.parametrize("counter", ["like_count", "retweet_count", "reply_count"])
def test_negative_tweet_counters_are_refused(tweet, counter):
    with pytest.raises(IntegrityError, match="tweets_counters_non_negative"), transaction.atomic():
        Tweet.objects.filter(pk=tweet.pk).update(**{counter: -1})
    with pytest.raises(IntegrityError), transaction.atomic():
        _sql(f"UPDATE tweets SET {counter} = {counter} - 1 WHERE id = %s", [tweet.pk])
    assert getattr(Tweet.objects.get(pk=tweet.pk), counter) == 0


@pytest.mark.parametrize("counter", ["followers_count", "following_count", "tweets_count"])
def test_negative_user_counters_are_refused(alice, counter):
    with pytest.raises(IntegrityError, match="users_counters_non_negative"), transaction.atomic():
        User.objects.filter(pk=alice.pk).update(**{counter: -1})


# users


@pytest.mark.parametrize("privacy", ["secret", "", "PUBLIC", "friends"])
def test_bad_privacy_value_is_refused(alice, privacy):
    with pytest.raises(IntegrityError, match="users_privacy_valid"), transaction.atomic():
        User.objects.filter(pk=alice.pk).update(privacy=privacy)
    with pytest.raises(IntegrityError), transaction.atomic():
        _sql("UPDATE users SET privacy = %s WHERE id = %s", [privacy, alice.pk])
    assert User.objects.get(pk=alice.pk).privacy == "public"


@pytest.mark.parametrize("username", ["", "has space", "has-hyphen", "alicé", "bob\n"])
def test_bad_username_format_is_refused(alice, username):
    with pytest.raises(IntegrityError, match="users_username_format"), transaction.atomic():
        User.objects.filter(pk=alice.pk).update(username=username)


def test_usernames_and_emails_are_unique_ignoring_case(alice):
    with pytest.raises(IntegrityError, match="idx_users_username_lower"), transaction.atomic():
        User.objects.create(username="ALICE", email="other@example.com")
    with pytest.raises(IntegrityError, match="idx_users_email_lower"), transaction.atomic():
        User.objects.create(username="other", email="ALICE@EXAMPLE.COM")


# follow graph


def test_self_follow_is_refused_in_user_follows(alice):
    with pytest.raises(IntegrityError, match="user_follows_no_self_follow"), transaction.atomic():
        UserFollows.objects.create(follower=alice, following=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        _sql(
            "INSERT INTO user_follows (follower_id, following_id, created_at) "
            "VALUES (%s, %s, now())",
            [alice.pk, alice.pk],
        )
    assert not UserFollows.objects.exists()


def test_self_follow_is_refused_in_user_followers(alice):
    with pytest.raises(IntegrityError, match="user_followers_no_self_follow"), transaction.atomic():
        UserFollowers.objects.create(user=alice, follower=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        _sql(
            "INSERT INTO user_followers (user_id, follower_id, created_at) VALUES (%s, %s, now())",
            [alice.pk, alice.pk],
        )
    assert not UserFollowers.objects.exists()


def test_duplicate_follow_rows_are_refused(alice, bob):
    UserFollows.objects.create(follower=alice, following=bob)
    UserFollowers.objects.create(user=bob, follower=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFollows.objects.create(follower=alice, following=bob)
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFollowers.objects.create(user=bob, follower=alice)


# likes


def test_duplicate_like_is_refused(bob, tweet):
    Like.objects.create(user=bob, tweet=tweet)
    with pytest.raises(IntegrityError), transaction.atomic():
        Like.objects.create(user=bob, tweet=tweet)
    with pytest.raises(IntegrityError), transaction.atomic():
        _sql(
            "INSERT INTO likes (user_id, tweet_id, created_at) VALUES (%s, %s, now())",
            [bob.pk, tweet.pk],
        )
    assert Like.objects.count() == 1


# retweets


def test_second_plain_retweet_of_the_same_original_is_refused(bob, tweet):
    Tweet.objects.create(user=bob, content="", original_tweet=tweet)
    with pytest.raises(IntegrityError, match="uniq_tweets_plain_retweet"), transaction.atomic():
        Tweet.objects.create(user=bob, content="", original_tweet=tweet)
    assert Tweet.objects.filter(user=bob).count() == 1


def test_quotes_of_the_same_original_are_not_limited(bob, tweet):
    Tweet.objects.create(user=bob, content="", original_tweet=tweet)
    Tweet.objects.create(user=bob, content="first quote", original_tweet=tweet)
    Tweet.objects.create(user=bob, content="second quote", original_tweet=tweet)
    Tweet.objects.create(user=bob, content="first quote", original_tweet=tweet)
    assert Tweet.objects.filter(user=bob, original_tweet=tweet).count() == 4


def test_different_users_may_each_retweet_once(alice, bob, tweet):
    Tweet.objects.create(user=alice, content="", original_tweet=tweet)
    Tweet.objects.create(user=bob, content="", original_tweet=tweet)
    assert Tweet.objects.filter(original_tweet=tweet).count() == 2


# media


def test_four_media_urls_are_stored(alice):
    urls = [f"https://example.com/{n}.png" for n in range(4)]
    assert Tweet.objects.create(user=alice, content="pics", media_urls=urls).media_urls == urls


def test_more_than_four_media_urls_are_refused(alice, tweet):
    urls = [f"https://example.com/{n}.png" for n in range(5)]
    with pytest.raises(IntegrityError, match="tweets_media_urls_max_4"), transaction.atomic():
        Tweet.objects.create(user=alice, content="pics", media_urls=urls)
    with pytest.raises(IntegrityError), transaction.atomic():
        Tweet.objects.filter(pk=tweet.pk).update(media_urls=urls)
    assert Tweet.objects.get(pk=tweet.pk).media_urls == []
