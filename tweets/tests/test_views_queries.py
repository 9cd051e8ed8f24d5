"""A page of 20 costs the same queries as a page of 1, on every list page (pinned).

Each scenario fills a page with a mix of what a card can show: plain tweets with hashtags and
mentions, quotes (with their original's author), retweets (shown as their original), replies,
liked and retweeted by the viewer, with and without avatars.
"""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Privacy
from accounts.services import user_update_profile
from accounts.tests.factories import user_create
from social.services import follow_create
from tweets.models import Tweet
from tweets.services import like_create, retweet_create
from tweets.tests.factories import committed, post

pytestmark = pytest.mark.django_db

TAG = "counted"
ARTICLE = " data-tweet-id="  # one per tweet card, the focused one on a tweet page too


class Scene:
    """A viewer, some authors they follow, and a stream of mixed items to add."""

    def __init__(self):
        self.viewer = user_create(username="viewer")
        self.owner = user_create(username="owner")
        self.authors = [self.owner, *(user_create() for _ in range(3))]
        self.others = self.authors[1:]
        user_update_profile(user=self.others[0], profile_image_url="https://img.example/a.png")
        for author in self.authors:
            follow_create(follower=self.viewer, followee=author)
        self.root = post(self.owner, f"the root #{TAG}")
        self.made: list[Tweet] = []
        self.numbers = itertools.count()

    def add_items(self, count: int, *, reply_to: Tweet | None = None) -> None:
        """Add `count` items by the owner's side; every kind of card shows up within five."""
        for _ in range(count):
            number = next(self.numbers)
            author = self.authors[number % len(self.authors)]
            previous = self.made[-1] if self.made else self.root
            if reply_to is not None:
                item = post(author, f"reply {number} #{TAG} @viewer", reply_to_id=reply_to.pk)
            elif number % 5 == 3 and not previous.is_plain_retweet:
                committed(retweet_create)(user=author, tweet_id=previous.pk)  # fans out
                item = Tweet.objects.get(user=author, original_tweet=previous, content="")
            elif number % 5 == 4:
                item = post(author, f"quote {number} #{TAG}", quote_of_id=self.root.pk)
            elif number % 5 == 2:
                item = post(author, f"reply {number} #{TAG}", reply_to_id=previous.pk)
            else:
                item = post(author, f"tweet {number} #{TAG} by @viewer")
            self.made.append(item)
            if number % 2 == 0:
                like_create(user=self.viewer, tweet_id=item.pk)
            # The owner's likes tab: one like per item, of a tweet that is not the owner's.
            liked = post(self.others[number % 3], f"likeable {number}")
            like_create(user=self.owner, tweet_id=liked.pk)


def _queries_of(client, url: str) -> tuple[int, str]:
    """Load `url` twice and return the query count and body of the second (warm) load."""
    client.get(url)  # a first read may do one-off work (a timeline rebuild)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries), response.content.decode()


def _assert_constant(client, url: str, grow, count_items) -> None:
    """Measure `url` with one item, grow to 20 or more, and pin the same count."""
    grow(1)
    one, body = _queries_of(client, url)
    assert count_items(body) >= 1, url
    grow(24)
    many, body = _queries_of(client, url)
    assert count_items(body) == 20, url
    assert many == one, f"{url}: {one} queries for 1 item, {many} for 20"


def _tweets(body: str) -> int:
    return body.count(ARTICLE)


@pytest.mark.parametrize("signed_in", [True, False], ids=["signed-in", "anonymous"])
@pytest.mark.parametrize(
    "page",
    ["explore", "profile", "profile_replies", "profile_likes", "hashtag", "search"],
)
def test_tweet_list_pages_cost_constant_queries(client, page, signed_in):
    scene = Scene()
    if signed_in:
        client.force_login(scene.viewer)
    urls = {
        "explore": reverse("explore"),
        "profile": reverse("profile", kwargs={"username": "owner"}),
        "profile_replies": reverse("profile_replies", kwargs={"username": "owner"}),
        "profile_likes": reverse("profile_likes", kwargs={"username": "owner"}),
        "hashtag": reverse("hashtag", kwargs={"tag": TAG}),
        "search": reverse("search") + f"?q={TAG}",
    }
    # A profile shows the owner's items only: give the owner every one.
    if page.startswith("profile"):
        scene.authors = [scene.owner]

    _assert_constant(client, urls[page], scene.add_items, _tweets)


def test_home_costs_constant_queries(client):
    scene = Scene()
    client.force_login(scene.viewer)

    _assert_constant(client, reverse("home"), scene.add_items, _tweets)


def test_tweet_page_costs_constant_queries_whatever_the_replies(client):
    scene = Scene()
    client.force_login(scene.viewer)
    url = reverse("tweet_detail", kwargs={"username": "owner", "pk": scene.root.pk})

    def grow(count: int) -> None:
        scene.add_items(count, reply_to=scene.root)

    def replies(body: str) -> int:
        return _tweets(body) - 1  # the tweet itself

    _assert_constant(client, url, grow, replies)


def test_tweet_page_costs_constant_queries_whatever_the_thread_depth(client):
    scene = Scene()
    client.force_login(scene.viewer)
    tip = scene.root
    depths = {}
    for depth in (1, 20):
        while len(scene.made) < depth:
            tip = post(scene.authors[len(scene.made) % 4], "deeper", reply_to_id=tip.pk)
            scene.made.append(tip)
        url = reverse("tweet_detail", kwargs={"username": tip.user.username, "pk": tip.pk})
        depths[depth], body = _queries_of(client, url)
        assert _tweets(body) == depth + 1

    assert depths[20] == depths[1]


@pytest.mark.parametrize("name", ["followers", "following", "people_search"])
def test_people_lists_cost_constant_queries(client, name):
    owner = user_create(username="owner")
    client.force_login(user_create(username="viewer"))
    numbers = itertools.count()

    def grow(count: int) -> None:
        for _ in range(count):
            number = next(numbers)
            person = user_create(username=f"person{number:02d}", display_name=f"Person {number}")
            if number % 3 == 0:
                user_update_profile(user=person, bio="bio #tag @owner")
            if name == "followers":
                follow_create(follower=person, followee=owner)
            else:
                follow_create(follower=owner, followee=person)

    urls = {
        "followers": reverse("followers", kwargs={"username": "owner"}),
        "following": reverse("following", kwargs={"username": "owner"}),
        "people_search": reverse("search") + "?q=person&type=people",
    }

    _assert_constant(client, urls[name], grow, lambda body: body.count('class="person"'))


def test_follow_requests_cost_constant_queries(client):
    owner = user_create(username="owner", privacy=Privacy.PROTECTED)
    client.force_login(owner)
    numbers = itertools.count()

    def grow(count: int) -> None:
        for _ in range(count):
            follow_create(
                follower=user_create(username=f"asker{next(numbers):02d}"), followee=owner
            )

    _assert_constant(
        client, reverse("follow_requests"), grow, lambda body: body.count('class="person request"')
    )


@pytest.mark.parametrize(
    "page, pinned",
    [("home", 6), ("profile", 9), ("explore", 0)],
    ids=["home", "profile", "explore"],
)
def test_signed_in_pages_pay_one_query_for_the_unread_badge(client, page, pinned):
    """The nav's unread badge (notifications) is one count per signed-in page, no more.

    It moved every signed-in page by one query (here, with the session and user lookups:
    home 5 -> 6, a profile tab 8 -> 9); signed-out pages do not run it.
    """
    scene = Scene()
    scene.add_items(5)
    client.force_login(scene.viewer)
    urls = {
        "home": reverse("home"),
        "profile": reverse("profile", kwargs={"username": "owner"}),
        "explore": reverse("explore"),
    }
    client.get(urls[page])
    with CaptureQueriesContext(connection) as captured:
        assert client.get(urls[page]).status_code == 200
    badge = [q for q in captured.captured_queries if 'FROM "notifications"' in (q["sql"] or "")]
    assert len(badge) == 1 and badge[0]["sql"].startswith("SELECT COUNT(*)")
    assert len(captured.captured_queries) == pinned or not pinned, len(captured.captured_queries)
    client.logout()
    with CaptureQueriesContext(connection) as captured:
        client.get(urls[page])
    assert not [q for q in captured.captured_queries if 'FROM "notifications"' in (q["sql"] or "")]
