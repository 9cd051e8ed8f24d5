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
from tweets.services import bookmark_create, like_create, retweet_create
from tweets.tests.factories import committed, post
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


def _world(privacy: str, *, engaged: bool = False) -> World:
    """Build the scene through the services, then set the owner's privacy.

    Everything is made while the owner is public (a quote, a retweet, follows), so turning the
    account protected or private afterwards also proves protection is checked at read time.
    `engaged` adds what the engagement surfaces read (see _engage).
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

    if engaged:
        _engage(owner, viewers, tweets)
    if privacy != Privacy.PUBLIC:
        privacy_set(user=owner, privacy=privacy)
        committed(follow_create)(follower=viewers[REQUESTER], followee=owner)  # stays pending
    block_create(blocker=owner, blocked=viewers[BLOCKED])
    block_create(blocker=viewers[BLOCKING], blocked=owner)
    return World(owner=owner, bystander=bystander, viewers=viewers, tweets=tweets)


ENGAGED = [STRANGER, REQUESTER, FOLLOWER, BLOCKED, BLOCKING]
ABOUT_OWN_TWEETS = {"like", "retweet", "follow"}  # about the viewer's own tweet, or no tweet
OWNER_TWEETS = {"mention", "reply", "quote"}  # the notification shows one of the owner's tweets


def _engage(owner: User, viewers: dict[str, User | None], tweets: dict[str, Tweet]) -> None:
    """While the owner is public: the owner engages with every viewer, and every viewer back.

    The owner mentions each viewer (TWEET_MARK), replies to and quotes each one's tweet
    (TWEET_MARK), likes and retweets it and follows them; each viewer mentions and likes the
    owner and bookmarks the owner's tweet. Notifications come from their jobs, run as after a
    commit.
    """
    others = [viewers[kind] for kind in ENGAGED]
    post(owner, f"{TWEET_MARK} hello " + " ".join(f"@{user.username}" for user in others))
    for user in others:
        theirs = post(user, f"{user.username} says hi")
        post(owner, f"{TWEET_MARK} a reply", reply_to_id=theirs.pk)
        post(owner, f"{TWEET_MARK} a quote", quote_of_id=theirs.pk)
        committed(like_create)(user=owner, tweet_id=theirs.pk)
        committed(retweet_create)(user=owner, tweet_id=theirs.pk)
        committed(follow_create)(follower=owner, followee=user)
        post(user, "hello @owner")
        committed(like_create)(user=user, tweet_id=tweets["own"].pk)
        bookmark_create(user=user, tweet_id=tweets["own"].pk)


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


def _all_pages(session: Session, path: str) -> list[dict]:
    """Follow `next` links to the end; return every item."""
    items, url = [], path
    while url:
        page = session.get(url, 200)
        items += page["results"]
        url = page["next"].split(API, 1)[1] if page.get("next") else None
    return items


@pytest.mark.parametrize("viewer", [v for v in VIEWERS if v != ANONYMOUS])
def test_privacy_matrix_over_notifications_bookmarks_and_suggestions(viewer, privacy):
    """The engagement surfaces answer to the same table: what the owner did, the viewer saved,
    and whom the viewer is told to follow."""
    world = _world(privacy, engaged=True)
    session = Session(world.viewers[viewer])
    tweets_ok = may_see_tweets(viewer, privacy)
    blocked = viewer in (BLOCKED, BLOCKING)

    flat = _all_pages(session, "/me/notifications?grouped=false&limit=5")
    grouped = _all_pages(session, "/me/notifications?grouped=true&limit=5")
    from_owner = {item["type"] for item in flat if item["actor"]["username"] == "owner"}
    grouped_from_owner = {
        item["type"]
        for item in grouped
        if "owner" in [actor["username"] for actor in item["actors"]]
    }
    if viewer == OWNER:
        # Mentions and likes from every viewer but the two on either side of a block; the
        # requester's pending request too when there is something to request.
        actors = {item["actor"]["username"] for item in flat}
        assert actors.isdisjoint({BLOCKED, BLOCKING})
        assert {STRANGER, REQUESTER, FOLLOWER} <= actors
        requests = {i["actor"]["username"] for i in flat if i["type"] == "follow_request"}
        assert requests == ({REQUESTER} if privacy != Privacy.PUBLIC else set())
    elif blocked:
        assert from_owner == grouped_from_owner == set()
    else:
        expected = ABOUT_OWN_TWEETS | (OWNER_TWEETS if tweets_ok else set())
        assert from_owner == expected
        assert grouped_from_owner == expected
        for item in flat:
            if item["actor"]["username"] == "owner":
                assert item["actor"]["access"] == _expected_access(viewer, privacy)
    unread = session.get("/me/notifications/unread-count", 200)["count"]
    assert unread == len(flat)

    # Bookmarks: the owner's tweet stays in the list only while the viewer may see it.
    bookmarks = _all_pages(session, "/me/bookmarks?limit=5")
    if viewer != OWNER:
        assert (world.tweets["own"].pk in [tweet["id"] for tweet in bookmarks]) is tweets_ok
    if tweets_ok:
        single = session.get(f"/tweets/{world.tweets['own'].pk}", 200)
        assert single["bookmarked"] is (viewer != OWNER)

    # Suggestions: the bystander each viewer follows follows the owner, so the owner is a
    # candidate for all but whom the rule or the graph excludes.
    suggested = [
        user["username"] for user in session.get("/me/suggestions?limit=20", 200)["results"]
    ]
    already = viewer in (OWNER, FOLLOWER) or (viewer == REQUESTER and privacy != Privacy.PUBLIC)
    expected_suggested = not (already or blocked or privacy == Privacy.PRIVATE)
    assert ("owner" in suggested) is expected_suggested

    if not tweets_ok:
        session.assert_absent(TWEET_MARK)
    if not may_see_card(viewer, privacy):
        session.assert_absent(CARD_MARK)
