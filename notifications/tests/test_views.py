"""The notifications page, mark read, the policy form and the nav badge."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import user_create
from notifications import services
from notifications.models import Notification, NotificationSettings
from tweets.tests.factories import post

from .helpers import follow, like

pytestmark = pytest.mark.django_db

URL = "/notifications"
ROW = "data-group-key="


@pytest.fixture
def ana():
    return user_create(username="ana", display_name="Ana")


def marker(user: User) -> int:
    return (
        NotificationSettings.objects.filter(user=user)
        .values_list("last_read_id", flat=True)
        .first()
        or 0
    )


def badge(body: str) -> str | None:
    found = re.search(r'<span class="badge" aria-hidden="true">([^<]*)</span>', body)
    return found.group(1) if found else None


def test_urls():
    assert reverse("notifications") == URL
    assert reverse("notifications_read") == "/notifications/read"
    assert reverse("notification_settings") == "/settings/notifications"


@pytest.mark.parametrize("url", [URL, "/settings/notifications"])
def test_signed_out_goes_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.url


def test_grouped_row_and_opening_marks_read(client, ana):
    bob = user_create(username="bob", display_name="Bob")
    carl = user_create(username="carl", display_name="Carl")
    tweet = post(ana, "my tweet")
    like(user=bob, tweet_id=tweet.pk)
    like(user=carl, tweet_id=tweet.pk)
    client.force_login(ana)
    assert badge(client.get("/settings").content.decode()) == "2"
    body = client.get(URL).content.decode()
    assert "Carl and 1 other liked your tweet" in body
    assert f'href="/@ana/status/{tweet.pk}"' in body
    # Shown unread this time (visually and for screen readers), read from now on.
    assert 'class="notification unread"' in body and "Unread: " in body
    assert badge(body) is None
    assert marker(ana) == Notification.objects.filter(recipient=ana).latest("id").pk
    body = client.get(URL).content.decode()
    assert 'class="notification unread"' not in body


def test_badge_counts_past_99(client, ana):
    tweet = post(ana, "x")
    fans = User.objects.bulk_create(
        [User(username=f"fan{i}", email=f"fan{i}@example.com") for i in range(120)]
    )
    Notification.objects.bulk_create(
        Notification(recipient=ana, actor=fan, type="like", tweet=tweet, group_key=f"like:{i}")
        for i, fan in enumerate(fans)
    )
    client.force_login(ana)
    body = client.get("/settings").content.decode()
    assert badge(body) == "99+"
    assert "99+ unread notifications" in body


def test_mentions_tab_lists_mentions_and_does_not_move_the_marker(client, ana):
    bob = user_create(username="bob")
    like(user=bob, tweet_id=post(ana, "x").pk)
    post(bob, "hey @ana look")
    client.force_login(ana)
    body = client.get(URL, {"tab": "mentions"}).content.decode()
    assert body.count(ROW) == 1 and "mentioned you" in body
    assert marker(ana) == 0


def test_follow_rows_link_to_the_profile_and_requests(client, ana):
    bob = user_create(username="bob")
    follow(follower=bob, followee=ana)
    client.force_login(ana)
    body = client.get(URL).content.decode()
    assert 'href="/@bob">' in body and "followed you" in body


def test_mark_all_read(client, ana):
    bob = user_create()
    like(user=bob, tweet_id=post(ana, "x").pk)
    client.force_login(ana)
    response = client.post("/notifications/read", {"next": "/settings"})
    assert response.status_code == 302 and response.url == "/settings"
    assert marker(ana) == Notification.objects.get(recipient=ana).pk


def test_mark_all_read_needs_post(client, ana):
    client.force_login(ana)
    assert client.get("/notifications/read").status_code == 405


def test_load_more_pages_without_repeats(client, ana):
    fans = [user_create() for _ in range(3)]
    for i in range(25):
        tweet = post(ana, f"t{i}")
        like(user=fans[i % 3], tweet_id=tweet.pk)
    client.force_login(ana)
    body = client.get(URL).content.decode()
    keys = re.findall(r'data-group-key="([^"]+)"', body)
    more = re.search(r'href="(/notifications\?cursor=[^"]+)"', body).group(1).replace("&amp;", "&")
    fragment = client.get(more, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment
    keys += re.findall(r'data-group-key="([^"]+)"', fragment)
    assert len(keys) == len(set(keys)) == 25


def test_bad_cursor_is_404(client, ana):
    client.force_login(ana)
    assert client.get(URL, {"cursor": "garbage"}).status_code == 404


def test_policy_form_saves_and_shows_errors(client, ana):
    client.force_login(ana)
    assert 'href="/settings/notifications"' in client.get("/settings").content.decode()
    assert client.get("/settings/notifications").status_code == 200
    response = client.post("/settings/notifications", {"filter_new_accounts_days": "0"})
    assert response.status_code == 200 and 'class="errorlist"' in response.content.decode()
    assert not NotificationSettings.objects.filter(user=ana).exists()
    response = client.post(
        "/settings/notifications", {"filter_not_following": "on", "filter_new_accounts_days": "30"}
    )
    assert response.status_code == 302
    row = NotificationSettings.objects.get(user=ana)
    assert (row.filter_not_following, row.filter_new_accounts_days) == (True, 30)
    client.post("/settings/notifications", {"filter_new_accounts_days": ""})
    row.refresh_from_db()
    assert (row.filter_not_following, row.filter_new_accounts_days) == (False, None)


def test_page_costs_constant_queries(client, ana):
    fans = [user_create() for _ in range(4)]
    made = iter(range(100))

    def grow(count: int) -> None:
        for _ in range(count):
            i = next(made)
            tweet = post(ana, f"t{i}")
            for fan in fans[: 1 + i % 4]:
                like(user=fan, tweet_id=tweet.pk)
            if i % 3 == 0:
                post(fans[i % 4], f"@ana reply {i}", reply_to_id=tweet.pk)

    client.force_login(ana)

    def measure() -> tuple[int, int]:
        # Warm: statements compiled once per process, the aside's suggestions cached.
        client.get(URL)
        services.notifications_mark_read(user=ana)  # the same write on every load
        with CaptureQueriesContext(connection) as captured:
            body = client.get(URL).content.decode()
        return len(captured.captured_queries), body.count(ROW)

    grow(1)
    one, rows_one = measure()
    grow(24)
    many, rows_many = measure()
    assert rows_one >= 1 and rows_many == 20
    assert many == one
    # Session and user; groups (JIT off and the statement, in a savepoint pair here, a
    # transaction in production), their actors, tweet cards; the marker (its id checked,
    # the upsert, in a savepoint pair); the badge.
    assert one == 13, "\n".join(q["sql"][:60] for q in captured_queries(client))


def captured_queries(client):
    with CaptureQueriesContext(connection) as captured:
        client.get(URL)
    return captured.captured_queries
