"""Counters count every interaction; the thread page says why it shows fewer replies.

reply_count (like like_count and retweet_count) is the exact total, seen or not (docs/api.md
"Tweet fields"). So the last page of a thread's replies says how many the viewer can't see,
and "No replies yet." is never shown above a non-zero count (issue 11, item 5).
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Privacy
from accounts.tests.factories import user_create
from social.services import block_create
from tweets.tests.factories import post

pytestmark = pytest.mark.django_db

NO_REPLIES = "No replies yet."
UNSEEN = "aren't shown: they are from accounts you can't see, or hidden by moderators."
ONE_UNSEEN = "1 reply isn't shown: they are from accounts you can't see"


@pytest.fixture
def author():
    return user_create(username="author")


@pytest.fixture
def reader():
    return user_create(username="reader")


def _page(client, tweet, query=None, headers=None):
    url = reverse("tweet_detail", args=[tweet.user.username, tweet.pk])
    return client.get(url, query or {}, headers=headers or {})


def test_protected_and_blocked_repliers_are_counted_and_explained(client, author, reader):
    tweet = post(author, "question")
    post(
        user_create(username="walled", privacy=Privacy.PROTECTED), "hidden 1", reply_to_id=tweet.pk
    )
    blocker = user_create(username="blocker")
    post(blocker, "hidden 2", reply_to_id=tweet.pk)
    block_create(blocker=blocker, blocked=reader)
    post(user_create(username="open"), "seen reply", reply_to_id=tweet.pk)
    client.force_login(reader)

    page = _page(client, tweet).text

    assert "seen reply" in page and "hidden 1" not in page and "hidden 2" not in page
    assert f"2 replies {UNSEEN}" in page
    assert NO_REPLIES not in page


def test_only_invisible_replies_never_say_no_replies_yet(client, author, reader):
    tweet = post(author, "question")
    replier = user_create(username="blocked_one")
    post(replier, "you can't see me", reply_to_id=tweet.pk)
    block_create(blocker=reader, blocked=replier)
    client.force_login(reader)

    page = _page(client, tweet).text

    assert NO_REPLIES not in page
    assert ONE_UNSEEN in page


def test_a_thread_without_replies_says_so(client, author):
    page = _page(client, post(author, "lonely")).text

    assert NO_REPLIES in page
    assert "isn't shown" not in page and "aren't shown" not in page


def test_all_replies_visible_needs_no_note(client, author):
    tweet = post(author, "question")
    post(user_create(), "answer", reply_to_id=tweet.pk)

    page = _page(client, tweet).text

    assert "answer" in page
    assert "shown:" not in page


def test_the_note_comes_on_the_last_page_only(client, author, reader):
    tweet = post(author, "popular")
    post(user_create(username="walled", privacy=Privacy.PROTECTED), "hidden", reply_to_id=tweet.pk)
    repliers = [user_create() for _ in range(21)]
    for number, replier in enumerate(repliers):
        post(replier, f"reply {number}", reply_to_id=tweet.pk)
    client.force_login(reader)

    first = _page(client, tweet)
    cursor = first.context["page"].next_cursor
    last = _page(client, tweet, {"cursor": cursor})
    last_htmx = _page(client, tweet, {"cursor": cursor}, headers={"HX-Request": "true"})

    assert cursor and "shown:" not in first.text
    assert ONE_UNSEEN in last.text
    assert last_htmx.templates[0].name == "tweets/_page.html"
    assert ONE_UNSEEN in last_htmx.text


def test_api_reply_count_is_the_total_while_replies_list_what_the_viewer_may_see(author, reader):
    tweet = post(author, "question")
    post(user_create(privacy=Privacy.PROTECTED), "hidden", reply_to_id=tweet.pk)
    post(user_create(), "seen", reply_to_id=tweet.pk)

    body = APIClient().get(f"/api/v1/tweets/{tweet.pk}/context").json()

    assert body["tweet"]["reply_count"] == 2
    assert [reply["content"] for reply in body["replies"]["results"]] == ["seen"]
