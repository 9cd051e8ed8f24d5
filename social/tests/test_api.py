"""JSON API for profiles and the social graph: privacy on every row of DESIGN's table."""

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.models import Privacy, User
from accounts.services import user_set_active
from accounts.tests.factories import user_create
from social.api.serializers import MINIMAL_FIELDS
from social.api.views import NO_SUCH_REQUEST
from social.models import Block, FollowRequest, UserFollows
from social.services import (
    CANNOT_BLOCK_SELF,
    CANNOT_FOLLOW_SELF,
    block_create,
    follow_create,
    follow_request_approve,
)
from social.tests.graph_state import follows as _follows
from social.tests.graph_state import graph_state as _graph
from twitterclone.pagination import CURSOR_INVALID
from twitterclone.tests.api_helpers import bearer_client, throttle_rates

pytestmark = pytest.mark.django_db

USER_FIELDS = {
    "id",
    "username",
    "display_name",
    "bio",
    "profile_image_url",
    "header_image_url",
    "privacy",
    "verified",
    "created_at",
    "followers_count",
    "following_count",
    "tweets_count",
}
NO_RELATIONSHIP = {
    "following": False,
    "followed_by": False,
    "requested": False,
    "blocking": False,
    "muting": False,
}


@pytest.fixture
def api():
    return APIClient()


def as_user(user: User) -> APIClient:
    """Return a client sending `user`'s bearer token."""
    return bearer_client(user=user)


_rates = throttle_rates


def _usernames(response) -> list[str]:
    return [user["username"] for user in response.json()["results"]]


# GET /users/{username}: every row of DESIGN's privacy table


def test_public_profile_is_full_for_anyone(api):
    bob = user_create(username="bob", display_name="Bob B.")

    response = api.get("/api/v1/users/BOB")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == USER_FIELDS | {"access", "relationship"}
    assert (body["id"], body["display_name"], body["access"]) == (bob.pk, "Bob B.", "full")
    assert body["relationship"] == NO_RELATIONSHIP


def test_protected_profile_is_the_card_for_non_followers(api):
    user_create(username="pat", privacy=Privacy.PROTECTED, display_name="Pat")
    stranger = user_create()

    for client in (api, as_user(stranger)):
        body = client.get("/api/v1/users/pat").json()
        assert body["access"] == "card"
        assert set(body) == USER_FIELDS | {"access", "relationship"}
        assert (body["display_name"], body["privacy"]) == ("Pat", "protected")


def test_private_profile_is_minimal_for_non_followers(api):
    user_create(username="priv", privacy=Privacy.PRIVATE, display_name="Secret Name")
    stranger = user_create()

    for client in (api, as_user(stranger)):
        response = client.get("/api/v1/users/priv")
        assert response.status_code == 200
        body = response.json()
        assert set(body) == set(MINIMAL_FIELDS)
        assert (body["username"], body["privacy"], body["access"]) == ("priv", "private", "minimal")
        assert "Secret Name" not in response.content.decode()


@pytest.mark.parametrize("privacy", [Privacy.PROTECTED, Privacy.PRIVATE])
def test_approved_follower_and_owner_see_everything(privacy):
    owner, fan = user_create(username="owner", privacy=privacy), user_create()
    follow_create(follower=fan, followee=owner)
    follow_request_approve(owner=owner, requester=fan)

    for viewer in (owner, fan):
        body = as_user(viewer).get("/api/v1/users/owner").json()
        assert body["access"] == "full"
        assert set(body) == USER_FIELDS | {"access", "relationship"}
    assert as_user(fan).get("/api/v1/users/owner").json()["relationship"]["following"] is True


def test_relationship_reports_both_directions_and_requests():
    alice, bob = user_create(username="alice"), user_create(username="bob")
    pat = user_create(username="pat", privacy=Privacy.PROTECTED)
    follow_create(follower=alice, followee=bob)
    follow_create(follower=bob, followee=alice)
    follow_create(follower=alice, followee=pat)
    client = as_user(alice)

    assert client.get("/api/v1/users/bob").json()["relationship"] == {
        **NO_RELATIONSHIP,
        "following": True,
        "followed_by": True,
    }
    assert client.get("/api/v1/users/pat").json()["relationship"] == {
        **NO_RELATIONSHIP,
        "requested": True,
    }
    assert client.get("/api/v1/users/alice").json()["relationship"] == NO_RELATIONSHIP


@pytest.mark.parametrize("privacy", Privacy.values)
@pytest.mark.parametrize("direction", ["owner_blocks_viewer", "viewer_blocks_owner"])
def test_blocked_either_way_sees_no_lists_and_the_blocked_no_profile(privacy, direction):
    owner, viewer = user_create(username="owner", privacy=privacy), user_create()
    if direction == "owner_blocks_viewer":
        block_create(blocker=owner, blocked=viewer)
    else:
        block_create(blocker=viewer, blocked=owner)
    client = as_user(viewer)

    for path in ("", "/followers", "/following"):
        response = client.get(f"/api/v1/users/owner{path}")
        if path == "" and direction == "viewer_blocks_owner":
            # The blocker sees the card to lift the block (social/tests/test_blocks.py).
            assert response.json()["relationship"]["blocking"] is True
            continue
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}


def test_suspended_account_is_404_except_for_staff(api):
    user_create(username="gone", is_active=False)
    staff = user_create(is_staff=True)

    assert api.get("/api/v1/users/gone").status_code == 404
    assert as_user(user_create()).get("/api/v1/users/gone").status_code == 404
    assert as_user(staff).get("/api/v1/users/gone").status_code == 200


@pytest.mark.parametrize(
    "username", ["nobody", "x" * 51, "bad-name", "a%00b", "%C3%A9t%C3%A9", "a%20b", "a.b"]
)
def test_unknown_or_impossible_usernames_are_404(api, username):
    user_create(username="a_b")

    for path in ("", "/followers", "/following"):
        assert api.get(f"/api/v1/users/{username}{path}").status_code == 404


# GET /users/{username}/followers and /following


def test_followers_and_following_lists_newest_first(api):
    bob = user_create(username="bob")
    fans = [user_create(username=f"fan{number}") for number in range(3)]
    for fan in fans:
        follow_create(follower=fan, followee=bob)
        follow_create(follower=bob, followee=fan)

    followers = api.get("/api/v1/users/bob/followers")
    following = api.get("/api/v1/users/bob/following")

    assert followers.status_code == following.status_code == 200
    assert _usernames(followers) == _usernames(following) == ["fan2", "fan1", "fan0"]
    assert followers.json()["next"] is None
    assert set(followers.json()["results"][0]) == USER_FIELDS | {"access"}


def test_followers_pages_follow_the_next_link(api):
    bob = user_create(username="bob")
    for number in range(5):
        follow_create(follower=user_create(username=f"fan{number}"), followee=bob)

    seen, url = [], "/api/v1/users/bob/followers?limit=2"
    while url:
        body = api.get(url).json()
        assert len(body["results"]) <= 2
        seen += [user["username"] for user in body["results"]]
        url = body["next"]

    assert seen == ["fan4", "fan3", "fan2", "fan1", "fan0"]


@pytest.mark.parametrize("privacy", [Privacy.PROTECTED, Privacy.PRIVATE])
@pytest.mark.parametrize("path", ["followers", "following"])
def test_lists_of_non_public_accounts_only_for_followers_and_owner(api, privacy, path):
    owner, fan, stranger = (
        user_create(username="owner", privacy=privacy),
        *[user_create() for _ in range(2)],
    )
    follow_create(follower=fan, followee=owner)
    follow_request_approve(owner=owner, requester=fan)
    url = f"/api/v1/users/owner/{path}"

    assert api.get(url).status_code == 404
    assert as_user(stranger).get(url).status_code == 404
    assert as_user(fan).get(url).status_code == 200
    assert as_user(owner).get(url).status_code == 200


def test_private_followers_listed_only_to_those_who_may_see_them(api):
    bob = user_create(username="bob")
    hidden = user_create(username="hidden", privacy=Privacy.PRIVATE)
    follow_create(follower=hidden, followee=bob)
    follow_create(follower=user_create(username="shown"), followee=bob)

    assert _usernames(api.get("/api/v1/users/bob/followers")) == ["shown"]
    assert _usernames(as_user(bob).get("/api/v1/users/bob/followers")) == ["shown", "hidden"]


@pytest.mark.parametrize(
    "query",
    ["cursor=garbage", "cursor=%00", "cursor=" + "a" * 1001, "cursor=eyJhIjoxfQ:1:abc"],
)
@pytest.mark.parametrize("path", ["users/bob/followers", "users/bob/following", "follow-requests"])
def test_garbage_cursor_is_a_field_error(query, path):
    bob = user_create(username="bob")

    response = as_user(bob).get(f"/api/v1/{path}?{query}")

    assert response.status_code == 400
    assert set(response.json()) == {"cursor"}


@pytest.mark.parametrize(
    "limit", ["0", "-1", "101", "abc", "1.5", "%00", "99999999999999999999", "1&limit=x"]
)
@pytest.mark.parametrize("path", ["users/bob/followers", "users/bob/following", "follow-requests"])
def test_bad_limit_is_a_field_error(limit, path):
    bob = user_create(username="bob")

    response = as_user(bob).get(f"/api/v1/{path}?limit={limit}")

    assert response.status_code == 400
    assert set(response.json()) == {"limit"}


def test_cursor_error_message_is_clear():
    bob = user_create(username="bob")

    response = as_user(bob).get("/api/v1/users/bob/followers?cursor=garbage")

    assert response.json() == {"cursor": [CURSOR_INVALID]}


@pytest.mark.parametrize("path", ["followers", "following"])
def test_list_query_count_does_not_grow_with_the_page(path, django_assert_num_queries):
    viewer = user_create()
    client = as_user(viewer)
    for owner_name, size in (("small", 1), ("large", 30)):
        owner = user_create(username=owner_name)
        for _ in range(size):
            other = user_create()
            if path == "followers":
                follow_create(follower=other, followee=owner)
            else:
                follow_create(follower=owner, followee=other)

    # Token, user, may-see check, page (users joined): the same for 1 row as for 30.
    for owner_name, size in (("small", 1), ("large", 30)):
        with django_assert_num_queries(4):
            response = client.get(f"/api/v1/users/{owner_name}/{path}?limit=50")
        assert len(response.json()["results"]) == size


def test_follow_requests_query_count_does_not_grow_with_the_page(django_assert_num_queries):
    small, large = (user_create(privacy=Privacy.PRIVATE) for _ in range(2))
    follow_create(follower=user_create(), followee=small)
    for _ in range(30):
        follow_create(follower=user_create(), followee=large)

    for owner, size in ((small, 1), (large, 30)):
        client = as_user(owner)
        with django_assert_num_queries(2):
            response = client.get("/api/v1/follow-requests?limit=50")
        assert len(response.json()["results"]) == size


# POST and DELETE /users/{username}/follow


def test_follow_public_account():
    alice, bob = user_create(username="alice"), user_create(username="bob")
    client = as_user(alice)

    first = client.post("/api/v1/users/bob/follow")
    again = client.post("/api/v1/users/BOB/follow")

    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() == {"status": "following"}
    assert _follows(alice, bob)
    bob.refresh_from_db()
    assert bob.followers_count == 1


@pytest.mark.parametrize("privacy", [Privacy.PROTECTED, Privacy.PRIVATE])
def test_follow_non_public_account_is_a_request(privacy):
    alice, owner = user_create(), user_create(username="owner", privacy=privacy)

    response = as_user(alice).post("/api/v1/users/owner/follow")

    assert response.status_code == 200
    assert response.json() == {"status": "requested"}
    assert not _follows(alice, owner)
    assert FollowRequest.objects.filter(target=owner, requester=alice).exists()


def test_unfollow_and_withdraw_request():
    alice = user_create()
    bob, pat = user_create(username="bob"), user_create(username="pat", privacy=Privacy.PROTECTED)
    follow_create(follower=alice, followee=bob)
    follow_create(follower=alice, followee=pat)
    client = as_user(alice)

    assert client.delete("/api/v1/users/bob/follow").status_code == 204
    assert client.delete("/api/v1/users/pat/follow").status_code == 204
    assert client.delete("/api/v1/users/pat/follow").status_code == 204

    assert not _follows(alice, bob)
    assert not FollowRequest.objects.exists()


def test_follow_self_is_400_and_writes_nothing():
    alice = user_create(username="alice")
    before = _graph()

    response = as_user(alice).post("/api/v1/users/alice/follow")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [CANNOT_FOLLOW_SELF]}
    assert _graph() == before


@pytest.mark.parametrize("direction", ["owner_blocks_viewer", "viewer_blocks_owner"])
def test_follow_blocked_account_is_404_and_writes_nothing(direction):
    alice, bob = user_create(), user_create(username="bob")
    pair = (bob, alice) if direction == "owner_blocks_viewer" else (alice, bob)
    block_create(blocker=pair[0], blocked=pair[1])
    before = _graph()

    response = as_user(alice).post("/api/v1/users/bob/follow")

    assert response.status_code == 404
    assert _graph() == before


def test_follow_suspended_or_unknown_account_is_404():
    user_create(username="gone", is_active=False)
    client = as_user(user_create())

    assert client.post("/api/v1/users/gone/follow").status_code == 404
    assert client.post("/api/v1/users/nobody/follow").status_code == 404
    assert not UserFollows.objects.exists() and not FollowRequest.objects.exists()


WRITES = [
    ("post", "users/bob/follow"),
    ("delete", "users/bob/follow"),
    ("post", "users/bob/block"),
    ("delete", "users/bob/block"),
    ("delete", "users/bob/follower"),
    ("post", "follow-requests/bob/approve"),
    ("post", "follow-requests/bob/reject"),
    ("get", "follow-requests"),
]


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_graph_writes_need_authentication(api, method, path):
    user_create(username="bob")
    before = _graph()

    response = getattr(api, method)(f"/api/v1/{path}")

    assert response.status_code == 401
    assert _graph() == before


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_revoked_or_bad_token_is_401(method, path):
    user_create(username="bob")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer revoked")

    assert getattr(client, method)(f"/api/v1/{path}").status_code == 401


def test_suspended_users_token_stops_working_for_writes():
    alice = user_create()
    user_create(username="bob")
    client = as_user(alice)
    user_set_active(user=alice, active=False)

    assert client.post("/api/v1/users/bob/follow").status_code == 401
    assert client.get("/api/v1/me").status_code == 401
    assert not UserFollows.objects.exists()


# POST and DELETE /users/{username}/block


def test_block_severs_follows_both_ways_and_leaves_the_blocker_only_a_card():
    alice, bob = user_create(username="alice"), user_create(username="bob")
    follow_create(follower=alice, followee=bob)
    follow_create(follower=bob, followee=alice)
    client = as_user(alice)

    assert client.post("/api/v1/users/bob/block").status_code == 204
    assert client.post("/api/v1/users/bob/block").status_code == 204

    assert Block.objects.filter(blocker=alice, blocked=bob).count() == 1
    assert not _follows(alice, bob) and not _follows(bob, alice)
    seen_by_alice = client.get("/api/v1/users/bob").json()
    assert (seen_by_alice["access"], seen_by_alice["relationship"]) == (
        "card",
        {**NO_RELATIONSHIP, "blocking": True},
    )
    assert as_user(bob).get("/api/v1/users/alice").status_code == 404


def test_unblock_lifts_the_block_and_keeps_follows_severed():
    alice, bob = user_create(username="alice"), user_create(username="bob")
    follow_create(follower=alice, followee=bob)
    block_create(blocker=alice, blocked=bob)
    client = as_user(alice)

    assert client.delete("/api/v1/users/bob/block").status_code == 204
    assert client.delete("/api/v1/users/bob/block").status_code == 204

    assert not Block.objects.exists()
    assert not _follows(alice, bob)
    assert client.get("/api/v1/users/bob").json()["relationship"] == NO_RELATIONSHIP


def test_blocked_user_cannot_block_back_but_a_mutual_block_can_be_lifted():
    alice, bob = user_create(username="alice"), user_create(username="bob")
    block_create(blocker=bob, blocked=alice)
    client = as_user(alice)

    assert client.post("/api/v1/users/bob/block").status_code == 404
    assert client.delete("/api/v1/users/bob/block").status_code == 404

    block_create(blocker=alice, blocked=bob)
    assert client.delete("/api/v1/users/bob/block").status_code == 204
    assert list(Block.objects.values_list("blocker", "blocked")) == [(bob.pk, alice.pk)]


def test_block_self_is_400_and_unknown_is_404():
    alice = user_create(username="alice")
    client = as_user(alice)

    response = client.post("/api/v1/users/alice/block")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [CANNOT_BLOCK_SELF]}
    assert client.post("/api/v1/users/nobody/block").status_code == 404
    assert not Block.objects.exists()


# DELETE /users/{username}/follower


def test_remove_follower_without_blocking():
    alice, bob = user_create(username="alice"), user_create(username="bob")
    follow_create(follower=bob, followee=alice)
    follow_create(follower=alice, followee=bob)

    response = as_user(alice).delete("/api/v1/users/bob/follower")

    assert response.status_code == 204
    assert not _follows(bob, alice)
    assert _follows(alice, bob)
    assert not Block.objects.exists()
    alice.refresh_from_db()
    assert alice.followers_count == 0


def test_remove_non_follower_is_204_and_unknown_is_404():
    alice = user_create()
    user_create(username="bob")
    client = as_user(alice)

    assert client.delete("/api/v1/users/bob/follower").status_code == 204
    assert client.delete("/api/v1/users/nobody/follower").status_code == 404


# Follow requests


def test_incoming_requests_listed_newest_first_private_requesters_included():
    owner = user_create(privacy=Privacy.PROTECTED)
    first = user_create(username="first")
    second = user_create(username="second", privacy=Privacy.PRIVATE)
    follow_create(follower=first, followee=owner)
    follow_create(follower=second, followee=owner)

    response = as_user(owner).get("/api/v1/follow-requests")

    assert response.status_code == 200
    assert _usernames(response) == ["second", "first"]
    assert as_user(first).get("/api/v1/follow-requests").json() == {"results": [], "next": None}


def test_approve_request_makes_a_follower():
    owner = user_create(privacy=Privacy.PRIVATE)
    fan = user_create(username="fan")
    follow_create(follower=fan, followee=owner)
    client = as_user(owner)

    response = client.post("/api/v1/follow-requests/FAN/approve")

    assert response.status_code == 204
    assert _follows(fan, owner)
    assert not FollowRequest.objects.exists()
    again = client.post("/api/v1/follow-requests/fan/approve")
    assert again.status_code == 404
    assert again.json() == {"detail": NO_SUCH_REQUEST}


def test_reject_request_drops_it():
    owner = user_create(privacy=Privacy.PROTECTED)
    fan = user_create(username="fan")
    follow_create(follower=fan, followee=owner)
    client = as_user(owner)

    assert client.post("/api/v1/follow-requests/fan/reject").status_code == 204
    assert not FollowRequest.objects.exists() and not _follows(fan, owner)
    assert client.post("/api/v1/follow-requests/fan/reject").status_code == 404


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_approve_or_reject_without_a_request_is_404_and_writes_nothing(action):
    owner = user_create(privacy=Privacy.PROTECTED)
    user_create(username="fan")
    outgoing = user_create(username="target", privacy=Privacy.PROTECTED)
    follow_create(follower=owner, followee=outgoing)  # a request the other way round
    before = _graph()
    client = as_user(owner)

    for username in ("fan", "target", "nobody"):
        assert client.post(f"/api/v1/follow-requests/{username}/{action}").status_code == 404
    assert _graph() == before


# Throttling


def test_graph_writes_are_throttled_with_retry_after():
    alice = user_create()
    for name in ("b1", "b2", "b3"):
        user_create(username=name)
    client = as_user(alice)

    with override_settings(REST_FRAMEWORK=_rates(write="2/h")):
        assert client.post("/api/v1/users/b1/follow").status_code == 200
        assert client.post("/api/v1/users/b2/block").status_code == 204
        response = client.post("/api/v1/users/b3/follow")
        reads = [client.get(path).status_code for path in ("/api/v1/me", "/api/v1/users/b3")]

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert not UserFollows.objects.filter(following__username="b3").exists()
    assert reads == [200, 200]


def test_write_throttle_counts_per_user():
    alice, carol = user_create(), user_create()
    user_create(username="bob")

    with override_settings(REST_FRAMEWORK=_rates(write="1/h")):
        assert as_user(alice).post("/api/v1/users/bob/follow").status_code == 200
        assert as_user(alice).delete("/api/v1/users/bob/follow").status_code == 429
        assert as_user(carol).post("/api/v1/users/bob/follow").status_code == 200


def test_patch_me_is_throttled():
    client = as_user(user_create())

    with override_settings(REST_FRAMEWORK=_rates(write="1/h")):
        assert client.patch("/api/v1/me", {"bio": "a"}, format="json").status_code == 200
        assert client.patch("/api/v1/me", {"bio": "b"}, format="json").status_code == 429


def test_api_throttling_off_disables_write_throttle():
    client = as_user(user_create())
    user_create(username="bob")

    with override_settings(REST_FRAMEWORK=_rates(write="1/h"), API_THROTTLING=False):
        for _ in range(3):
            assert client.post("/api/v1/users/bob/follow").status_code == 200
            assert client.delete("/api/v1/users/bob/follow").status_code == 204
