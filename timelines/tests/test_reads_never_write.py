"""Reads never write: a timeline not built yet is answered by the pull, its rebuild queued."""

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import Privacy
from accounts.services import token_create
from accounts.tests.factories import user_create
from social.services import follow_create, privacy_set
from timelines.models import HomeTimeline, HomeTimelineEntry
from timelines.selectors import timeline_home, timeline_home_keys
from tweets.services import tweet_set_hidden
from tweets.tests.factories import committed, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader():
    """A reader following a friend, a celebrity and a private account, with no timeline."""
    reader, friend, celebrity, private = (user_create() for _ in range(4))
    committed(privacy_set)(user=private, privacy=Privacy.PRIVATE)
    for followee in (friend, celebrity, private):
        committed(follow_create)(follower=reader, followee=followee)
    for n in range(12):
        post(friend, f"friend {n}")
        post(reader, f"own {n}")
        post(private, f"private {n}")  # a follow request only: the rule drops these
    hidden = post(friend, "hidden by a moderator")
    tweet_set_hidden(tweet=hidden, hidden=True)
    with override_settings(TIMELINE_CELEBRITY_THRESHOLD=0):
        post(celebrity, "pulled on read")
    assert not HomeTimeline.objects.filter(owner_id=reader.pk).exists()
    return reader


def _all_pages(viewer, *, limit: int = 5) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        page = timeline_home(viewer=viewer, cursor=cursor, limit=limit)
        pages.append([tweet.pk for tweet in page.items])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


def _writes(captured: CaptureQueriesContext) -> list[str]:
    statements = [query["sql"].lstrip().upper() for query in captured.captured_queries]
    return [sql for sql in statements if not sql.startswith(("SELECT", "WITH"))] + [
        sql for sql in statements if sql.startswith("WITH") and "INSERT" in sql
    ]


@pytest.mark.parametrize("surface", ["api", "html"])
def test_reading_a_missing_timeline_writes_nothing_and_queues_its_rebuild(
    reader, surface, django_capture_on_commit_callbacks
):
    if surface == "api":
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_create(user=reader)}")
        url = "/api/v1/timeline/home?limit=20"
    else:
        client = Client()
        client.force_login(reader)
        url = "/"

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        assert _writes(captured) == []
        assert not HomeTimeline.objects.filter(owner_id=reader.pk).exists()

    assert len(callbacks) == 1  # the rebuild, run when the request is over
    assert HomeTimeline.objects.filter(owner_id=reader.pk).exists()
    assert HomeTimelineEntry.objects.filter(owner_id=reader.pk).exists()


def test_the_pulled_pages_are_the_pages_of_the_rebuilt_timeline(
    reader, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        pulled = _all_pages(reader)
    assert not HomeTimeline.objects.filter(owner_id=reader.pk).exists()
    assert queued  # every page read of the missing timeline queued its rebuild

    queued[0]()  # the job, as a worker would run it
    assert HomeTimeline.objects.filter(owner_id=reader.pk).exists()
    with django_capture_on_commit_callbacks(execute=False) as queued_after:
        built = _all_pages(reader)
    assert queued_after == []  # a built timeline queues nothing
    assert built == pulled
    assert sum(len(page) for page in pulled) == 12 + 12 + 1  # own, friend's, celebrity's


def test_the_keys_of_a_missing_timeline_come_from_the_pull_in_key_order(
    reader, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        first = timeline_home_keys(owner_id=reader.pk, before=None, count=10)
        rest = timeline_home_keys(owner_id=reader.pk, before=first[-1], count=100)
    keys = first + rest
    assert keys == sorted(keys, reverse=True)
    # Own, the friend's (the hidden one too: the reader's rule drops it later), the celebrity's;
    # the private account only got a follow request.
    assert len(set(keys)) == len(keys) == 12 + 13 + 1
