"""The notifications API: pages, groups, unread count, marker, policy, bad inputs."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Privacy
from accounts.tests.factories import user_create
from notifications.models import Notification, NotificationSettings
from social.services import privacy_set
from tweets.tests.factories import post
from twitterclone.tests.api_helpers import bearer_client

from .helpers import follow, like

pytestmark = pytest.mark.django_db

LIST = "/api/v1/me/notifications"
COUNT = "/api/v1/me/notifications/unread-count"
READ = "/api/v1/me/notifications/read"
POLICY = "/api/v1/me/notification-policy"


@pytest.fixture
def ana():
    return user_create(username="ana")


@pytest.fixture
def client(ana):
    return bearer_client(user=ana)


def test_paths_are_under_me():
    assert reverse("api-me-notifications") == LIST
    assert reverse("api-me-notifications-unread-count") == COUNT
    assert reverse("api-me-notifications-read") == READ
    assert reverse("api-me-notification-policy") == POLICY


@pytest.mark.parametrize(
    "method, path",
    [("get", LIST), ("get", COUNT), ("post", READ), ("get", POLICY), ("patch", POLICY)],
)
def test_signed_out_is_401(method, path):
    response = getattr(APIClient(), method)(path, format="json")
    assert response.status_code == 401


def test_flat_page_has_actor_tweet_and_unread(ana, client):
    bob = user_create(username="bob")
    tweet = post(ana, "hello")
    like(user=bob, tweet_id=tweet.pk)
    follow(follower=bob, followee=ana)
    body = client.get(LIST).json()
    assert body["next"] is None
    follow_item, like_item = body["results"]
    assert follow_item["type"] == "follow" and follow_item["tweet"] is None
    assert follow_item["actor"]["username"] == "bob" and follow_item["unread"] is True
    assert like_item["type"] == "like" and like_item["tweet"]["id"] == tweet.pk
    assert like_item["tweet"]["author"]["username"] == "ana"


def test_private_actor_shows_only_the_handle(ana, client):
    carl = user_create(username="carl", display_name="Secret Name")
    like(user=carl, tweet_id=post(ana, "hello").pk)
    privacy_set(user=carl, privacy=Privacy.PRIVATE)
    (item,) = client.get(LIST).json()["results"]
    assert item["actor"] == {
        "id": carl.pk,
        "username": "carl",
        "privacy": "private",
        "access": "minimal",
    }
    (group,) = client.get(LIST, {"grouped": "true"}).json()["results"]
    assert group["actors"] == [item["actor"]]


def test_grouped_pages_follow_next_without_repeats(ana, client):
    tweets = [post(ana, f"t{i}") for i in range(3)]
    fans = [user_create() for _ in range(4)]
    for fan in fans:
        for tweet in tweets:
            like(user=fan, tweet_id=tweet.pk)
    keys, url = [], f"{LIST}?grouped=true&limit=2"
    while url:
        body = client.get(url).json()
        for group in body["results"]:
            assert len(group["actors"]) == 3 and group["actors_count"] == 4
            assert group["type"] == "like" and group["tweet"]["id"] in {t.pk for t in tweets}
        keys += [group["group_key"] for group in body["results"]]
        url = body["next"]
    assert len(keys) == len(set(keys)) == 3


def test_types_filter(ana, client):
    bob = user_create(username="bob")
    like(user=bob, tweet_id=post(ana, "hello").pk)
    mention = post(bob, "@ana hi")
    body = client.get(LIST, {"types": "mention,reply,quote"}).json()
    assert [item["tweet"]["id"] for item in body["results"]] == [mention.pk]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"types": "nope"}, "types"),
        ({"types": "like,"}, "types"),
        ({"types": ""}, "types"),
        ({"types": "like, reply"}, "types"),
        ({"grouped": "maybe"}, "grouped"),
        ({"limit": "0"}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"cursor": "garbage"}, "cursor"),
    ],
)
def test_bad_list_inputs_are_400_by_field(client, params, field):
    response = client.get(LIST, params)
    assert response.status_code == 400
    assert field in response.json()


def test_cursor_of_the_flat_list_is_refused_by_the_grouped_one(ana, client):
    bob = user_create()
    for i in range(3):
        like(user=bob, tweet_id=post(ana, f"t{i}").pk)
    next_url = client.get(LIST, {"limit": 1}).json()["next"]
    cursor = next_url.split("cursor=")[1]
    response = client.get(LIST, {"limit": 1, "grouped": "true", "cursor": cursor})
    assert response.status_code == 400 and "cursor" in response.json()


def test_unread_count_and_mark_read(ana, client):
    bob = user_create()
    for i in range(3):
        like(user=bob, tweet_id=post(ana, f"t{i}").pk)
    assert client.get(COUNT).json() == {"count": 3}
    oldest = Notification.objects.filter(recipient=ana).order_by("id").first()
    assert client.post(READ, {"up_to_id": oldest.pk}, format="json").json() == {
        "last_read_id": oldest.pk
    }
    assert client.get(COUNT).json() == {"count": 2}
    newest = client.post(READ, {}, format="json").json()["last_read_id"]
    assert client.get(COUNT).json() == {"count": 0}
    # Never backwards.
    assert client.post(READ, {"up_to_id": oldest.pk}, format="json").json() == {
        "last_read_id": newest
    }


@pytest.mark.parametrize("value", ["12", 1.5, True, 0, -3, 2**63, "x"])
def test_mark_read_bad_ids_are_400(ana, client, value):
    response = client.post(READ, {"up_to_id": value}, format="json")
    assert response.status_code == 400 and "up_to_id" in response.json()
    assert not NotificationSettings.objects.filter(user=ana).exists()


def test_mark_read_of_someone_elses_notification_is_400(ana, client):
    bob, carl = user_create(), user_create()
    like(user=carl, tweet_id=post(bob, "b").pk)
    foreign = Notification.objects.get(recipient=bob)
    response = client.post(READ, {"up_to_id": foreign.pk}, format="json")
    assert response.status_code == 400 and "up_to_id" in response.json()
    assert not NotificationSettings.objects.filter(user=ana).exists()


def test_policy_get_and_patch(ana, client):
    assert client.get(POLICY).json() == {
        "filter_not_following": False,
        "filter_new_accounts_days": None,
    }
    assert not NotificationSettings.objects.filter(user=ana).exists()
    body = client.patch(POLICY, {"filter_new_accounts_days": 30}, format="json").json()
    assert body == {"filter_not_following": False, "filter_new_accounts_days": 30}
    body = client.patch(POLICY, {"filter_not_following": True}, format="json").json()
    assert body == {"filter_not_following": True, "filter_new_accounts_days": 30}
    body = client.patch(POLICY, {"filter_new_accounts_days": None}, format="json").json()
    assert body == {"filter_not_following": True, "filter_new_accounts_days": None}


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"filter_new_accounts_days": 0}, "filter_new_accounts_days"),
        ({"filter_new_accounts_days": 366}, "filter_new_accounts_days"),
        ({"filter_new_accounts_days": "many"}, "filter_new_accounts_days"),
        ({"filter_not_following": "perhaps"}, "filter_not_following"),
    ],
)
def test_policy_bad_inputs_are_400(ana, client, payload, field):
    response = client.patch(POLICY, payload, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not NotificationSettings.objects.filter(user=ana).exists()


def test_list_query_count_does_not_grow_with_the_page(ana, client, django_assert_num_queries):
    fans = [user_create() for _ in range(3)]
    for i in range(8):
        tweet = post(ana, f"t{i} @{fans[0].username}")
        for fan in fans:
            like(user=fan, tweet_id=tweet.pk)
        post(fans[i % 3], f"@ana reply {i}", reply_to_id=tweet.pk)
    # Statements are compiled once per process: warm them first.
    for params in ({"limit": 20}, {"grouped": "true", "limit": 20}):
        client.get(LIST, params)
    client.get(COUNT)
    # Token, notifications with actors, tweet cards.
    with django_assert_num_queries(3):
        body = client.get(LIST, {"limit": 20}).json()
    assert len(body["results"]) == 20
    # Token, groups (savepoint, JIT off, statement, release), their actors, tweet cards.
    with django_assert_num_queries(7):
        body = client.get(LIST, {"grouped": "true", "limit": 20}).json()
    assert len(body["results"]) == 16
    with django_assert_num_queries(2):
        client.get(COUNT)
