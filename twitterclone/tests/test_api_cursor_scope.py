"""A cursor belongs to the list that minted it: any other list answers 400 (docs/api.md).

Before, every list shared one cursor format and salt, so a cursor from Alice's followers
silently paged Bob's followers, or the home timeline paged a hashtag, from the wrong place.
"""

from urllib.parse import parse_qs, urlsplit

import pytest

from accounts.tests.factories import user_create
from social.services import follow_create
from tweets.tests.factories import post
from twitterclone.tests.api_helpers import bearer_client

pytestmark = pytest.mark.django_db

API = "/api/v1"
REFUSED = {"cursor": ["Invalid or expired cursor."]}


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_THROTTLING = False


@pytest.fixture
def world():
    alice, bob, viewer = (user_create(username=name) for name in ("alice", "bob", "viewer"))
    for n in range(3):
        fan = user_create(username=f"fan{n}")
        follow_create(follower=fan, followee=alice)
        follow_create(follower=fan, followee=bob)
        follow_create(follower=alice, followee=fan)
    follow_create(follower=viewer, followee=alice)
    root = post(alice, "root #cats words")
    for n in range(3):
        post(alice, f"cats #cats words {n}")
        post(alice, f"dogs #dogs other {n}")
        post(bob, f"reply {n}", reply_to_id=root.pk)
    return {"client": bearer_client(user=viewer), "root": root}


def _cursor(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    next_url = (body.get("replies") or body)["next"]
    assert next_url, url
    return parse_qs(urlsplit(next_url).query)["cursor"][0]


def _with_cursor(url: str, cursor: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}cursor={cursor}"


FOREIGN = [
    ("/users/alice/followers?limit=1", "/users/bob/followers"),
    ("/users/alice/followers?limit=1", "/users/alice/following"),
    ("/users/alice/tweets?limit=1", "/users/alice/tweets?replies=true"),
    ("/timeline/home?limit=1", "/hashtags/cats"),
    ("/hashtags/cats?limit=1", "/hashtags/dogs"),
    ("/search?q=words&limit=1", "/search?q=other"),
    ("/search?q=fan&type=users&limit=1", "/search?q=fa&type=users"),
    ("/search?q=words&limit=1", "/hashtags/cats"),
    ("/tweets/{root}/replies?limit=1", "/users/bob/tweets?replies=true"),
]


@pytest.mark.parametrize(("source", "target"), FOREIGN)
def test_a_cursor_from_another_list_is_400(world, source, target):
    client, root = world["client"], world["root"].pk
    cursor = _cursor(client, API + source.format(root=root))

    response = client.get(_with_cursor(API + target.format(root=root), cursor))

    assert response.status_code == 400, response.content[:300]
    assert response.json() == REFUSED


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("/users/alice/followers?limit=1", "/users/alice/followers?limit=2"),
        ("/users/alice/followers?limit=1", "/users/ALICE/followers"),
        ("/search?limit=1&q=words", "/search?q=words"),
        ("/tweets/{root}/context?limit=1", "/tweets/{root}/replies"),
        ("/tweets/{root}/replies?limit=1", "/tweets/{root}/context"),
    ],
)
def test_the_same_list_takes_its_cursor_whatever_the_limit_case_or_order(world, source, target):
    client, root = world["client"], world["root"].pk
    cursor = _cursor(client, API + source.format(root=root))

    response = client.get(_with_cursor(API + target.format(root=root), cursor))

    assert response.status_code == 200, response.content[:300]


@pytest.mark.parametrize(
    "url",
    [
        "/users/alice/followers",
        "/users/alice/tweets?replies=true",
        "/timeline/home",
        "/search?q=words",
        "/search?q=fan&type=users",
        "/tweets/{root}/replies",
    ],
)
def test_following_next_walks_the_whole_list_once(world, url):
    client = world["client"]
    url = API + url.format(root=world["root"].pk)
    whole = [
        row["id"]
        for row in client.get(f"{url}{'&' if '?' in url else '?'}limit=100").json()["results"]
    ]
    seen, next_url = [], f"{url}{'&' if '?' in url else '?'}limit=1"
    while next_url:
        body = client.get(next_url).json()
        seen += [row["id"] for row in body["results"]]
        next_url = body["next"]
    assert seen == whole and len(whole) >= 3
