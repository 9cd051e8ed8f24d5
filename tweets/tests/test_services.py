"""Posting, deleting, liking and retweeting, through tweets.services."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Privacy, User
from accounts.services import user_set_active
from accounts.tests.factories import user_create
from social.services import block_create, follow_create, follow_request_approve, privacy_set
from tweets.models import Like, Tweet
from tweets.services import (
    CONTENT_REQUIRED,
    CONTENT_TOO_LONG,
    DELETE_FORBIDDEN,
    MEDIA_TOO_MANY,
    MEDIA_URL_INVALID,
    NOT_RETWEETABLE,
    QUOTE_UNAVAILABLE,
    REPLY_TO_UNAVAILABLE,
    Counts,
    like_create,
    like_delete,
    retweet_create,
    retweet_delete,
    tweet_counters_rebuild,
    tweet_create,
    tweet_delete,
)
from tweets.tests.factories import post
from twitterclone.validators import NUL_BYTE

pytestmark = pytest.mark.django_db


def _counters() -> dict:
    """Return every tweet and user counter, to prove a refused write moved none of them."""
    return {
        "tweets": list(
            Tweet.objects.order_by("pk").values_list(
                "pk", "like_count", "retweet_count", "reply_count"
            )
        ),
        "users": list(User.objects.order_by("pk").values_list("pk", "tweets_count")),
        "likes": Like.objects.count(),
    }


def _assert_counters_match_rows() -> None:
    assert tweet_counters_rebuild(dry_run=True) == {
        "users.tweets_count": 0,
        "tweets.like_count": 0,
        "tweets.retweet_count": 0,
        "tweets.reply_count": 0,
    }


def _tweets_count(user: User) -> int:
    return User.objects.values_list("tweets_count", flat=True).get(pk=user.pk)


def _fresh(tweet: Tweet) -> Tweet:
    return Tweet.objects.get(pk=tweet.pk)


@pytest.fixture
def author():
    return user_create(username="author")


@pytest.fixture
def reader():
    return user_create(username="reader")


@pytest.fixture
def protected_author():
    return user_create(username="guarded", privacy=Privacy.PROTECTED)


# tweet_create


def test_create_stores_the_tweet_and_bumps_the_authors_count(author):
    tweet = tweet_create(
        author=author, content="Hello world", media_urls=["https://img.example.com/1.png"]
    )

    stored = _fresh(tweet)
    assert stored.user_id == author.pk
    assert stored.content == "Hello world"
    assert stored.media_urls == ["https://img.example.com/1.png"]
    assert stored.reply_to_id is None and stored.original_tweet_id is None
    assert (stored.like_count, stored.retweet_count, stored.reply_count) == (0, 0, 0)
    assert _tweets_count(author) == 1
    post(author)
    assert _tweets_count(author) == 2


def test_create_stores_distinct_lower_cased_hashtags(author):
    tweet = tweet_create(
        author=author, content="#Django and #django, #DJANGO #Python_3 #café a#b ##x mail#tag"
    )
    assert _fresh(tweet).hashtags == ["django", "python_3", "café"]


def test_create_resolves_mentions_of_existing_users_only(author):
    alice = user_create(username="Alice")
    bob = user_create(username="bob_b")
    tweet = tweet_create(
        author=author,
        content="@alice @ALICE hi @Bob_B, @nobody and mail alice@example.com or x@bob_b",
    )
    assert _fresh(tweet).mentions == [alice.pk, bob.pk]


def test_a_word_longer_than_a_tag_or_username_is_neither_not_a_truncated_one(author):
    user_create(username="x" * 50)
    content = f"#{'t' * 101} @{'x' * 51} #{'k' * 100}"
    stored = _fresh(tweet_create(author=author, content=content))
    assert (stored.hashtags, stored.mentions) == (["k" * 100], [])


def test_an_address_after_at_sign_is_not_a_mention(author):
    user_create(username="bob")
    stored = _fresh(tweet_create(author=author, content="write to @bob@example.com"))
    assert stored.mentions == []


def test_create_without_tags_or_mentions_stores_empty_lists(author):
    stored = _fresh(tweet_create(author=author, content="plain words, a@b.com"))
    assert (stored.hashtags, stored.mentions) == ([], [])


def test_create_accepts_280_characters_of_emoji(author):
    content = "\N{GRINNING FACE}" * 280
    assert len(content.encode()) == 1120
    assert _fresh(tweet_create(author=author, content=content)).content == content


def test_create_accepts_four_media_urls(author):
    urls = [f"https://img.example.com/{n}.png" for n in range(4)]
    assert _fresh(tweet_create(author=author, content="pics", media_urls=urls)).media_urls == urls


def test_reply_bumps_the_parents_reply_count(author, reader):
    parent = post(author)
    reply = tweet_create(author=reader, content="@author agreed", reply_to_id=parent.pk)

    assert _fresh(reply).reply_to_id == parent.pk
    assert _fresh(parent).reply_count == 1
    assert _tweets_count(reader) == 1
    _assert_counters_match_rows()


def test_reply_to_a_plain_retweet_replies_to_its_original(author, reader):
    original = post(author)
    retweet_create(user=reader, tweet_id=original.pk)
    plain_retweet = Tweet.objects.get(user=reader, original_tweet=original)

    reply = tweet_create(author=author, content="thanks", reply_to_id=plain_retweet.pk)

    assert _fresh(reply).reply_to_id == original.pk
    assert _fresh(original).reply_count == 1
    assert _fresh(plain_retweet).reply_count == 0
    _assert_counters_match_rows()


def test_follower_may_reply_to_a_protected_tweet(protected_author, reader):
    follow_create(follower=reader, followee=protected_author)
    follow_request_approve(owner=protected_author, requester=reader)
    parent = post(protected_author)

    tweet_create(author=reader, content="replying", reply_to_id=parent.pk)

    assert _fresh(parent).reply_count == 1


def test_quote_stores_the_original_and_does_not_count_as_a_retweet(author, reader):
    original = post(author)
    quote = tweet_create(author=reader, content="look at this", quote_of_id=original.pk)

    stored = _fresh(quote)
    assert stored.original_tweet_id == original.pk
    assert stored.is_quote and not stored.is_plain_retweet
    assert _fresh(original).retweet_count == 0
    assert _tweets_count(reader) == 1
    _assert_counters_match_rows()


def test_quoting_a_plain_retweet_quotes_its_original(author, reader):
    original = post(author)
    retweet_create(user=reader, tweet_id=original.pk)
    plain_retweet = Tweet.objects.get(user=reader, original_tweet=original)

    quote = tweet_create(author=reader, content="quoting", quote_of_id=plain_retweet.pk)

    assert _fresh(quote).original_tweet_id == original.pk


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"content": ""}, {"content": [CONTENT_REQUIRED]}),
        ({"content": "   \n\t "}, {"content": [CONTENT_REQUIRED]}),
        ({"content": "\u00a0\u3000"}, {"content": [CONTENT_REQUIRED]}),
        ({"content": "x" * 281}, {"content": [CONTENT_TOO_LONG]}),
        ({"content": "\N{GRINNING FACE}" * 281}, {"content": [CONTENT_TOO_LONG]}),
        ({"content": "nul \x00 byte"}, {"content": [NUL_BYTE]}),
        ({"media_urls": ["https://example.com/a\x00.png"]}, {"media_urls": [NUL_BYTE]}),
        (
            {"media_urls": [f"https://example.com/{n}.png" for n in range(5)]},
            {"media_urls": [MEDIA_TOO_MANY]},
        ),
        ({"media_urls": ["ftp://example.com/a.png"]}, {"media_urls": [MEDIA_URL_INVALID]}),
        ({"media_urls": ["javascript:alert(1)"]}, {"media_urls": [MEDIA_URL_INVALID]}),
        ({"media_urls": ["not a url"]}, {"media_urls": [MEDIA_URL_INVALID]}),
        (
            {"media_urls": ["https://example.com/" + "a" * 1981]},
            {"media_urls": [MEDIA_URL_INVALID]},
        ),
        ({"reply_to_id": 0}, {"reply_to_id": [REPLY_TO_UNAVAILABLE]}),
        ({"quote_of_id": 0}, {"quote_of_id": [QUOTE_UNAVAILABLE]}),
    ],
    ids=[
        "empty",
        "whitespace",
        "unicode-whitespace",
        "281-chars",
        "281-emoji",
        "nul-content",
        "nul-media-url",
        "5-media-urls",
        "ftp-media-url",
        "javascript-media-url",
        "not-a-url",
        "media-url-2001-chars",
        "reply-to-missing",
        "quote-of-missing",
    ],
)
def test_create_rejects_bad_input_and_writes_nothing(author, changes, expected):
    post(author)
    before = _counters()

    with pytest.raises(ValidationError) as caught:
        tweet_create(author=author, **{"content": "fine", **changes})

    assert caught.value.message_dict == expected
    assert _counters() == before


def test_create_reports_every_bad_field_at_once(author):
    with pytest.raises(ValidationError) as caught:
        tweet_create(author=author, content="", media_urls=["ftp://x"], reply_to_id=0)
    assert caught.value.message_dict.keys() == {"content", "media_urls", "reply_to_id"}
    assert Tweet.objects.count() == 0


def _assert_refused(author: User, expected: dict, **arguments) -> None:
    before = _counters()
    with pytest.raises(ValidationError) as caught:
        tweet_create(author=author, content="hi", **arguments)
    assert caught.value.message_dict == expected
    assert _counters() == before


def test_cannot_reply_to_a_protected_tweet_without_following(protected_author, reader):
    parent = post(protected_author)
    _assert_refused(reader, {"reply_to_id": [REPLY_TO_UNAVAILABLE]}, reply_to_id=parent.pk)


def test_cannot_reply_to_a_tweet_whose_author_blocked_you(author, reader):
    parent = post(author)
    block_create(blocker=author, blocked=reader)
    _assert_refused(reader, {"reply_to_id": [REPLY_TO_UNAVAILABLE]}, reply_to_id=parent.pk)


def test_cannot_reply_to_a_tweet_of_someone_you_blocked(author, reader):
    parent = post(author)
    block_create(blocker=reader, blocked=author)
    _assert_refused(reader, {"reply_to_id": [REPLY_TO_UNAVAILABLE]}, reply_to_id=parent.pk)


def test_cannot_reply_to_a_suspended_users_tweet(author, reader):
    parent = post(author)
    user_set_active(user=author, active=False)
    _assert_refused(reader, {"reply_to_id": [REPLY_TO_UNAVAILABLE]}, reply_to_id=parent.pk)


def test_non_follower_cannot_quote_a_protected_tweet(protected_author, reader):
    original = post(protected_author)
    _assert_refused(reader, {"quote_of_id": [QUOTE_UNAVAILABLE]}, quote_of_id=original.pk)


def test_follower_cannot_quote_or_retweet_a_protected_tweet(protected_author, reader):
    follow_create(follower=reader, followee=protected_author)
    follow_request_approve(owner=protected_author, requester=reader)
    original = post(protected_author)

    _assert_refused(reader, {"quote_of_id": [NOT_RETWEETABLE]}, quote_of_id=original.pk)

    before = _counters()
    with pytest.raises(ValidationError) as caught:
        retweet_create(user=reader, tweet_id=original.pk)
    assert caught.value.message_dict == {"tweet": [NOT_RETWEETABLE]}
    assert _counters() == before


def test_owner_cannot_retweet_own_protected_tweet(protected_author):
    original = post(protected_author)
    with pytest.raises(ValidationError) as caught:
        retweet_create(user=protected_author, tweet_id=original.pk)
    assert caught.value.message_dict == {"tweet": [NOT_RETWEETABLE]}


def test_non_follower_cannot_retweet_a_protected_tweet(protected_author, reader):
    original = post(protected_author)
    with pytest.raises(Tweet.DoesNotExist):
        retweet_create(user=reader, tweet_id=original.pk)
    assert _fresh(original).retweet_count == 0


def test_cannot_quote_a_tweet_that_became_protected(author, reader):
    original = post(author)
    retweet_create(user=reader, tweet_id=original.pk)
    privacy_set(user=author, privacy=Privacy.PROTECTED)
    _assert_refused(reader, {"quote_of_id": [QUOTE_UNAVAILABLE]}, quote_of_id=original.pk)


# tweet_delete


def test_delete_moves_the_authors_count_and_the_parents_reply_count(author, reader):
    parent = post(author)
    reply = tweet_create(author=reader, content="reply", reply_to_id=parent.pk)

    tweet_delete(tweet=reply, actor=reader)

    assert not Tweet.objects.filter(pk=reply.pk).exists()
    assert _fresh(parent).reply_count == 0
    assert _tweets_count(reader) == 0
    _assert_counters_match_rows()


def test_delete_takes_plain_retweets_and_likes_but_keeps_quotes_and_replies(author, reader):
    other = user_create(username="other")
    original = post(author)
    retweet_create(user=reader, tweet_id=original.pk)
    retweet_create(user=other, tweet_id=original.pk)
    quote = tweet_create(author=reader, content="quote", quote_of_id=original.pk)
    reply = tweet_create(author=other, content="reply", reply_to_id=original.pk)
    like_create(user=reader, tweet_id=original.pk)
    assert (_tweets_count(reader), _tweets_count(other)) == (2, 2)

    tweet_delete(tweet=original, actor=author)

    assert not Tweet.objects.filter(pk=original.pk).exists()
    assert not Tweet.objects.filter(content="", original_tweet__isnull=False).exists()
    assert Tweet.objects.filter(pk=quote.pk, original_tweet__isnull=True).exists()
    assert Tweet.objects.filter(pk=reply.pk, reply_to__isnull=True).exists()
    assert Like.objects.count() == 0
    assert (_tweets_count(author), _tweets_count(reader), _tweets_count(other)) == (0, 1, 1)
    _assert_counters_match_rows()


def test_deleting_a_plain_retweet_moves_the_originals_retweet_count(author, reader):
    original = post(author)
    retweet_create(user=reader, tweet_id=original.pk)
    plain_retweet = Tweet.objects.get(user=reader, original_tweet=original)

    tweet_delete(tweet=plain_retweet, actor=reader)

    assert _fresh(original).retweet_count == 0
    assert _tweets_count(reader) == 0
    _assert_counters_match_rows()


def test_deleting_a_quote_leaves_the_originals_retweet_count(author, reader):
    original = post(author)
    retweet_create(user=reader, tweet_id=original.pk)
    quote = tweet_create(author=reader, content="quote", quote_of_id=original.pk)

    tweet_delete(tweet=quote, actor=reader)

    assert _fresh(original).retweet_count == 1
    _assert_counters_match_rows()


def test_staff_may_delete_anyones_tweet(author):
    staff = user_create(username="moderator", is_staff=True)
    tweet = post(author)
    tweet_delete(tweet=tweet, actor=staff)
    assert not Tweet.objects.filter(pk=tweet.pk).exists()
    assert _tweets_count(author) == 0


def test_only_the_author_or_staff_may_delete(author, reader):
    tweet = post(author)
    retweet_create(user=reader, tweet_id=tweet.pk)
    before = _counters()

    with pytest.raises(PermissionDenied) as caught:
        tweet_delete(tweet=tweet, actor=reader)

    assert str(caught.value) == DELETE_FORBIDDEN
    assert _counters() == before
    assert Tweet.objects.count() == 2


# likes


def test_like_is_idempotent_and_returns_the_counts(author, reader):
    tweet = post(author)

    assert like_create(user=reader, tweet_id=tweet.pk) == Counts(1, 0, 0)
    assert like_create(user=reader, tweet_id=tweet.pk) == Counts(1, 0, 0)
    assert Like.objects.filter(user=reader, tweet=tweet).count() == 1
    assert like_create(user=author, tweet_id=tweet.pk) == Counts(2, 0, 0)

    assert like_delete(user=reader, tweet_id=tweet.pk) == Counts(1, 0, 0)
    assert like_delete(user=reader, tweet_id=tweet.pk) == Counts(1, 0, 0)
    assert not Like.objects.filter(user=reader).exists()
    _assert_counters_match_rows()


def test_liking_a_plain_retweet_likes_the_original(author, reader):
    original = post(author)
    retweet_create(user=reader, tweet_id=original.pk)
    plain_retweet = Tweet.objects.get(user=reader, original_tweet=original)

    assert like_create(user=author, tweet_id=plain_retweet.pk) == Counts(1, 1, 0)
    assert list(Like.objects.values_list("tweet_id", flat=True)) == [original.pk]
    assert _fresh(plain_retweet).like_count == 0

    assert like_delete(user=author, tweet_id=plain_retweet.pk) == Counts(0, 1, 0)
    assert Like.objects.count() == 0


def test_liking_a_quote_likes_the_quote(author, reader):
    original = post(author)
    quote = tweet_create(author=reader, content="quote", quote_of_id=original.pk)
    like_create(user=author, tweet_id=quote.pk)
    assert list(Like.objects.values_list("tweet_id", flat=True)) == [quote.pk]


def test_cannot_like_a_tweet_you_may_not_see(author, reader, protected_author):
    hidden_by_block = post(author)
    block_create(blocker=author, blocked=reader)
    protected = post(protected_author)
    before = _counters()

    for tweet_id in (hidden_by_block.pk, protected.pk, 0):
        with pytest.raises(Tweet.DoesNotExist):
            like_create(user=reader, tweet_id=tweet_id)
        with pytest.raises(Tweet.DoesNotExist):
            like_delete(user=reader, tweet_id=tweet_id)

    assert _counters() == before


def test_cannot_like_a_plain_retweet_of_a_tweet_you_may_not_see(author, reader):
    original = post(author)
    retweeter = user_create(username="retweeter")
    retweet_create(user=retweeter, tweet_id=original.pk)
    plain_retweet = Tweet.objects.get(user=retweeter, original_tweet=original)
    block_create(blocker=author, blocked=reader)

    with pytest.raises(Tweet.DoesNotExist):
        like_create(user=reader, tweet_id=plain_retweet.pk)
    assert Like.objects.count() == 0


# retweets


def test_retweet_is_idempotent_and_returns_the_counts(author, reader):
    tweet = post(author)

    assert retweet_create(user=reader, tweet_id=tweet.pk) == Counts(0, 1, 0)
    assert retweet_create(user=reader, tweet_id=tweet.pk) == Counts(0, 1, 0)
    plain_retweet = Tweet.objects.get(user=reader, original_tweet=tweet)
    assert plain_retweet.is_plain_retweet
    assert _tweets_count(reader) == 1

    assert retweet_delete(user=reader, tweet_id=tweet.pk) == Counts(0, 0, 0)
    assert retweet_delete(user=reader, tweet_id=tweet.pk) == Counts(0, 0, 0)
    assert not Tweet.objects.filter(user=reader).exists()
    assert _tweets_count(reader) == 0
    _assert_counters_match_rows()


def test_retweeting_a_retweet_retweets_the_original(author, reader):
    other = user_create(username="other")
    original = post(author)
    retweet_create(user=reader, tweet_id=original.pk)
    plain_retweet = Tweet.objects.get(user=reader, original_tweet=original)

    assert retweet_create(user=other, tweet_id=plain_retweet.pk) == Counts(0, 2, 0)
    assert Tweet.objects.get(user=other).original_tweet_id == original.pk
    # Retweeting the original after retweeting a retweet of it is the same retweet.
    assert retweet_create(user=other, tweet_id=original.pk) == Counts(0, 2, 0)

    assert retweet_delete(user=other, tweet_id=plain_retweet.pk) == Counts(0, 1, 0)
    assert not Tweet.objects.filter(user=other).exists()
    _assert_counters_match_rows()


def test_a_quote_does_not_stop_a_plain_retweet(author, reader):
    original = post(author)
    tweet_create(author=reader, content="quote", quote_of_id=original.pk)
    assert retweet_create(user=reader, tweet_id=original.pk) == Counts(0, 1, 0)
    assert retweet_delete(user=reader, tweet_id=original.pk) == Counts(0, 0, 0)
    assert Tweet.objects.filter(user=reader).count() == 1


def test_cannot_retweet_a_tweet_whose_author_blocked_you(author, reader):
    tweet = post(author)
    block_create(blocker=author, blocked=reader)
    with pytest.raises(Tweet.DoesNotExist):
        retweet_create(user=reader, tweet_id=tweet.pk)
    assert _fresh(tweet).retweet_count == 0
