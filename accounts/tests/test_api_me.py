"""GET and PATCH /api/v1/me: the signed-in user's own profile."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Privacy, User
from accounts.services import IMAGE_URL_INVALID
from accounts.tests.factories import user_create
from social.models import FollowRequest
from social.services import follow_create
from social.tests.graph_state import follows as _follows
from social.tests.graph_state import graph_state as _graph
from twitterclone.tests.api_helpers import bearer_client

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


@pytest.fixture
def api():
    return APIClient()


def as_user(user: User) -> APIClient:
    """Return a client sending `user`'s bearer token."""
    return bearer_client(user=user)


def test_me_returns_own_profile_with_email():
    alice = user_create(username="alice")

    response = as_user(alice).get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["username"] == "alice"
    assert response.json()["email"] == "alice@example.com"
    assert set(response.json()) == USER_FIELDS | {"email"}


@pytest.mark.parametrize("method", ["get", "patch"])
def test_me_needs_authentication(api, method):
    response = getattr(api, method)("/api/v1/me", {}, format="json")

    assert response.status_code == 401


def test_patch_me_changes_every_field():
    alice = user_create(username="alice")
    body = {
        "display_name": "Alice A.",
        "bio": "Hello there",
        "profile_image_url": "https://img.example.com/a.png",
        "privacy": "protected",
    }

    response = as_user(alice).patch("/api/v1/me", body, format="json")

    assert response.status_code == 200
    assert {name: response.json()[name] for name in body} == body
    alice.refresh_from_db()
    assert (alice.display_name, alice.bio, alice.profile_image_url, alice.privacy) == (
        "Alice A.",
        "Hello there",
        "https://img.example.com/a.png",
        Privacy.PROTECTED,
    )


def test_patch_me_leaves_absent_fields_and_clears_blank_ones():
    alice = user_create(username="alice", display_name="Alice")
    client = as_user(alice)
    first = {"bio": "x", "profile_image_url": "https://a.example/x.png"}
    assert client.patch("/api/v1/me", first, format="json").status_code == 200

    response = client.patch("/api/v1/me", {"profile_image_url": ""}, format="json")

    assert response.status_code == 200
    alice.refresh_from_db()
    assert (alice.display_name, alice.bio, alice.profile_image_url) == ("Alice", "x", "")


def test_patch_me_public_approves_pending_requests():
    owner, fan = user_create(privacy=Privacy.PROTECTED), user_create()
    follow_create(follower=fan, followee=owner)

    response = as_user(owner).patch("/api/v1/me", {"privacy": "public"}, format="json")

    assert response.status_code == 200
    assert response.json()["followers_count"] == 1
    assert _follows(fan, owner)
    assert not FollowRequest.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"display_name": "d" * 101}, "display_name"),
        ({"display_name": ["Alice"]}, "display_name"),
        ({"display_name": {"a": 1}}, "display_name"),
        ({"display_name": 42}, "display_name"),
        ({"display_name": None}, "display_name"),
        ({"display_name": "A\x00B"}, "display_name"),
        ({"bio": "b" * 161}, "bio"),
        ({"bio": 3.5}, "bio"),
        ({"bio": "\x00"}, "bio"),
        ({"profile_image_url": "not a url"}, "profile_image_url"),
        ({"profile_image_url": "javascript:alert(1)"}, "profile_image_url"),
        ({"profile_image_url": "ftp://img.example.com/a.png"}, "profile_image_url"),
        ({"profile_image_url": "https://x.example/" + "a" * 490}, "profile_image_url"),
        ({"profile_image_url": ["https://x.example/a.png"]}, "profile_image_url"),
        ({"privacy": "secret"}, "privacy"),
        ({"privacy": ""}, "privacy"),
        ({"privacy": None}, "privacy"),
        ({"privacy": ["public"]}, "privacy"),
        ({"privacy": 1}, "privacy"),
        # One bad field fails the whole change, the valid ones included.
        ({"privacy": "private", "bio": "b" * 161}, "bio"),
        ({"privacy": "private", "profile_image_url": "ftp://x.example/a"}, "profile_image_url"),
        ({"display_name": "ok", "privacy": "nope"}, "privacy"),
    ],
)
def test_patch_me_bad_input_is_a_field_error_and_writes_nothing(body, field):
    owner, fan = user_create(privacy=Privacy.PROTECTED), user_create()
    follow_create(follower=fan, followee=owner)
    before = _graph()

    response = as_user(owner).patch("/api/v1/me", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert all(isinstance(message, str) for message in response.json()[field])
    assert _graph() == before


def test_patch_me_service_errors_reach_the_client_by_field():
    client = as_user(user_create())

    response = client.patch("/api/v1/me", {"profile_image_url": "ftp://x.example/a"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"profile_image_url": [IMAGE_URL_INVALID]}


@pytest.mark.parametrize("raw", ['{"bio": ', "[]", '"bio"', "1"])
def test_patch_me_malformed_or_non_object_json_is_400(raw):
    alice = user_create()
    before = _graph()

    response = as_user(alice).generic("PATCH", "/api/v1/me", raw, "application/json")

    assert response.status_code == 400
    assert _graph() == before
