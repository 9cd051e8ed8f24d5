"""The profile pages (/@username and its tabs) over DESIGN's "Privacy" table, as HTML."""

import re

import pytest
from django.urls import reverse

from accounts.models import Privacy, User
from accounts.services import user_set_active, user_update_profile
from accounts.tests.factories import user_create
from social.services import block_create, follow_create, follow_request_approve, privacy_set
from tweets.models import Tweet
from tweets.tests.factories import post

pytestmark = pytest.mark.django_db


def _profile_url(user: User) -> str:
    return reverse("profile", kwargs={"username": user.username})


def _detail_url(tweet: Tweet) -> str:
    return reverse("tweet_detail", kwargs={"username": tweet.user.username, "pk": tweet.pk})


def _follow(follower: User, followee: User) -> None:
    """Make `follower` an approved follower of `followee`, whatever its privacy."""
    follow_create(follower=follower, followee=followee)
    follow_request_approve(owner=followee, requester=follower)


# Profiles: the DESIGN "Privacy" table -----------------------------------------------------

VIEWERS = ["anonymous", "stranger", "follower", "owner"]


def _profile_world(privacy: str):
    """Return (owner, {viewer kind: user or None}) for an account with `privacy` and a tweet."""
    owner = user_create(username="owner", display_name="Owner Display")
    user_update_profile(user=owner, bio="Bio of the owner")
    post(owner, "owner tweet text")
    follower, stranger = user_create(username="fan"), user_create(username="passerby")
    _follow(follower, owner)
    privacy_set(user=owner, privacy=privacy)
    return owner, {"anonymous": None, "stranger": stranger, "follower": follower, "owner": owner}


def _expected_access(privacy: str, viewer: str) -> str:
    if privacy == Privacy.PUBLIC or viewer in ("follower", "owner"):
        return "full"
    return "card" if privacy == Privacy.PROTECTED else "minimal"


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("privacy", Privacy.values)
def test_profile_shows_what_the_privacy_table_allows(client, privacy, viewer):
    owner, viewers = _profile_world(privacy)
    if viewers[viewer] is not None:
        client.force_login(viewers[viewer])

    response = client.get(_profile_url(owner))

    assert response.status_code == 200
    access = _expected_access(privacy, viewer)
    assert response.context["access"] == access
    body = response.text
    assert "@owner" in body
    if access == "full":
        assert "Owner Display" in body
        assert "Bio of the owner" in body
        assert "owner tweet text" in body
    elif access == "card":
        assert "Owner Display" in body
        assert "Bio of the owner" in body
        assert "owner tweet text" not in body
        assert "These tweets are protected" in body
    else:
        assert "This account is private." in body
        assert "Bio of the owner" not in body
        assert "owner tweet text" not in body
        assert "followers" not in body


@pytest.mark.parametrize("viewer", ["anonymous", "stranger"])
def test_private_profile_does_not_show_the_display_name_to_non_followers(client, viewer):
    owner, viewers = _profile_world(Privacy.PRIVATE)
    if viewers[viewer] is not None:
        client.force_login(viewers[viewer])

    response = client.get(_profile_url(owner))

    assert "Owner Display" not in response.text


@pytest.mark.parametrize("privacy", Privacy.values)
def test_profile_offers_the_right_follow_button(client, privacy):
    owner = user_create(privacy=privacy)
    client.force_login(user_create())

    body = client.get(_profile_url(owner)).text

    # Attributes after the class (the focus key and announcement site.js reads) may follow.
    assert re.search(r'<button type="submit" class="btn btn-primary"[^>]*>Follow</button>', body)


def test_profile_url_ignores_username_case(client):
    owner = user_create(username="CamelCase")

    response = client.get("/@camelcase")

    assert response.status_code == 200
    assert response.context["profile_user"] == owner


@pytest.mark.parametrize("direction", ["owner_blocks_viewer", "viewer_blocks_owner"])
def test_tweets_are_404_across_a_block_and_the_profile_to_the_blocked(client, direction):
    owner, viewer = user_create(), user_create()
    tweet = post(owner, "not for you")
    if direction == "owner_blocks_viewer":
        block_create(blocker=owner, blocked=viewer)
    else:
        block_create(blocker=viewer, blocked=owner)
    client.force_login(viewer)

    # The blocker gets the card with Unblock (social/tests/test_blocks.py), never the tweets.
    profile = client.get(_profile_url(owner))
    assert profile.status_code == (404 if direction == "owner_blocks_viewer" else 200)
    assert "not for you" not in profile.text
    assert client.get(_detail_url(tweet)).status_code == 404


def test_profile_of_an_unknown_user_is_404(client):
    assert client.get("/@nobody_here").status_code == 404


def test_profile_with_a_nul_byte_in_the_username_is_404_not_500(client):
    client.raise_request_exception = False
    url = reverse("follow", kwargs={"username": "a\x00b"})
    client.force_login(user_create())

    assert client.get("/@a%00b").status_code == 404
    assert client.post(url).status_code == 404


def test_profile_of_a_suspended_user_is_404(client):
    owner = user_create()
    user_set_active(user=owner, active=False)

    assert client.get(_profile_url(owner)).status_code == 404
