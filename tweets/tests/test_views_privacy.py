"""DESIGN "Privacy" as a matrix over the HTML pages, like twitterclone/tests/test_api_privacy.py.

One owner per test, of each privacy; viewers: signed out, a stranger, a pending requester, an
approved follower, the owner, someone the owner blocked, someone who blocked the owner. Every
page that shows users or tweets is fetched: the owner's own pages (profile tabs, lists, a
tweet) and a bystander's (profile with a retweet and a quote of the owner, likes, lists, a
thread the owner replied in), the viewer's home, explore, a hashtag, tweet and people search.
The owner's tweets carry TWEET_MARK and their card (display name, bio) CARD_MARK, so a leak is
found wherever it hides in the page.
"""

from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Privacy, User
from accounts.services import user_set_active, user_update_profile
from accounts.tests.factories import user_create
from social.services import block_create, follow_create, privacy_set
from tweets.models import Tweet
from tweets.services import like_create, retweet_create, tweet_set_hidden
from tweets.tests.factories import post
from twitterclone.tests.privacy_table import (
    ANONYMOUS,
    BLOCKED,
    BLOCKING,
    CARD_MARK,
    FOLLOWER,
    OWNER,
    REQUESTER,
    SHARED_TAG,
    STRANGER,
    TWEET_MARK,
    VIEWERS,
    may_find,
    may_see_card,
    may_see_profile,
    may_see_tweets,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def warm_render_caches(monkeypatch, settings):
    """Fetch every page first as the owner and as a follower, then as the test's viewer.

    The render caches (the tweet cards, twitterclone/render_cache.py) are then warm with what
    those who may see the most were shown: every assertion below runs against warm caches.
    """
    settings.RENDER_CACHES = True
    fetch = Client.get
    warmers: dict[str, Client] = {}  # one signed-in client per warming user, for the test

    def warmer(username: str) -> Client | None:
        if username not in warmers:
            user = User.objects.filter(username=username).first()
            if user is None:
                return None
            warmers[username] = Client()
            warmers[username].warming = True
            warmers[username].force_login(user)
        return warmers[username]

    def get(self, path, *args, **kwargs):
        if not getattr(self, "warming", False):
            for username in ("owner", FOLLOWER):
                warm = warmer(username)
                if warm is not None:
                    fetch(warm, path, *args, **kwargs)
        return fetch(self, path, *args, **kwargs)

    monkeypatch.setattr(Client, "get", get)


@dataclass
class World:
    owner: User
    bystander: User
    viewers: dict[str, User | None]
    tweets: dict[str, Tweet]


def _world(privacy: str) -> World:
    """Build the scene while the owner is public, then set the owner's privacy."""
    owner = user_create(username="owner", display_name=f"{CARD_MARK} Owner")
    user_update_profile(user=owner, bio=f"my bio {CARD_MARK}")
    bystander = user_create(username="bystander", display_name="Bystander")
    viewers: dict[str, User | None] = {ANONYMOUS: None, OWNER: owner}
    for kind in (STRANGER, REQUESTER, FOLLOWER, BLOCKED, BLOCKING):
        viewers[kind] = user_create(username=kind, display_name=kind.title())
        follow_create(follower=viewers[kind], followee=bystander)
    follow_create(follower=bystander, followee=owner)
    follow_create(follower=owner, followee=bystander)
    follow_create(follower=viewers[FOLLOWER], followee=owner)

    by_bystander = post(bystander, f"bystander says hi #{SHARED_TAG} @owner")
    own = post(owner, f"{TWEET_MARK} one #{SHARED_TAG}")
    tweets = {
        "own": own,
        "by_bystander": by_bystander,
        "reply_to_bystander": post(owner, f"{TWEET_MARK} answering", reply_to_id=by_bystander.pk),
        "own_reply": post(owner, f"{TWEET_MARK} thread", reply_to_id=own.pk),
        "quote": post(bystander, "bystander quotes", quote_of_id=own.pk),
        "bystander_reply": post(bystander, "bystander replies", reply_to_id=own.pk),
    }
    retweet_create(user=bystander, tweet_id=own.pk)
    like_create(user=bystander, tweet_id=own.pk)
    like_create(user=owner, tweet_id=by_bystander.pk)

    if privacy != Privacy.PUBLIC:
        privacy_set(user=owner, privacy=privacy)
        follow_create(follower=viewers[REQUESTER], followee=owner)  # stays pending
    block_create(blocker=owner, blocked=viewers[BLOCKED])
    block_create(blocker=viewers[BLOCKING], blocked=owner)
    return World(owner=owner, bystander=bystander, viewers=viewers, tweets=tweets)


def _client_for(client, world: World, viewer: str):
    if world.viewers[viewer] is not None:
        client.force_login(world.viewers[viewer])
    return client


def _card_in_column(body: str, viewer: str, privacy: str) -> bool:
    """Tell whether the owner's card shows in the page's column, after checking its aside.

    The aside's "Who to follow" box may suggest the owner on any page, also one whose tweets
    the viewer may not see (a protected account's card is theirs to see): there it answers
    to may_find, like the people lists.
    """
    column, _, aside = body.partition('<aside class="aside">')
    if CARD_MARK in aside:
        assert may_find(viewer, privacy) and privacy != Privacy.PRIVATE
    return CARD_MARK in column


def _detail(tweet: Tweet) -> str:
    return reverse("tweet_detail", kwargs={"username": tweet.user.username, "pk": tweet.pk})


@pytest.fixture(params=[Privacy.PUBLIC, Privacy.PROTECTED, Privacy.PRIVATE])
def privacy(request):
    return request.param


@pytest.mark.parametrize("viewer", VIEWERS)
def test_owner_profile_pages(client, privacy, viewer):
    world = _world(privacy)
    client = _client_for(client, world, viewer)

    for name in ("profile", "profile_replies", "profile_likes"):
        response = client.get(reverse(name, kwargs={"username": "owner"}))
        if not may_see_profile(viewer, privacy):
            assert response.status_code == 404, name
            assert CARD_MARK not in response.text
            assert TWEET_MARK not in response.text
            continue
        assert response.status_code == 200, name
        body = response.text
        assert (CARD_MARK in body) == may_see_card(viewer, privacy), name
        assert (TWEET_MARK in body) == (
            may_see_tweets(viewer, privacy) and name != "profile_likes"
        ), name
        # The likes tab shows what the owner liked: the bystander's tweet, when allowed.
        assert ("bystander says hi" in body) == (
            may_see_tweets(viewer, privacy) and name == "profile_likes"
        ), name


@pytest.mark.parametrize("viewer", VIEWERS)
def test_owner_lists_and_tweet_are_404_unless_the_tweets_are_visible(client, privacy, viewer):
    world = _world(privacy)
    client = _client_for(client, world, viewer)
    urls = [
        reverse("followers", kwargs={"username": "owner"}),
        reverse("following", kwargs={"username": "owner"}),
        _detail(world.tweets["own"]),
        _detail(world.tweets["own_reply"]),
    ]

    for url in urls:
        response = client.get(url)
        if may_see_tweets(viewer, privacy):
            assert response.status_code == 200, url
        else:
            assert response.status_code == 404, url
            assert TWEET_MARK not in response.text
            assert not _card_in_column(response.text, viewer, privacy), url


@pytest.mark.parametrize("viewer", VIEWERS)
def test_tweets_elsewhere_show_the_owner_only_to_who_may_see(client, privacy, viewer):
    world = _world(privacy)
    client = _client_for(client, world, viewer)
    tweet_pages = [
        reverse("profile", kwargs={"username": "bystander"}),  # retweet and quote of `own`
        reverse("profile_replies", kwargs={"username": "bystander"}),
        _detail(world.tweets["by_bystander"]),  # the owner replied in this thread
        _detail(world.tweets["bystander_reply"]),  # its parent is the owner's tweet
        _detail(world.tweets["quote"]),
        reverse("explore"),
        reverse("hashtag", kwargs={"tag": SHARED_TAG}),
        reverse("search") + "?q=answering",  # the owner's reply, not the mark itself
    ]
    if viewer != ANONYMOUS:
        tweet_pages.append(reverse("home"))  # every viewer follows the bystander
    expected = may_see_tweets(viewer, privacy)

    for url in tweet_pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.text
        assert (TWEET_MARK in body) == expected, url
        if not expected:
            assert not _card_in_column(body, viewer, privacy), url


@pytest.mark.parametrize("viewer", VIEWERS)
def test_bystander_likes_never_show_a_hidden_tweet(client, privacy, viewer):
    world = _world(privacy)
    client = _client_for(client, world, viewer)

    body = client.get(reverse("profile_likes", kwargs={"username": "bystander"})).text

    assert (TWEET_MARK in body) == may_see_tweets(viewer, privacy)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_people_pages_never_show_a_card_the_viewer_may_not_see(client, privacy, viewer):
    world = _world(privacy)
    client = _client_for(client, world, viewer)
    people_pages = [
        reverse("followers", kwargs={"username": "bystander"}),
        reverse("following", kwargs={"username": "bystander"}),
        reverse("search") + "?q=owner&type=people",
        reverse("search") + "?q=cardm&type=people",  # a display-name prefix
    ]

    for url in people_pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.text
        if not may_find(viewer, privacy):
            assert CARD_MARK not in body, url
            assert 'href="/@owner"' not in body, url  # not listed at all
        elif privacy == Privacy.PUBLIC:
            assert CARD_MARK in body, url


def test_suspended_owner_is_404_everywhere_and_absent_from_lists(client):
    world = _world(Privacy.PUBLIC)
    user_set_active(user=world.owner, active=False)
    client.force_login(world.viewers[STRANGER])

    for url in (
        reverse("profile", kwargs={"username": "owner"}),
        reverse("followers", kwargs={"username": "owner"}),
        _detail(world.tweets["own"]),
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        reverse("profile", kwargs={"username": "bystander"}),
        reverse("followers", kwargs={"username": "bystander"}),
        reverse("explore"),
        reverse("home"),
        reverse("search") + "?q=owner&type=people",
    ):
        body = client.get(url).text
        assert TWEET_MARK not in body, url
        assert CARD_MARK not in body, url


def test_hidden_tweet_is_404_to_others_but_shown_to_its_author(client):
    world = _world(Privacy.PUBLIC)
    tweet_set_hidden(tweet=world.tweets["own"], hidden=True)

    client.force_login(world.viewers[FOLLOWER])
    assert client.get(_detail(world.tweets["own"])).status_code == 404
    client.force_login(world.owner)
    assert client.get(_detail(world.tweets["own"])).status_code == 200
