"""DESIGN "Privacy" as a matrix over the JSON API: every viewer, every account, every surface.

One owner per test, of each privacy; viewers: signed out, a stranger, a pending requester, an
approved follower, the owner, someone the owner blocked, someone who blocked the owner. Every
endpoint that returns users or tweets is asked about the owner directly (profile, lists, tweets,
replies, threads) and indirectly (a bystander's quote, retweet, replies, thread and lists; the
home timeline; hashtags; trending; search). The owner's tweets carry TWEET_MARK and their card
(display name, bio) CARD_MARK, so a leak is found wherever it hides in the JSON: a viewer who may
not see the tweets never gets TWEET_MARK, and one who may not see the card never gets CARD_MARK.
What the viewer may not see answers 404, never 403.
"""

import json
from dataclasses import dataclass, field

import pytest
from django.test import Client

from accounts.models import Privacy, User
from accounts.services import token_create, user_set_active, user_update_profile
from accounts.tests.factories import user_create
from social.services import block_create, follow_create, privacy_set
from tweets.models import Like, Tweet
from tweets.services import retweet_create
from tweets.tests.factories import post
from twitterclone.tests.privacy_table import (
    ANONYMOUS,
    BLOCKED,
    BLOCKING,
    CARD_MARK,
    FOLLOWER,
    OWNER,
    PRIVACIES,
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

API = "/api/v1"
OWN_TAG = f"{TWEET_MARK}tag"
MINIMAL_KEYS = {"id", "username", "privacy", "access", "relationship"}


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_THROTTLING = False


@dataclass
class World:
    owner: User
    bystander: User
    viewers: dict[str, User | None]
    tweets: dict[str, Tweet] = field(default_factory=dict)


def _world(privacy: str) -> World:
    """Build the scene through the services, then set the owner's privacy.

    Everything is made while the owner is public (a quote, a retweet, follows), so turning the
    account protected or private afterwards also proves protection is checked at read time.
    """
    owner = user_create(username="owner", display_name=f"{CARD_MARK} Owner")
    user_update_profile(user=owner, bio=f"my bio {CARD_MARK}")
    bystander = user_create(username="bystander", display_name="Bystander")
    viewers: dict[str, User | None] = {ANONYMOUS: None, OWNER: owner}
    for kind in (STRANGER, REQUESTER, FOLLOWER, BLOCKED, BLOCKING):
        viewers[kind] = user_create(username=kind)
        follow_create(follower=viewers[kind], followee=bystander)

    follow_create(follower=bystander, followee=owner)
    follow_create(follower=owner, followee=bystander)
    follow_create(follower=viewers[FOLLOWER], followee=owner)

    by_bystander = post(bystander, f"bystander says hi #{SHARED_TAG} @owner")
    tweets = {
        "own": post(owner, f"{TWEET_MARK} one #{SHARED_TAG} #{OWN_TAG}"),
        "by_bystander": by_bystander,
        "reply_to_bystander": post(
            owner, f"{TWEET_MARK} answering the bystander", reply_to_id=by_bystander.pk
        ),
    }
    tweets["own_thread"] = post(owner, f"{TWEET_MARK} thread", reply_to_id=tweets["own"].pk)
    tweets["quote"] = post(bystander, "bystander quotes", quote_of_id=tweets["own"].pk)
    tweets["bystander_reply"] = post(
        bystander, "bystander replies to the owner", reply_to_id=tweets["own"].pk
    )
    retweet_create(user=bystander, tweet_id=tweets["own"].pk)
    tweets["retweet"] = Tweet.objects.get(
        user=bystander, original_tweet_id=tweets["own"].pk, content=""
    )

    if privacy != Privacy.PUBLIC:
        privacy_set(user=owner, privacy=privacy)
        follow_create(follower=viewers[REQUESTER], followee=owner)  # stays pending
    block_create(blocker=owner, blocked=viewers[BLOCKED])
    block_create(blocker=viewers[BLOCKING], blocked=owner)
    return World(owner=owner, bystander=bystander, viewers=viewers, tweets=tweets)


def _expected_access(viewer: str, privacy: str) -> str:
    if may_see_tweets(viewer, privacy):
        return "full"
    return "card" if may_see_card(viewer, privacy) else "minimal"


class Session:
    """A viewer's client that keeps every answer, to search them all for leaks at the end."""

    def __init__(self, user: User | None):
        headers = {"Authorization": f"Bearer {token_create(user=user)}"} if user else {}
        self.client = Client(headers=headers)
        self.answers: list[tuple[str, str]] = []

    def request(self, method: str, path: str, body: dict | None = None):
        kwargs = {"content_type": "application/json"} if body is not None else {}
        data = json.dumps(body) if body is not None else ""
        response = self.client.generic(method.upper(), API + path, data, **kwargs)
        assert response.status_code < 500, (path, response.status_code)
        if response.content:
            self.answers.append((f"{method.upper()} {path}", response.content.decode()))
        return response

    def get(self, path: str, expected: int):
        response = self.request("get", path)
        assert response.status_code == expected, (path, response.status_code, response.content)
        return response.json()

    def assert_absent(self, mark: str, *, only: tuple[str, ...] = ()):
        for where, text in self.answers:
            if only and not any(where.startswith(prefix) for prefix in only):
                continue
            assert mark not in text.lower(), f"{mark!r} leaked by {where}: {text[:500]}"


def _ids(page: dict) -> list[int]:
    return [tweet["id"] for tweet in page["results"]]


def _usernames(page: dict) -> list[str]:
    return [user["username"] for user in page["results"]]


@pytest.fixture(params=PRIVACIES)
def privacy(request):
    return request.param


@pytest.mark.parametrize("viewer", VIEWERS)
def test_privacy_matrix_over_every_read_endpoint(viewer, privacy):
    world = _world(privacy)
    t = world.tweets
    session = Session(world.viewers[viewer])
    tweets_ok = may_see_tweets(viewer, privacy)
    hidden = 404

    # The owner's profile: as much as the table allows, 404 to the one the owner blocked.
    profile_ok = may_see_profile(viewer, privacy)
    profile = session.get("/users/owner", 200 if profile_ok else hidden)
    if profile_ok:
        access = _expected_access(viewer, privacy)
        assert profile["access"] == access
        assert profile["privacy"] == privacy
        if access == "minimal":
            assert set(profile) == MINIMAL_KEYS
        else:
            assert profile["display_name"] == f"{CARD_MARK} Owner"
        assert profile["relationship"]["requested"] is (
            viewer == REQUESTER and privacy != Privacy.PUBLIC
        )
        assert profile["relationship"]["following"] is (viewer == FOLLOWER)
        assert profile["relationship"]["blocking"] is (viewer == BLOCKING)

    # The owner's lists and tweets: all or nothing.
    expected = 200 if tweets_ok else hidden
    own_tweets = session.get("/users/owner/tweets", expected)
    followers = session.get("/users/owner/followers", expected)
    following = session.get("/users/owner/following", expected)
    single = session.get(f"/tweets/{t['own'].pk}", expected)
    replies = session.get(f"/tweets/{t['own'].pk}/replies", expected)
    context = session.get(f"/tweets/{t['own_thread'].pk}/context", expected)
    session.get(f"/tweets/{t['reply_to_bystander'].pk}", expected)
    if tweets_ok:
        assert t["own"].pk in _ids(own_tweets)
        assert "bystander" in _usernames(followers)
        assert "bystander" in _usernames(following)
        assert single["content"].startswith(TWEET_MARK)
        assert {t["own_thread"].pk, t["bystander_reply"].pk} <= set(_ids(replies))
        assert t["own"].pk in [tweet["id"] for tweet in context["ancestors"]]

    # The bystander's surfaces, open to everyone, show the owner only as the rule allows.
    session.get("/users/bystander", 200)
    bystander_tweets = session.get("/users/bystander/tweets", 200)
    session.get("/users/bystander/followers", 200)
    session.get("/users/bystander/following", 200)
    bystander_replies = session.get(f"/tweets/{t['by_bystander'].pk}/replies", 200)
    session.get(f"/tweets/{t['by_bystander'].pk}/context", 200)
    quote = session.get(f"/tweets/{t['quote'].pk}", 200)
    reply_context = session.get(f"/tweets/{t['bystander_reply'].pk}/context", 200)
    session.get(f"/tweets/{t['retweet'].pk}", 200 if tweets_ok else hidden)
    assert (t["retweet"].pk in _ids(bystander_tweets)) is tweets_ok
    assert (t["reply_to_bystander"].pk in _ids(bystander_replies)) is tweets_ok
    assert (quote["quote_of"] is not None) is tweets_ok
    ancestors = [tweet["id"] for tweet in reply_context["ancestors"]]
    assert (t["own"].pk in ancestors) is tweets_ok

    # Hashtags and search.
    shared = session.get(f"/hashtags/{SHARED_TAG}", 200)
    session.get(f"/hashtags/{OWN_TAG}", 200)
    found_tweets = session.get(f"/search?q={TWEET_MARK}&type=tweets", 200)
    found_users = session.get("/search?q=owner&type=users", 200)
    session.get(f"/search?q={CARD_MARK}&type=users", 200)
    assert (t["own"].pk in _ids(shared)) is tweets_ok
    assert t["by_bystander"].pk in _ids(shared)
    assert (t["own"].pk in _ids(found_tweets)) is tweets_ok
    assert ("owner" in _usernames(found_users)) is may_find(viewer, privacy)

    # The home timeline: the viewer follows the bystander, who retweeted the owner.
    if viewer != ANONYMOUS:
        home = session.get("/timeline/home", 200)
        home_ids = _ids(home)
        if viewer in (FOLLOWER, OWNER):
            assert t["own"].pk in home_ids
        if viewer != OWNER:
            assert (t["retweet"].pk in home_ids) is tweets_ok

    if not tweets_ok:
        session.assert_absent(TWEET_MARK)
    if not may_see_card(viewer, privacy):
        session.assert_absent(CARD_MARK)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_trending_never_shows_tags_only_hidden_tweets_carry(viewer, privacy):
    world = _world(privacy)
    session = Session(world.viewers[viewer])
    session.get("/hashtags/trending", 200)
    # Trends are the same for everyone: a public account's tags may trend, others' never.
    if privacy != Privacy.PUBLIC:
        session.assert_absent(TWEET_MARK)


@pytest.mark.parametrize("viewer", [v for v in VIEWERS if v not in (ANONYMOUS, OWNER)])
def test_writes_on_what_the_viewer_may_not_see_answer_404_and_write_nothing(viewer, privacy):
    world = _world(privacy)
    t = world.tweets
    session = Session(world.viewers[viewer])
    tweets_ok = may_see_tweets(viewer, privacy)
    blocked = viewer in (BLOCKED, BLOCKING)
    likes = Like.objects.count()
    tweets = Tweet.objects.count()

    like = session.request("post", f"/tweets/{t['own'].pk}/like")
    assert like.status_code == (200 if tweets_ok else 404), like.content
    if not tweets_ok:
        assert Like.objects.count() == likes

    retweet = session.request("post", f"/tweets/{t['own'].pk}/retweet")
    if not tweets_ok:
        assert retweet.status_code == 404, retweet.content
    elif privacy != Privacy.PUBLIC:
        # Protected and private tweets cannot be retweeted, even by followers.
        assert retweet.status_code == 400, retweet.content
    else:
        assert retweet.status_code == 200, retweet.content

    # Taking back a like or retweet, or deleting, is 404 too; deleting what one sees but did
    # not write is 403 (the tweet's existence is no secret then).
    for method, where in (("delete", "like"), ("delete", "retweet")):
        answer = session.request(method, f"/tweets/{t['own'].pk}/{where}")
        assert answer.status_code == (200 if tweets_ok else 404), (where, answer.content)
    deleted = session.request("delete", f"/tweets/{t['own'].pk}")
    assert deleted.status_code == (403 if tweets_ok else 404), deleted.content
    assert Tweet.objects.filter(pk=t["own"].pk).exists()

    # Replying to or quoting a hidden tweet reads exactly like an unknown id.
    for field_name in ("reply_to_id", "quote_of_id"):
        hidden = session.request("post", "/tweets", {"content": "hi", field_name: t["own"].pk})
        unknown = session.request("post", "/tweets", {"content": "hi", field_name: 2**62})
        assert unknown.status_code == 400
        if not tweets_ok:
            assert hidden.status_code == 400
            assert hidden.json() == unknown.json()
    if not tweets_ok:
        assert Tweet.objects.count() == tweets

    follow = session.request("post", "/users/owner/follow")
    assert follow.status_code == (404 if blocked else 200), follow.content
    if viewer == BLOCKED:
        # The owner's block hides the owner: nothing to block back or remove.
        assert session.request("post", "/users/owner/block").status_code == 404
        assert session.request("delete", "/users/owner/follower").status_code == 404

    if not tweets_ok:
        session.assert_absent(TWEET_MARK)
    if not may_see_card(viewer, privacy):
        session.assert_absent(CARD_MARK)


def _staff() -> User:
    return user_create(username="moderator", is_staff=True)


@pytest.mark.parametrize("viewer", [ANONYMOUS, STRANGER, FOLLOWER, "staff"])
def test_a_suspended_account_shows_to_staff_only(viewer):
    world = _world(Privacy.PUBLIC)
    user_set_active(user=world.owner, active=False)
    t = world.tweets
    session = Session(_staff() if viewer == "staff" else world.viewers[viewer])
    expected = 200 if viewer == "staff" else 404
    session.get("/users/owner", expected)
    session.get("/users/owner/tweets", expected)
    session.get(f"/tweets/{t['own'].pk}", expected)
    session.get(f"/tweets/{t['by_bystander'].pk}/replies", 200)
    session.get("/users/bystander/followers", 200)
    session.get("/users/bystander/tweets", 200)
    session.get(f"/hashtags/{SHARED_TAG}", 200)
    session.get(f"/search?q={TWEET_MARK}&type=tweets", 200)
    session.get("/search?q=owner&type=users", 200)
    if viewer != "staff":
        session.assert_absent(TWEET_MARK)
        session.assert_absent(CARD_MARK)


@pytest.mark.parametrize("viewer", [ANONYMOUS, STRANGER, FOLLOWER, OWNER, "staff"])
def test_a_hidden_tweet_shows_to_its_author_and_staff_only(viewer):
    world = _world(Privacy.PUBLIC)
    t = world.tweets
    # Moderators hide tweets in the admin; there is no service for it.
    Tweet.objects.filter(pk=t["own"].pk).update(is_hidden=True)
    session = Session(_staff() if viewer == "staff" else world.viewers[viewer])
    may_see = viewer in (OWNER, "staff")
    single = session.get(f"/tweets/{t['own'].pk}", 200 if may_see else 404)
    own_tweets = session.get("/users/owner/tweets", 200)
    shared = session.get(f"/hashtags/{SHARED_TAG}", 200)
    found = session.get(f"/search?q={TWEET_MARK}+one&type=tweets", 200)
    quote = session.get(f"/tweets/{t['quote'].pk}", 200)
    session.get(f"/tweets/{t['retweet'].pk}", 200 if may_see else 404)
    if may_see:
        assert single["id"] == t["own"].pk
    for page in (own_tweets, shared, found):
        assert (t["own"].pk in _ids(page)) is may_see
    assert (quote["quote_of"] is not None) is may_see
    if not may_see:
        session.assert_absent(f"{TWEET_MARK} one")
