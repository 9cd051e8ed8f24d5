"""Mentions never tell a viewer that an account hidden from them exists (issue 11, item 4).

A suspended account, an account that blocks the author and a name nobody has must look the
same: absent from the API's `mentions`, the same link to a 404 in the HTML. The row stores
every existing account's id (keys); each read decides by the viewer (the visibility rule).
"""

import json
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import token_create, user_set_active
from accounts.tests.factories import user_create
from social.services import block_create
from tweets.models import Tweet

pytestmark = pytest.mark.django_db

API = "/api/v1"
CONTENT = "hi @Friend @Suspended @Blocker @nobody_here"
# Each render masks the CSRF token afresh; nothing else may differ between the 404 pages.
CSRF_TOKEN_RE = re.compile(rb"[A-Za-z0-9]{64}")


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_create(user=user)}")
    return client


@pytest.fixture
def world():
    """An author, a third party and the three accounts a mention may name."""
    users = {
        name: user_create(username=name)
        for name in ("author", "reader", "Friend", "Suspended", "Blocker")
    }
    user_set_active(user=users["Suspended"], active=False)
    block_create(blocker=users["Blocker"], blocked=users["author"])
    return users


def _post(world) -> dict:
    response = client_for(world["author"]).post(
        f"{API}/tweets", json.dumps({"content": CONTENT}), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_post_response_names_only_accounts_that_exist_for_the_author(world):
    body = _post(world)

    # The suspended account and the blocker answer like @nobody_here: not there.
    assert body["mentions"] == ["Friend"]


def test_the_row_keeps_every_existing_account_for_later_reads(world):
    body = _post(world)

    stored = Tweet.objects.get(pk=body["id"]).mentions
    assert stored == [world[name].pk for name in ("Friend", "Suspended", "Blocker")]


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [
        ("author", ["Friend"]),
        # The block is between the author and the blocker; a third party sees the blocker.
        ("reader", ["Friend", "Blocker"]),
        (None, ["Friend", "Blocker"]),
        ("Blocker", None),  # the whole tweet is hidden from the blocker: 404
    ],
    ids=["author", "third-party", "anonymous", "blocker"],
)
def test_get_names_accounts_by_the_readers_view(world, viewer, expected):
    tweet_id = _post(world)["id"]

    response = client_for(world.get(viewer)).get(f"{API}/tweets/{tweet_id}")

    if expected is None:
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        assert response.json()["mentions"] == expected


def test_staff_see_the_suspended_account_as_the_rule_says(world):
    tweet_id = _post(world)["id"]
    moderator = user_create(username="mod", is_staff=True)

    body = client_for(moderator).get(f"{API}/tweets/{tweet_id}").json()

    assert body["mentions"] == ["Friend", "Suspended", "Blocker"]


def test_a_restored_account_is_named_again(world):
    tweet_id = _post(world)["id"]
    user_set_active(user=world["Suspended"], active=True)

    body = client_for(world["author"]).get(f"{API}/tweets/{tweet_id}").json()

    assert body["mentions"] == ["Friend", "Suspended"]


def test_thread_and_timeline_name_the_same_accounts(world):
    tweet_id = _post(world)["id"]
    author = client_for(world["author"])

    thread = author.get(f"{API}/tweets/{tweet_id}/context").json()
    timeline = author.get(f"{API}/users/author/tweets").json()

    assert thread["tweet"]["mentions"] == ["Friend"]
    assert timeline["results"][0]["mentions"] == ["Friend"]


def test_html_links_every_mention_alike_and_each_hidden_one_is_the_same_404(client, world):
    tweet = Tweet.objects.get(pk=_post(world)["id"])
    client.force_login(world["author"])

    page = client.get(reverse("tweet_detail", args=["author", tweet.pk])).text

    for name in ("Friend", "Suspended", "Blocker", "nobody_here"):
        assert f'<a class="mention" href="/@{name}">@{name}</a>' in page
    answers = {
        name: client.get(reverse("profile", args=[name]))
        for name in ("Suspended", "Blocker", "nobody_here")
    }
    assert {answer.status_code for answer in answers.values()} == {404}
    bodies = {
        CSRF_TOKEN_RE.sub(b"TOKEN", answer.content.replace(name.encode(), b"NAME"))
        for name, answer in answers.items()
    }
    assert len(bodies) == 1
    assert client.get(reverse("profile", args=["Friend"])).status_code == 200
