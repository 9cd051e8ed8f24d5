"""The account endpoints: the graph lists, search, block/mute, follow requests, credentials."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from PIL import Image

from accounts.models import Privacy, User
from accounts.tests.factories import user_create
from media.models import Upload
from social.models import Block, FollowRequest, Mute, UserFollows
from social.services import block_create, follow_create, follow_request_approve

from .helpers import token_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_THROTTLING = False


def _api(user, scope: str = "read write follow push") -> Client:
    return Client(headers={"authorization": f"Bearer {token_for(user, scope=scope)}"})


def _png(size=(60, 60)) -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", size, "blue").save(buffer, "PNG")
    return SimpleUploadedFile("blue.png", buffer.getvalue(), content_type="image/png")


def test_followers_and_following_page_with_a_next_link():
    alice = user_create(username="alice")
    fans = [user_create(username=f"fan{n}") for n in range(3)]
    for fan in fans:
        follow_create(follower=fan, followee=alice)
        follow_create(follower=alice, followee=fan)
    api = _api(alice)
    first = api.get(f"/api/v1/accounts/{alice.pk}/followers?limit=2")
    assert [a["username"] for a in first.json()] == ["fan2", "fan1"]
    link = first["Link"]
    assert 'rel="next"' in link and "limit=2" in link
    following = api.get(link.split(">")[0].removeprefix("<").replace("/followers", "/following"))
    assert following.status_code == 422  # a cursor is bound to the list that made it
    rest = api.get(link.split(">")[0].removeprefix("<"))
    assert [a["username"] for a in rest.json()] == ["fan0"] and "Link" not in rest
    assert [a["username"] for a in api.get(f"/api/v1/accounts/{alice.pk}/following/").json()] == [
        "fan2",
        "fan1",
        "fan0",
    ]
    assert api.get(f"/api/v1/accounts/{alice.pk}/followers?max_id=garbage").status_code == 422


def test_a_protected_accounts_lists_answer_only_followers_and_the_owner():
    carol = user_create(username="carol", privacy=Privacy.PROTECTED)
    friend = user_create(username="friend")
    stranger = user_create(username="stranger")
    follow_create(follower=friend, followee=carol)
    follow_request_approve(owner=carol, requester=friend)
    path = f"/api/v1/accounts/{carol.pk}/followers"
    assert _api(stranger).get(path).status_code == 404
    assert Client().get(path).status_code == 404
    assert [a["username"] for a in _api(friend).get(path).json()] == ["friend"]
    assert [a["username"] for a in _api(carol).get(path).json()] == ["friend"]


def test_block_unblock_mute_unmute_and_remove_from_followers_answer_the_relationship():
    alice = user_create(username="alice")
    bob = user_create(username="bob")
    follow_create(follower=bob, followee=alice)
    api = _api(alice)
    muted = api.post(f"/api/v1/accounts/{bob.pk}/mute", {"notifications": "false", "duration": 60})
    assert muted.status_code == 200 and muted.json()["muting"] is True
    assert muted.json()["followed_by"] is True
    assert Mute.objects.filter(muter=alice, muted=bob).exists()
    removed = api.post(f"/api/v1/accounts/{bob.pk}/remove_from_followers").json()
    assert removed["followed_by"] is False
    assert not UserFollows.objects.filter(follower=bob, following=alice).exists()
    blocked = api.post(f"/api/v1/accounts/{bob.pk}/block").json()
    assert blocked["blocking"] is True and blocked["id"] == str(bob.pk)
    assert [a["id"] for a in api.get("/api/v1/blocks").json()] == [str(bob.pk)]
    assert [a["id"] for a in api.get("/api/v1/mutes").json()] == [str(bob.pk)]
    # The blocked account is still reachable for the blocker, to lift the block and the mute.
    assert api.post(f"/api/v1/accounts/{bob.pk}/unmute").json()["muting"] is False
    assert api.post(f"/api/v1/accounts/{bob.pk}/unblock/").json()["blocking"] is False
    assert not Block.objects.exists() and not Mute.objects.exists()
    assert api.get("/api/v1/blocks").json() == [] and api.get("/api/v1/mutes").json() == []


def test_the_blocked_account_cannot_act_on_the_blocker():
    alice = user_create(username="alice")
    bob = user_create(username="bob")
    block_create(blocker=alice, blocked=bob)
    api = _api(bob)
    for action in ("block", "mute", "remove_from_followers", "follow"):
        response = api.post(f"/api/v1/accounts/{alice.pk}/{action}")
        assert response.status_code == 404, action
        assert response.json() == {"error": "Record not found"}
    assert not Block.objects.filter(blocker=bob).exists() and not Mute.objects.exists()


def test_blocking_or_muting_oneself_is_422_and_writes_nothing():
    alice = user_create(username="alice")
    api = _api(alice)
    for action in ("block", "mute"):
        response = api.post(f"/api/v1/accounts/{alice.pk}/{action}")
        assert response.status_code == 422 and set(response.json()) == {"error"}
    assert not Block.objects.exists() and not Mute.objects.exists()


def test_follow_requests_are_listed_authorized_and_rejected():
    carol = user_create(username="carol", privacy=Privacy.PROTECTED)
    alice = user_create(username="alice")
    dave = user_create(username="dave")
    follow_create(follower=alice, followee=carol)
    follow_create(follower=dave, followee=carol)
    api = _api(carol)
    assert [a["username"] for a in api.get("/api/v1/follow_requests").json()] == ["dave", "alice"]
    approved = api.post(f"/api/v1/follow_requests/{alice.pk}/authorize")
    assert approved.status_code == 200 and approved.json()["followed_by"] is True
    rejected = api.post(f"/api/v1/follow_requests/{dave.pk}/reject").json()
    assert rejected["followed_by"] is False and rejected["id"] == str(dave.pk)
    assert not FollowRequest.objects.exists()
    again = api.post(f"/api/v1/follow_requests/{dave.pk}/authorize")
    assert again.status_code == 404 and not UserFollows.objects.filter(follower=dave).exists()


def test_account_search_lists_only_findable_accounts_and_filters_following():
    alice = user_create(username="alice")
    for name in ("bobby", "bobcat", "bobo"):
        user_create(username=name)
    user_create(username="bobhidden", privacy=Privacy.PRIVATE)
    blocker = user_create(username="bobblocker")
    block_create(blocker=blocker, blocked=alice)
    follow_create(follower=alice, followee=User.objects.get(username="bobo"))
    api = _api(alice)
    found = [a["username"] for a in api.get("/api/v1/accounts/search?q=bob&resolve=true").json()]
    assert found == ["bobby", "bobcat", "bobo"]
    assert [a["username"] for a in api.get("/api/v1/accounts/search?q=bob&limit=1").json()] == [
        "bobby"
    ]
    second = api.get("/api/v1/accounts/search?q=bob&limit=1&offset=1").json()
    assert [a["username"] for a in second] == ["bobcat"]
    following = api.get("/api/v1/accounts/search?q=bob&following=true").json()
    assert [a["username"] for a in following] == ["bobo"]
    assert api.get("/api/v1/accounts/search?q=bob&limit=x").status_code == 422
    assert Client().get("/api/v1/accounts/search?q=bob").status_code == 401


def test_update_credentials_changes_the_profile_with_the_projects_rules():
    alice = user_create(username="alice")
    api = _api(alice)
    answer = api.patch(
        "/api/v1/accounts/update_credentials",
        {"display_name": "Alice A", "note": "hello <b>world</b>", "locked": "true"},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["display_name"] == "Alice A" and data["locked"] is True
    assert data["source"]["note"] == "hello <b>world</b>" and "&lt;b&gt;" in data["note"]
    alice.refresh_from_db()
    assert alice.privacy == Privacy.PROTECTED and alice.bio == "hello <b>world</b>"
    unlocked = api.patch(
        "/api/v1/accounts/update_credentials", {"locked": False}, content_type="application/json"
    )
    assert unlocked.json()["locked"] is False


def test_update_credentials_takes_avatar_and_header_files_through_the_media_app():
    alice = user_create(username="alice")
    api = _api(alice)
    body = encode_multipart(
        BOUNDARY,
        {"avatar": _png((80, 50)), "header": _png((300, 100)), "display_name": "Pic"},
    )
    answer = api.generic(
        "PATCH",
        "/api/v1/accounts/update_credentials",
        body,
        content_type=MULTIPART_CONTENT,
    )
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert "/mastodon/avatars/" not in data["avatar"] and data["header"]
    assert Upload.objects.filter(owner=alice).count() == 2
    assert Client().get(data["avatar"].replace("http://testserver", "")).status_code == 200


def test_update_credentials_refuses_bad_input_and_writes_nothing():
    alice = user_create(username="alice", display_name="Before")
    api = _api(alice)
    too_long = api.patch(
        "/api/v1/accounts/update_credentials",
        {"display_name": "Renamed", "note": "x" * 161},
        content_type="application/json",
    )
    assert too_long.status_code == 422 and "160" in too_long.json()["error"]
    not_an_image = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    body = encode_multipart(BOUNDARY, {"avatar": not_an_image, "display_name": "Renamed"})
    bad_file = api.generic(
        "PATCH", "/api/v1/accounts/update_credentials", body, content_type=MULTIPART_CONTENT
    )
    assert bad_file.status_code == 422 and set(bad_file.json()) == {"error"}
    alice.refresh_from_db()
    assert alice.display_name == "Before" and not Upload.objects.exists()
    read_only = _api(alice, scope="read")
    denied = read_only.patch(
        "/api/v1/accounts/update_credentials", {"note": "x"}, content_type="application/json"
    )
    assert denied.status_code == 403


def test_scopes_are_enforced_per_endpoint():
    alice = user_create(username="alice")
    bob = user_create(username="bob")
    reader = _api(alice, scope="read")
    assert reader.post(f"/api/v1/accounts/{bob.pk}/block").status_code == 403
    assert reader.post(f"/api/v1/accounts/{bob.pk}/mute").status_code == 403
    assert reader.get("/api/v1/blocks").status_code == 200
    follow_only = _api(alice, scope="follow")
    assert follow_only.post(f"/api/v1/accounts/{bob.pk}/mute").status_code == 200
    assert follow_only.get("/api/v1/mutes").status_code == 200
    assert follow_only.get("/api/v1/bookmarks").status_code == 403
    assert follow_only.get("/api/v1/accounts/search?q=b").status_code == 403
    narrow = _api(alice, scope="read:blocks")
    assert narrow.get("/api/v1/blocks").status_code == 200
    assert narrow.get("/api/v1/mutes").status_code == 403
    assert Client().get("/api/v1/blocks").status_code == 401
