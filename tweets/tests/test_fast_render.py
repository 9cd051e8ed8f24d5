"""The hand-written tweet rendering (issue 17) says exactly what DRF's field machinery says.

`TweetSerializer.to_representation` builds the dict by hand; `drf_representation` is DRF's
generic field-by-field rendering of the same declared fields. Every kind of tweet, seen by
every kind of viewer, must come out identical, key order included.
"""

import pytest
from django.test import RequestFactory

from accounts.services import user_images_set
from accounts.tests.factories import user_create
from media.services import upload_create
from media.tests.images import png, upload
from social.services import block_create, follow_create, privacy_set
from tweets.api.serializers import (
    EmbeddedTweetSerializer,
    ReplySerializer,
    TweetSerializer,
    tweet_context,
)
from tweets.models import Tweet
from tweets.selectors import tweet_cards
from tweets.services import bookmark_create, like_create, retweet_create
from tweets.tests.factories import post

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    author = user_create(username="author", display_name="Ünïcode Author", verified=True)
    friend = user_create(username="friend")
    reader = user_create(username="reader")
    blocker = user_create(username="blocker")
    block_create(blocker=blocker, blocked=reader)
    follow_create(follower=reader, followee=author)
    image = upload_create(owner=author, file=upload(png((40, 30)), "a.png", "image/png"))
    avatar = upload_create(owner=author, file=upload(png((64, 64)), "b.png", "image/png"))
    user_images_set(user=author, avatar_file=avatar.file)
    hidden = post(friend, "protected words")
    base = post(author, "hello @friend @blocker @nobody #Tag https://example.com/x")
    post(author, "with media", media_ids=[image.pk], sensitive=True)
    post(author, "with urls", media_urls=["https://example.com/a.png"])
    post(author, "a reply", reply_to_id=base.pk)
    post(author, "quoting", quote_of_id=base.pk)
    post(author, "quoting the unseen", quote_of_id=hidden.pk)
    # Protected after the quote: the quoted tweet is now hidden from all but the author.
    privacy_set(user=friend, privacy="protected")
    retweet_create(user=author, tweet_id=base.pk)
    like_create(user=reader, tweet_id=base.pk)
    bookmark_create(user=reader, tweet_id=base.pk)
    return {"author": author, "reader": reader, "friend": friend, "blocker": blocker}


def _request(viewer):
    request = RequestFactory().get("/api/v1/timeline/home")
    request.user = viewer
    return request


@pytest.mark.parametrize("who", ["author", "reader", "friend", "blocker"])
@pytest.mark.parametrize("serializer_class", [TweetSerializer, ReplySerializer])
def test_hand_rendering_equals_drf_rendering(world, who, serializer_class):
    viewer = world[who]
    tweets = list(
        tweet_cards(Tweet.objects.filter(user=world["author"]), viewer=viewer).order_by("id")
    )
    assert len(tweets) == 7
    context = tweet_context(_request(viewer), tweets)
    kinds = set()
    for tweet in tweets:
        fast = serializer_class(context=context).to_representation(tweet)
        reference = serializer_class(context=context).drf_representation(tweet)
        assert list(fast) == list(reference)
        assert fast == reference
        kinds.add((bool(fast["quote_of"]), bool(fast["retweet_of"]), bool(fast["media"])))
        if tweet.original_tweet is not None:
            original = tweet.original_tweet
            embedded = EmbeddedTweetSerializer(context=context)
            assert embedded.to_representation(original) == embedded.drf_representation(original)
    # A plain tweet, one with media, a quote shown and a retweet all came through.
    assert {(False, False, False), (False, False, True), (True, False, False)} <= kinds
    assert (False, True, False) in kinds


def test_a_page_of_many_renders_like_one_by_one(world):
    viewer = world["reader"]
    tweets = list(tweet_cards(Tweet.objects.all(), viewer=viewer).order_by("id"))
    context = tweet_context(_request(viewer), tweets)
    many = TweetSerializer(tweets, many=True, context=context).data
    assert many == [TweetSerializer(context=context).drf_representation(t) for t in tweets]
