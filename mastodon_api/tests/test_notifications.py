"""Notifications by id, dismiss, clear, type filters, v2 grouped, and the markers."""

import pytest
from django.test import Client

from accounts.tests.factories import user_create
from mastodon_api.entities import _iso
from notifications.models import Notification, NotificationSettings
from social.services import block_create, follow_create
from tweets.services import like_create, retweet_create
from tweets.tests.factories import committed, post

from .helpers import token_for

pytestmark = pytest.mark.django_db

NOTIFICATION_GROUP = [
    "group_key",
    "notifications_count",
    "type",
    "most_recent_notification_id",
    "page_min_id",
    "page_max_id",
    "latest_page_notification_at",
    "sample_account_ids",
]


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_THROTTLING = False


@pytest.fixture
def scene():
    """Bob's status liked and reblogged by three fans, who also follow him; one mention."""
    bob = user_create(username="bob")
    fans = [user_create(username=f"fan{n}") for n in range(3)]
    tweet = post(bob, "bob's status")
    for fan in fans:
        committed(like_create)(user=fan, tweet_id=tweet.pk)
        committed(retweet_create)(user=fan, tweet_id=tweet.pk)
        committed(follow_create)(follower=fan, followee=bob)
    post(fans[0], "hey @bob")
    api = Client(headers={"authorization": f"Bearer {token_for(bob)}"})
    return bob, fans, tweet, api


def test_types_and_exclude_types_filter_with_mastodons_names(scene):
    _bob, _fans, _tweet, api = scene
    everything = api.get("/api/v1/notifications").json()
    assert len(everything) == 10
    favourites = api.get("/api/v1/notifications?types[]=favourite").json()
    assert {n["type"] for n in favourites} == {"favourite"} and len(favourites) == 3
    two = api.get("/api/v1/notifications?types[]=favourite&types[]=mention").json()
    assert {n["type"] for n in two} == {"favourite", "mention"} and len(two) == 4
    rest = api.get("/api/v1/notifications?exclude_types[]=follow&exclude_types[]=reblog").json()
    assert {n["type"] for n in rest} == {"favourite", "mention"}
    # A type this server never sends matches nothing; it is not an error (as Mastodon).
    assert api.get("/api/v1/notifications?types[]=poll").json() == []
    # The type filter stays in the links.
    page = api.get("/api/v1/notifications?types[]=favourite&limit=2")
    assert "types%5B%5D=favourite" in page["Link"]


def test_one_notification_by_id_and_404_for_anothers(scene):
    bob, fans, _tweet, api = scene
    newest = api.get("/api/v1/notifications?limit=1").json()[0]
    one = api.get(f"/api/v1/notifications/{newest['id']}")
    assert one.status_code == 200 and one.json() == newest
    assert one.json()["account"]["created_at"] == _iso(fans[0].created_at)
    fan_api = Client(headers={"authorization": f"Bearer {token_for(fans[1])}"})
    assert fan_api.get(f"/api/v1/notifications/{newest['id']}").status_code == 404
    assert api.get("/api/v1/notifications/999999999").status_code == 404
    # A notification the rule hides (its actor blocked) is not there either.
    block_create(blocker=bob, blocked=fans[0])
    hidden = Notification.objects.filter(recipient=bob, actor=fans[0]).first()
    assert hidden is not None  # the block keeps the row; the rule hides it
    assert api.get(f"/api/v1/notifications/{hidden.pk}").status_code == 404
    assert api.post(f"/api/v1/notifications/{hidden.pk}/dismiss").status_code == 404
    assert Notification.objects.filter(pk=hidden.pk).exists()


def test_dismiss_and_clear(scene):
    bob, fans, _tweet, api = scene
    other = committed(follow_create)(follower=bob, followee=fans[0])
    assert other
    first = api.get("/api/v1/notifications").json()[0]
    fan_api = Client(headers={"authorization": f"Bearer {token_for(fans[0])}"})
    assert fan_api.post(f"/api/v1/notifications/{first['id']}/dismiss").status_code == 404
    dismissed = api.post(f"/api/v1/notifications/{first['id']}/dismiss")
    assert dismissed.status_code == 200 and dismissed.json() == {}
    assert not Notification.objects.filter(pk=first["id"]).exists()
    assert len(api.get("/api/v1/notifications").json()) == 9
    reader = Client(headers={"authorization": f"Bearer {token_for(bob, scope='read')}"})
    assert reader.post("/api/v1/notifications/clear").status_code == 403
    assert api.post("/api/v1/notifications/clear/").json() == {}
    assert not Notification.objects.filter(recipient=bob).exists()
    assert Notification.objects.filter(recipient=fans[0], actor=bob).exists()  # not theirs
    assert api.get("/api/v1/notifications").json() == []


def test_v2_groups_likes_reblogs_and_follows(scene):
    _bob, fans, tweet, api = scene
    answer = api.get("/api/v2/notifications")
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert set(data) >= {"accounts", "statuses", "notification_groups"}
    groups = {g["type"]: g for g in data["notification_groups"]}
    assert set(groups) == {"favourite", "reblog", "follow", "mention"}
    for group in data["notification_groups"]:
        assert set(NOTIFICATION_GROUP) <= group.keys()
    favourite = groups["favourite"]
    assert favourite["notifications_count"] == 3 and favourite["status_id"] == str(tweet.pk)
    assert favourite["sample_account_ids"] == [str(fan.pk) for fan in reversed(fans)]
    assert groups["follow"]["notifications_count"] == 3 and "status_id" not in groups["follow"]
    account_ids = {a["id"] for a in data["accounts"]}
    assert {str(fan.pk) for fan in fans} <= account_ids
    assert {s["id"] for s in data["statuses"]} >= {str(tweet.pk)}
    only = api.get("/api/v2/notifications?types[]=follow").json()["notification_groups"]
    assert [g["type"] for g in only] == ["follow"]
    page = api.get("/api/v2/notifications?limit=2")
    assert len(page.json()["notification_groups"]) == 2
    rest = api.get(page["Link"].split(">")[0].removeprefix("<")).json()["notification_groups"]
    assert len(rest) == 2
    assert not {g["group_key"] for g in rest} & {
        g["group_key"] for g in page.json()["notification_groups"]
    }


def test_markers_home_and_notifications_tied_to_the_read_marker(scene):
    bob, _fans, tweet, api = scene
    empty = api.get("/api/v1/markers?timeline[]=home&timeline[]=notifications").json()
    assert empty["home"]["last_read_id"] == "0" and empty["notifications"]["version"] == 0
    newest = api.get("/api/v1/notifications?limit=1").json()[0]["id"]
    moved = api.post(
        "/api/v1/markers",
        {"home": {"last_read_id": str(tweet.pk)}, "notifications": {"last_read_id": newest}},
        content_type="application/json",
    )
    assert moved.status_code == 200, moved.content
    data = moved.json()
    assert data["home"]["last_read_id"] == str(tweet.pk) and data["home"]["version"] == 1
    assert data["notifications"]["last_read_id"] == newest
    assert set(data["home"]) == {"last_read_id", "version", "updated_at"}
    assert NotificationSettings.objects.get(user=bob).last_read_id == int(newest)
    form = api.post("/api/v1/markers", {"home[last_read_id]": "5"})
    assert form.json()["home"]["version"] == 2
    again = api.get("/api/v1/markers?timeline[]=home").json()
    assert set(again) == {"home"} and again["home"]["last_read_id"] == "5"
    not_mine = api.post(
        "/api/v1/markers",
        {"notifications": {"last_read_id": "999999999"}},
        content_type="application/json",
    )
    assert not_mine.status_code == 422 and set(not_mine.json()) == {"error"}
    assert NotificationSettings.objects.get(user=bob).last_read_id == int(newest)
    bad = api.post("/api/v1/markers", {"home[last_read_id]": "abc"})
    assert bad.status_code == 422
    assert api.get("/api/v1/markers?timeline[]=home").json()["home"]["last_read_id"] == "5"
