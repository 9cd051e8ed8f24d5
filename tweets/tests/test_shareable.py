"""Retweeting and quoting: the service and the action bar ask the same rule (tweet_shareable)."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import Privacy
from accounts.tests.factories import user_create
from social.services import follow_create, follow_request_approve
from tweets.services import retweet_create
from tweets.tests.factories import post
from tweets.visibility import tweet_shareable

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("privacy", [Privacy.PUBLIC, Privacy.PROTECTED, Privacy.PRIVATE])
def test_the_retweet_button_shows_exactly_when_the_service_would_retweet(privacy):
    author = user_create(username="author", privacy=privacy)
    follower = user_create(username="follower")
    follow_create(follower=follower, followee=author)
    follow_request_approve(owner=author, requester=follower)
    tweet = post(author, "share me?")
    client = Client()
    client.force_login(follower)

    page = client.get(reverse("tweet_detail", args=["author", tweet.pk])).content.decode()
    try:
        retweet_create(user=follower, tweet_id=tweet.pk)
        retweeted = True
    except ValidationError:
        retweeted = False

    assert tweet_shareable(tweet=tweet) is (privacy == Privacy.PUBLIC)
    assert (f'action="{reverse("retweet", args=[tweet.pk])}"' in page) is retweeted
    assert retweeted is (privacy == Privacy.PUBLIC)
