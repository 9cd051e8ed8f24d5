"""Blocks seen from both sides: the blocker sees a card and can undo it, the blocked sees nothing.

Selectors, JSON API (profile, lists, GET /me/blocks) and HTML (profile page, /settings/blocks).
Also PATCH /me with an empty display name, which the schema must describe as allowed.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Privacy, User
from accounts.services import user_set_active
from accounts.tests.factories import user_create
from social.models import Block, UserFollowers, UserFollows
from social.selectors import (
    ProfileAccess,
    Relationship,
    blocks_list,
    profile_access,
    relationship_get,
    user_get_blockable,
    user_get_profile,
    user_get_visible,
)
from social.services import block_create, follow_create, privacy_set
from tweets.tests.factories import post
from twitterclone.pagination import CURSOR_INVALID
from twitterclone.tests.api_helpers import bearer_client

pytestmark = pytest.mark.django_db

CARD_NAME = "Cardname Shown"
TWEET_TEXT = "tweetmark of the blocked"
EXPECTED_ACCESS = {
    Privacy.PUBLIC: ProfileAccess.CARD,
    Privacy.PROTECTED: ProfileAccess.CARD,
    Privacy.PRIVATE: ProfileAccess.MINIMAL,
}


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_THROTTLING = False


def _pair(privacy: str = Privacy.PUBLIC) -> tuple[User, User]:
    """Return (me, them): they have a tweet and a follower each way, then I block them."""
    me = user_create(username="me")
    them = user_create(username="them", display_name=CARD_NAME)
    post(them, TWEET_TEXT)
    follow_create(follower=me, followee=them)
    follow_create(follower=them, followee=me)
    if privacy != Privacy.PUBLIC:
        privacy_set(user=them, privacy=privacy)
    block_create(blocker=me, blocked=them)
    return me, them


def _block_at(blocker: User, blocked: User, moment) -> None:
    block_create(blocker=blocker, blocked=blocked)
    Block.objects.filter(blocker=blocker, blocked=blocked).update(created_at=moment)


# Selectors


@pytest.mark.parametrize("privacy", Privacy.values)
def test_the_blocker_gets_the_profile_at_most_as_a_card(privacy):
    me, them = _pair(privacy)

    assert user_get_profile(viewer=me, username="THEM").pk == them.pk
    assert profile_access(viewer=me, user=them) == EXPECTED_ACCESS[privacy]
    assert relationship_get(viewer=me, user=them) == Relationship(blocking=True)
    # Everything else still treats the account as absent for the blocker.
    with pytest.raises(User.DoesNotExist):
        user_get_visible(viewer=me, username="them")


@pytest.mark.parametrize("privacy", Privacy.values)
def test_the_blocked_user_still_gets_nothing(privacy):
    me, them = _pair()
    privacy_set(user=me, privacy=privacy)

    with pytest.raises(User.DoesNotExist):
        user_get_profile(viewer=them, username="me")
    with pytest.raises(User.DoesNotExist):
        profile_access(viewer=them, user=me)


def test_a_lingering_follow_never_gives_the_blocker_full_access():
    me, them = _pair()
    # A follow row left behind by anything but the services: the block must still win.
    UserFollows.objects.create(follower=me, following=them)
    UserFollowers.objects.create(user=them, follower=me)

    assert profile_access(viewer=me, user=them) == ProfileAccess.CARD


def test_a_mutual_block_hides_both_profiles_but_each_block_can_be_lifted():
    me, them = _pair()
    block_create(blocker=them, blocked=me)

    for viewer, other in ((me, "them"), (them, "me")):
        with pytest.raises(User.DoesNotExist):
            user_get_profile(viewer=viewer, username=other)
        assert user_get_blockable(viewer=viewer, username=other)


def test_suspended_blocked_account_shows_to_staff_blocker_only():
    me, them = _pair()
    staff = user_create(is_staff=True)
    block_create(blocker=staff, blocked=them)
    user_set_active(user=them, active=False)

    with pytest.raises(User.DoesNotExist):
        user_get_profile(viewer=me, username="them")
    assert blocks_list(user=me).items == []
    assert user_get_profile(viewer=staff, username="them").pk == them.pk
    assert [u.pk for u in blocks_list(user=staff).items] == [them.pk]


def test_anonymous_profile_lookup_is_unchanged():
    _, them = _pair()

    assert user_get_profile(viewer=AnonymousUser(), username="them").pk == them.pk


def test_blocks_list_pages_newest_first_without_duplicates_across_equal_times():
    me = user_create()
    base = timezone.now()
    blocked = [user_create(privacy=Privacy.PRIVATE if i == 2 else Privacy.PUBLIC) for i in range(5)]
    # Two blocks at the same instant: the id breaks the tie, nothing is lost or repeated.
    for i, other in enumerate(blocked):
        _block_at(me, other, base + timedelta(seconds=min(i, 3)))
    block_create(blocker=user_create(), blocked=me)  # someone else's block: not mine to list

    seen, cursor = [], None
    while True:
        page = blocks_list(user=me, cursor=cursor, limit=2)
        seen += [u.pk for u in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor

    newest_first = sorted(blocked, key=lambda u: (min(blocked.index(u), 3), u.pk), reverse=True)
    assert seen == [u.pk for u in newest_first]


# API: profile and lists


def _api(user: User | None) -> APIClient:
    return bearer_client(user=user) if user else APIClient()


@pytest.mark.parametrize("privacy", Privacy.values)
def test_api_blocker_sees_the_card_with_blocking_true_and_no_tweets_or_lists(privacy):
    me, _ = _pair(privacy)
    client = _api(me)

    response = client.get("/api/v1/users/them")

    assert response.status_code == 200
    body = response.json()
    assert body["access"] == EXPECTED_ACCESS[privacy]
    assert body["relationship"] == {
        "following": False,
        "followed_by": False,
        "requested": False,
        "blocking": True,
        "muting": False,
    }
    assert (CARD_NAME in response.content.decode()) is (privacy != Privacy.PRIVATE)
    for path in ("tweets", "followers", "following"):
        listed = client.get(f"/api/v1/users/them/{path}")
        assert listed.status_code == 404, path
        assert TWEET_TEXT not in listed.content.decode()


@pytest.mark.parametrize("privacy", Privacy.values)
def test_api_blocked_user_gets_404_on_the_blockers_profile_and_lists(privacy):
    me, them = _pair()
    privacy_set(user=me, privacy=privacy)
    client = _api(them)

    for path in ("", "/tweets", "/followers", "/following"):
        response = client.get(f"/api/v1/users/me{path}")
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not found."}


def test_api_unblock_works_from_the_card_and_restores_a_plain_profile():
    me, _ = _pair()
    client = _api(me)

    assert client.delete("/api/v1/users/them/block").status_code == 204

    body = client.get("/api/v1/users/them").json()
    assert body["access"] == ProfileAccess.FULL
    assert body["relationship"]["blocking"] is False


# API: GET /me/blocks


def test_api_me_blocks_pages_newest_first_with_cursor_and_no_duplicates():
    me = user_create()
    base = timezone.now()
    blocked = [user_create() for _ in range(5)]
    for i, other in enumerate(blocked):
        _block_at(me, other, base + timedelta(seconds=min(i, 3)))
    client = _api(me)

    usernames, url = [], "/api/v1/me/blocks?limit=2"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.json()
        assert len(body["results"]) <= 2
        usernames += [user["username"] for user in body["results"]]
        url = body["next"]

    expected = sorted(blocked, key=lambda u: (min(blocked.index(u), 3), u.pk), reverse=True)
    assert usernames == [u.username for u in expected]


def test_api_me_blocks_items_are_profiles_as_the_blocker_sees_them():
    me = user_create()
    public = user_create(username="open", display_name=CARD_NAME)
    private = user_create(username="closed", privacy=Privacy.PRIVATE, display_name="Secret Name")
    block_create(blocker=me, blocked=public)
    block_create(blocker=me, blocked=private)

    body = _api(me).get("/api/v1/me/blocks").json()

    by_name = {user["username"]: user for user in body["results"]}
    assert by_name["open"]["access"] == ProfileAccess.CARD
    assert by_name["open"]["display_name"] == CARD_NAME
    assert by_name["closed"]["access"] == ProfileAccess.MINIMAL
    assert set(by_name["closed"]) == {"id", "username", "privacy", "access", "relationship"}
    for user in body["results"]:
        assert user["relationship"]["blocking"] is True
    assert "Secret Name" not in str(body)


def test_api_me_blocks_lists_only_my_blocks_and_not_suspended_or_mutual_ones():
    me = user_create()
    shown, suspended, mutual = user_create(), user_create(), user_create()
    for other in (shown, suspended, mutual):
        block_create(blocker=me, blocked=other)
    block_create(blocker=mutual, blocked=me)
    block_create(blocker=user_create(), blocked=me)
    user_set_active(user=suspended, active=False)

    body = _api(me).get("/api/v1/me/blocks").json()

    assert [user["username"] for user in body["results"]] == [shown.username]
    assert body["next"] is None


@pytest.mark.parametrize("query", ["cursor=garbage", "cursor=%00", "limit=0", "limit=101"])
def test_api_me_blocks_bad_page_params_are_400(query):
    response = _api(user_create()).get(f"/api/v1/me/blocks?{query}")

    assert response.status_code == 400
    assert set(response.json()) == {query.split("=")[0]}
    if query == "cursor=garbage":
        assert response.json() == {"cursor": [CURSOR_INVALID]}


def test_api_me_blocks_is_401_signed_out():
    assert APIClient().get("/api/v1/me/blocks").status_code == 401


def test_api_me_blocks_query_count_does_not_grow_with_the_page(django_assert_num_queries):
    small, large = user_create(), user_create()
    block_create(blocker=small, blocked=user_create())
    for _ in range(30):
        block_create(blocker=large, blocked=user_create())

    for owner, size in ((small, 1), (large, 30)):
        client = _api(owner)
        # Token, page (users joined): the same for 1 row as for 30.
        with django_assert_num_queries(2):
            response = client.get("/api/v1/me/blocks?limit=50")
        assert len(response.json()["results"]) == size


def test_schema_documents_me_blocks_as_a_page_of_profiles(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    operation = schema["paths"]["/api/v1/me/blocks"]["get"]
    assert set(operation["responses"]) >= {"200", "400", "401"}
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    items = schema["components"]["schemas"][page.rsplit("/", 1)[1]]["properties"]["results"]
    assert items["items"]["$ref"] == "#/components/schemas/Profile"
    assert {p["name"] for p in operation["parameters"]} >= {"cursor", "limit"}


# HTML


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _button(text: str) -> str:
    return f">{text}</button>"


@pytest.mark.parametrize("privacy", Privacy.values)
@pytest.mark.parametrize("name", ["profile", "profile_replies", "profile_likes"])
def test_html_blocker_sees_the_card_a_notice_and_unblock_but_no_tweets(privacy, name):
    me, _ = _pair(privacy)

    response = _signed_in(me).get(reverse(name, kwargs={"username": "them"}))

    assert response.status_code == 200
    body = response.text
    assert "You blocked @them" in body
    assert _button("Unblock") in body
    assert _button("Follow") not in body and _button("Block") not in body
    assert TWEET_TEXT not in body
    assert (CARD_NAME in body) is (privacy != Privacy.PRIVATE)
    assert 'href="/@them/followers"' not in body  # no lists either


@pytest.mark.parametrize("privacy", Privacy.values)
def test_html_blocked_user_still_gets_a_plain_404(privacy):
    me, them = _pair()
    privacy_set(user=me, privacy=privacy)
    client = _signed_in(them)

    for url in (
        reverse("profile", kwargs={"username": "me"}),
        reverse("followers", kwargs={"username": "me"}),
        reverse("following", kwargs={"username": "me"}),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Unblock" not in response.text


def test_html_mutual_block_is_404_with_only_the_viewers_own_unblock():
    me, them = _pair()
    block_create(blocker=them, blocked=me)

    response = _signed_in(me).get(reverse("profile", kwargs={"username": "them"}))

    assert response.status_code == 404
    assert _button("Unblock") in response.text
    assert CARD_NAME not in response.text


def test_html_unblock_from_the_profile_works_without_javascript():
    me, them = _pair()
    client = _signed_in(me)

    response = client.post(reverse("block", kwargs={"username": "them"}), {"action": "unblock"})

    assert response.status_code == 302
    assert response.url == them.get_absolute_url()
    assert not Block.objects.exists()
    page = client.get(them.get_absolute_url())
    assert TWEET_TEXT in page.text
    assert _button("Follow") in page.text


def test_settings_blocks_needs_sign_in():
    response = Client().get(reverse("blocks"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_settings_links_to_blocked_accounts():
    assert reverse("blocks") in _signed_in(user_create()).get(reverse("settings")).text


def test_settings_blocks_lists_whom_i_blocked_with_unblock_that_returns_here():
    me, _ = _pair()
    private = user_create(username="hush", privacy=Privacy.PRIVATE, display_name="Secret Name")
    block_create(blocker=me, blocked=private)
    block_create(blocker=user_create(username="stranger"), blocked=me)
    client = _signed_in(me)

    page = client.get(reverse("blocks"))

    assert page.status_code == 200
    assert CARD_NAME in page.text and "@hush" in page.text
    assert "Secret Name" not in page.text  # a private account's card stays hidden
    assert "@stranger" not in page.text
    assert page.text.count(_button("Unblock")) == 2

    response = client.post(
        reverse("block", kwargs={"username": "them"}),
        {"action": "unblock", "next": reverse("blocks")},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("blocks")
    assert "You unblocked @them." in response.text
    assert CARD_NAME not in response.text
    assert list(Block.objects.filter(blocker=me).values_list("blocked_id", flat=True)) == [
        private.pk
    ]


def test_settings_blocks_load_more_pages_with_and_without_htmx():
    me = user_create()
    base = timezone.now()
    for i in range(25):
        _block_at(me, user_create(username=f"b{i:02}"), base + timedelta(seconds=i))
    client = _signed_in(me)

    first = client.get(reverse("blocks"))
    assert "@b24" in first.text and "@b05" in first.text and "@b04" not in first.text
    more = first.context["page"].next_cursor
    assert more

    plain = client.get(reverse("blocks"), {"cursor": more})
    fragment = client.get(reverse("blocks"), {"cursor": more}, HTTP_HX_REQUEST="true")
    for response in (plain, fragment):
        assert response.status_code == 200
        assert "@b04" in response.text and "@b00" in response.text
        assert "@b05" not in response.text
    assert "<html" not in fragment.text
    assert client.get(reverse("blocks"), {"cursor": "garbage"}).status_code == 404


def test_settings_blocks_empty():
    assert "You haven't blocked anyone." in _signed_in(user_create()).get(reverse("blocks")).text


# PATCH /me: an empty display name is allowed, and the schema says so


def test_patch_me_accepts_an_empty_display_name_and_falls_back_to_the_username():
    me = user_create(username="alice", display_name="Alice")

    response = _api(me).patch("/api/v1/me", {"display_name": ""}, format="json")

    assert response.status_code == 200
    assert response.json()["display_name"] == ""
    me.refresh_from_db()
    assert me.display_name == "" and me.name == "alice"


def test_schema_allows_the_empty_display_name_that_patch_me_accepts(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    body = schema["paths"]["/api/v1/me"]["patch"]["requestBody"]["content"]["application/json"]
    component = schema["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]
    display_name = component["properties"]["display_name"]
    assert display_name.get("minLength", 0) == 0
    assert display_name["maxLength"] == 100
    for name in ("Me", "User", "Profile"):
        assert (
            schema["components"]["schemas"][name]["properties"]["display_name"].get("minLength", 0)
            == 0
        )
