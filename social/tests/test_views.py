"""HTML follow, block, follower lists and follow requests, with and without htmx."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Privacy
from accounts.tests.factories import user_create
from social.models import Block, FollowRequest, UserFollows
from social.services import block_create, follow_create

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def _follow_url(user) -> str:
    return reverse("follow", kwargs={"username": user.username})


def _button(text: str) -> str:
    return f">{text}</button>"


@pytest.mark.parametrize(
    ("privacy", "after"),
    [
        (Privacy.PUBLIC, "Unfollow"),
        (Privacy.PROTECTED, "Requested"),
        (Privacy.PRIVATE, "Requested"),
    ],
)
def test_follow_with_htmx_returns_the_new_button(client, privacy, after):
    me, them = user_create(), user_create(privacy=privacy)
    client.force_login(me)
    assert _button("Follow") in client.get(them.get_absolute_url()).text

    response = client.post(_follow_url(them), **HX)

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div class="follow-box">')
    assert _button(after) in response.text
    assert "HX-Request" in response["Vary"]


def test_follow_with_htmx_updates_the_follower_count_out_of_band(client):
    me, them = user_create(), user_create()
    client.force_login(me)

    response = client.post(_follow_url(them), **HX)

    count_id = f"followers-count-{them.pk}"
    assert f'<strong id="{count_id}" hx-swap-oob="true">1</strong>' in response.text
    assert f'id="{count_id}"' in client.get(them.get_absolute_url()).text


def test_follow_without_javascript_returns_to_the_page_it_was_pressed_on(client):
    """The button sits on profiles, people lists and the who-to-follow box of every page."""
    me, them = user_create(), user_create()
    client.force_login(me)

    response = client.post(_follow_url(them), {"next": "/explore"})

    assert response.status_code == 302
    assert response["Location"] == "/explore"
    assert UserFollows.objects.filter(follower=me, following=them).exists()


def test_follow_with_htmx_keeps_the_page_as_next_in_the_new_button(client):
    me, them = user_create(), user_create()
    client.force_login(me)

    response = client.post(_follow_url(them), {"next": "/explore"}, **HX)

    assert '<input type="hidden" name="next" value="/explore">' in response.text


def test_follow_with_htmx_never_sends_a_private_accounts_count(client):
    me, them = user_create(), user_create(privacy=Privacy.PRIVATE)
    follow_create(follower=user_create(), followee=them)  # pending: the count stays private
    client.force_login(me)

    response = client.post(_follow_url(them), **HX)

    assert _button("Requested") in response.text
    assert "followers-count" not in response.text


def test_pressing_requested_cancels_the_request(client):
    me, them = user_create(), user_create(privacy=Privacy.PROTECTED)
    follow_create(follower=me, followee=them)
    client.force_login(me)
    page = client.get(them.get_absolute_url()).text
    assert _button("Requested") in page

    response = client.post(_follow_url(them), {"action": "unfollow"}, **HX)

    assert _button("Follow") in response.text
    assert not FollowRequest.objects.exists()


def test_unfollow_without_javascript_goes_back_to_next(client):
    me, them = user_create(), user_create()
    follow_create(follower=me, followee=them)
    client.force_login(me)

    response = client.post(_follow_url(them), {"action": "unfollow", "next": "/explore"})

    assert response.status_code == 302
    assert response.url == "/explore"
    assert not UserFollows.objects.exists()


def test_follow_error_shows_in_the_fragment(client):
    me = user_create()
    client.force_login(me)

    response = client.post(_follow_url(me), **HX)

    assert "You cannot follow yourself." in response.text
    assert not UserFollows.objects.exists()


def test_block_then_the_profile_is_a_card_with_an_unblock_button(client):
    me, them = user_create(), user_create(username="pest", display_name="Pest Name")
    follow_create(follower=me, followee=them)
    client.force_login(me)
    assert _button("Block") in client.get(them.get_absolute_url()).text

    response = client.post(reverse("block", kwargs={"username": "pest"}))
    assert response.status_code == 302
    assert Block.objects.filter(blocker=me, blocked=them).exists()
    assert not UserFollows.objects.exists()

    page = client.get(them.get_absolute_url())
    assert page.status_code == 200
    assert _button("Unblock") in page.text
    assert "Pest Name" in page.text and "You blocked @pest" in page.text

    client.post(reverse("block", kwargs={"username": "pest"}), {"action": "unblock"})
    assert not Block.objects.exists()
    assert client.get(them.get_absolute_url()).status_code == 200


def test_someone_who_blocked_me_is_a_plain_404_without_unblock(client):
    me, them = user_create(), user_create(username="blocker")
    block_create(blocker=them, blocked=me)
    client.force_login(me)

    page = client.get(them.get_absolute_url())

    assert page.status_code == 404
    assert "Unblock" not in page.text
    assert client.post(reverse("block", kwargs={"username": "blocker"})).status_code == 404


def test_blocking_yourself_shows_a_message(client):
    me = user_create()
    client.force_login(me)

    response = client.post(reverse("block", kwargs={"username": me.username}), follow=True)

    assert "You cannot block yourself." in response.text
    assert not Block.objects.exists()


def test_followers_and_following_pages_list_people(client):
    owner = user_create(username="owner")
    fans = [user_create(username=f"fan{n}", display_name=f"Fan {n}") for n in range(3)]
    for fan in fans:
        follow_create(follower=fan, followee=owner)
    follow_create(follower=owner, followee=fans[0])

    followers = client.get(reverse("followers", kwargs={"username": "owner"})).text
    following = client.get(reverse("following", kwargs={"username": "owner"})).text

    for fan in fans:
        assert f'href="/@{fan.username}"' in followers
    assert 'href="/@fan0"' in following
    assert 'href="/@fan1"' not in following


def test_followers_load_more_with_htmx_returns_only_people(client):
    owner = user_create(username="owner")
    for n in range(22):
        follow_create(follower=user_create(username=f"fan{n:02d}"), followee=owner)
    page = client.get(reverse("followers", kwargs={"username": "owner"}))
    assert ">Load more</a>" in page.text

    fragment = client.get(
        reverse("followers", kwargs={"username": "owner"}),
        {"cursor": page.context["page"].next_cursor},
        **HX,
    )

    assert "<html" not in fragment.text
    assert fragment.text.count('class="person"') == 2


def test_follow_requests_page_approve_and_reject(client):
    owner = user_create(privacy=Privacy.PROTECTED)
    asker, other = user_create(username="asker"), user_create(username="other")
    follow_create(follower=asker, followee=owner)
    follow_create(follower=other, followee=owner)
    client.force_login(owner)

    page = client.get(reverse("follow_requests")).text
    assert page.count(_button("Approve")) == 2
    assert page.count(_button("Reject")) == 2

    approve = reverse("follow_request_decide", kwargs={"username": "asker", "decision": "approve"})
    response = client.post(approve, **HX)
    assert response.status_code == 200
    assert response.content == b""
    assert UserFollows.objects.filter(follower=asker, following=owner).exists()

    reject = reverse("follow_request_decide", kwargs={"username": "other", "decision": "reject"})
    response = client.post(reject)
    assert response.status_code == 302
    assert response.url == reverse("follow_requests")
    assert not FollowRequest.objects.exists()
    assert not UserFollows.objects.filter(follower=other).exists()
    assert "No pending requests." in client.get(reverse("follow_requests")).text


def test_unknown_decision_is_404(client):
    owner = user_create(privacy=Privacy.PROTECTED)
    asker = user_create(username="asker")
    follow_create(follower=asker, followee=owner)
    client.force_login(owner)

    url = reverse("follow_request_decide", kwargs={"username": "asker", "decision": "maybe"})

    assert client.post(url).status_code == 404
    assert FollowRequest.objects.exists()


def test_follow_requests_need_sign_in(client):
    response = client.get(reverse("follow_requests"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_every_social_form_needs_the_csrf_token():
    me = user_create()
    them = user_create(username="them")
    asker = user_create(username="asker")
    follow_create(follower=asker, followee=user_create(privacy=Privacy.PROTECTED))
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(me)

    for url in (
        _follow_url(them),
        reverse("block", kwargs={"username": "them"}),
        reverse("follow_request_decide", kwargs={"username": "asker", "decision": "approve"}),
    ):
        assert csrf_client.post(url).status_code == 403, url
        assert csrf_client.post(url, **HX).status_code == 403, url

    assert not UserFollows.objects.exists()
    assert not Block.objects.exists()
    assert FollowRequest.objects.count() == 1
