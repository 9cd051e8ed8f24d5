"""Lists of statuses and accounts: favourited_by, reblogged_by, bookmarks, favourites."""

import pytest
from django.test import Client

from accounts.models import Privacy
from accounts.tests.factories import user_create
from social.services import block_create, follow_create, follow_request_approve, privacy_set
from tweets.services import bookmark_create, like_create, retweet_create
from tweets.tests.factories import committed, post

from .helpers import token_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_THROTTLING = False


def _api(user, scope: str = "read write follow push") -> Client:
    return Client(headers={"authorization": f"Bearer {token_for(user, scope=scope)}"})


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [account["username"] for account in response.json()]


def test_favourited_by_and_reblogged_by_leave_out_hidden_accounts():
    author = user_create(username="author")
    viewer = user_create(username="viewer")
    fan = user_create(username="fan")
    blocker = user_create(username="blocker")
    locked = user_create(username="locked")
    tweet = post(author, "popular")
    for user in (fan, blocker, locked):
        committed(like_create)(user=user, tweet_id=tweet.pk)
        committed(retweet_create)(user=user, tweet_id=tweet.pk)
    block_create(blocker=blocker, blocked=viewer)
    privacy_set(user=locked, privacy=Privacy.PROTECTED)
    api = _api(viewer)
    assert _names(api.get(f"/api/v1/statuses/{tweet.pk}/favourited_by")) == ["fan"]
    assert _names(api.get(f"/api/v1/statuses/{tweet.pk}/reblogged_by/")) == ["fan"]
    # A follower of the protected account sees its like and its reblog.
    follow_create(follower=viewer, followee=locked)
    follow_request_approve(owner=locked, requester=viewer)
    assert _names(api.get(f"/api/v1/statuses/{tweet.pk}/favourited_by")) == ["locked", "fan"]
    assert _names(api.get(f"/api/v1/statuses/{tweet.pk}/reblogged_by")) == ["locked", "fan"]
    assert _names(Client().get(f"/api/v1/statuses/{tweet.pk}/favourited_by")) == [
        "blocker",
        "fan",
    ]


def test_favourited_by_of_a_status_the_viewer_may_not_see_is_404():
    owner = user_create(username="owner", privacy=Privacy.PROTECTED)
    tweet = post(owner, "secret")
    stranger = user_create(username="stranger")
    for path in ("favourited_by", "reblogged_by"):
        response = _api(stranger).get(f"/api/v1/statuses/{tweet.pk}/{path}")
        assert response.status_code == 404 and response.json() == {"error": "Record not found"}


def test_favourited_by_pages_with_a_next_link():
    author = user_create(username="author")
    tweet = post(author, "liked a lot")
    for n in range(3):
        committed(like_create)(user=user_create(username=f"fan{n}"), tweet_id=tweet.pk)
    api = _api(author)
    first = api.get(f"/api/v1/statuses/{tweet.pk}/favourited_by?limit=2")
    assert _names(first) == ["fan2", "fan1"]
    next_url = first["Link"].split(">")[0].removeprefix("<")
    assert _names(api.get(next_url)) == ["fan0"]


def test_bookmarks_and_favourites_are_the_owners_and_follow_the_rule():
    alice = user_create(username="alice")
    bob = user_create(username="bob")
    tweets = [post(bob, f"bob {n}") for n in range(3)]
    for tweet in tweets:
        bookmark_create(user=alice, tweet_id=tweet.pk)
        committed(like_create)(user=alice, tweet_id=tweet.pk)
    api = _api(alice)
    bookmarks = api.get("/api/v1/bookmarks?limit=2")
    assert [s["id"] for s in bookmarks.json()] == [str(tweets[2].pk), str(tweets[1].pk)]
    assert all(s["bookmarked"] for s in bookmarks.json())
    more = api.get(bookmarks["Link"].split(">")[0].removeprefix("<")).json()
    assert [s["id"] for s in more] == [str(tweets[0].pk)]
    favourites = api.get("/api/v1/favourites").json()
    assert [s["id"] for s in favourites] == [str(t.pk) for t in reversed(tweets)]
    assert all(s["favourited"] for s in favourites)
    # Bob blocks alice: his statuses leave both lists (kept, shown again if the block goes).
    block_create(blocker=bob, blocked=alice)
    assert api.get("/api/v1/bookmarks").json() == []
    assert api.get("/api/v1/favourites").json() == []
    assert _api(alice, scope="read:statuses").get("/api/v1/bookmarks").status_code == 403
    assert _api(alice, scope="read:bookmarks").get("/api/v1/bookmarks").status_code == 200
    assert _api(alice, scope="read:favourites").get("/api/v1/favourites").status_code == 200
