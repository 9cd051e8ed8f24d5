"""POST /api/v1/tweets made cheaper (docs/performance.md "Posting made cheaper"), same effects.

The response is built from what the write knows when the tweet quotes and mentions nobody
(tweets.selectors.tweet_get_visible_posted); it must be byte for byte what reading the tweet
back through the rule answers, which is what GET /api/v1/tweets/{id} does. The jobs and live
events a post leaves behind are the same as before, minus the notification job of a tweet
that has nobody to notify (it wrote nothing).
"""

import json

import pytest
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from accounts.services import user_set_active
from accounts.tests.factories import user_create
from notifications import tasks as notification_tasks
from notifications.models import Notification, NotificationType
from social.services import block_create
from stream.models import StreamEvent
from timelines import tasks as timeline_tasks
from tweets.models import Tweet
from tweets.selectors import tweet_get_visible, tweet_get_visible_posted
from tweets.services import retweet_create, tweet_create, tweet_set_hidden
from tweets.tests.factories import post
from twitterclone.tests.api_helpers import bearer_client

pytestmark = pytest.mark.django_db

API = "/api/v1"
DATABASE_QUEUE = override_settings(
    TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
)


@pytest.fixture
def alice():
    return user_create(username="alice")


@pytest.fixture
def bob():
    return user_create(username="bob")


def _post(client, body: dict):
    return client.post(f"{API}/tweets", json.dumps(body), content_type="application/json")


def _bodies(alice, bob) -> dict[str, dict]:
    """A request body per kind of post; the parents are bob's and alice's own tweets."""
    theirs = post(bob, "a public tweet of bob's")
    own = post(alice, "alice's own")
    hidden = post(alice, "alice's own, hidden by a moderator")
    tweet_set_hidden(tweet=hidden, hidden=True)
    blocker = user_create(username="blocker")
    block_create(blocker=blocker, blocked=alice)
    return {
        "plain": {"content": "hello"},
        "tags, links, sensitive": {
            "content": "#One two #three\r\nfour",
            "media_urls": ["https://example.com/a.png", "http://example.com/b"],
            "sensitive": True,
        },
        "reply": {"content": "a reply", "reply_to_id": theirs.pk},
        "reply to own": {"content": "a thread", "reply_to_id": own.pk},
        "reply to own hidden": {"content": "under a hidden one", "reply_to_id": hidden.pk},
        "quote": {"content": "a quote", "quote_of_id": theirs.pk},
        "mention": {"content": "hi @Bob and @nobody_here"},
        "mention of a blocker": {"content": "hi @blocker"},
        "self mention": {"content": "me, @alice"},
    }


def test_a_post_answers_what_reading_the_tweet_back_answers(alice, bob):
    client = bearer_client(user=alice)
    for kind, body in _bodies(alice, bob).items():
        response = _post(client, body)
        assert response.status_code == 201, (kind, response.content)
        read_back = client.get(f"{API}/tweets/{response.json()['id']}")
        assert read_back.status_code == 200, kind
        assert response.content == read_back.content, kind


def test_the_posted_tweet_is_what_the_rule_returns_for_its_author(alice, bob):
    """The object the view renders carries what the page statement would have set."""
    reply_to = post(bob, "parent")
    for kwargs in ({"content": "plain #tag"}, {"content": "reply", "reply_to_id": reply_to.pk}):
        tweet = tweet_create(author=alice, **kwargs)
        shortcut = tweet_get_visible_posted(viewer=alice, tweet=tweet)
        full = tweet_get_visible(viewer=alice, tweet_id=tweet.pk)
        for name in (
            "pk",
            "user_id",
            "content",
            "reply_to_id",
            "original_tweet_id",
            "original_tweet",
            "media_urls",
            "media",
            "hashtags",
            "mentions",
            "sensitive",
            "is_hidden",
            "created_at",
            "like_count",
            "retweet_count",
            "reply_count",
            "shown_id",
            "quote_visible",
            "mentioned",
            "viewer_liked",
            "viewer_retweeted",
            "viewer_bookmarked",
        ):
            assert getattr(shortcut, name) == getattr(full, name), name
        assert shortcut.user.pk == full.user.pk and shortcut.user.username == full.user.username


def test_the_rule_still_decides_whether_its_author_sees_it(alice):
    tweet = tweet_create(author=alice, content="posted, then suspended")
    user_set_active(user=alice, active=False)
    with pytest.raises(Tweet.DoesNotExist):
        tweet_get_visible(viewer=alice, tweet_id=tweet.pk)
    with pytest.raises(Tweet.DoesNotExist):
        tweet_get_visible_posted(viewer=alice, tweet=tweet)


def _queued(post_it) -> list[str]:
    """The task paths of the jobs `post_it` queues in the database, in order."""
    before = set(DBTaskResult.objects.values_list("pk", flat=True))
    with DATABASE_QUEUE:
        post_it()
    rows = DBTaskResult.objects.exclude(pk__in=before).order_by("enqueued_at")
    return list(rows.values_list("task_path", flat=True))


FAN_OUT = timeline_tasks.timeline_fan_out.module_path
NOTIFY = notification_tasks.notify_tweet.module_path


def test_a_tweet_with_nobody_to_notify_queues_the_fan_out_only(
    alice, bob, django_capture_on_commit_callbacks
):
    theirs = post(bob, "theirs")

    def queued(**kwargs) -> list[str]:
        def post_it():
            with django_capture_on_commit_callbacks(execute=True):
                tweet_create(author=alice, **kwargs)

        return _queued(post_it)

    assert queued(content="nobody here, @nobody_here") == [FAN_OUT]
    assert queued(content="a reply", reply_to_id=theirs.pk) == [FAN_OUT, NOTIFY]
    assert queued(content="a quote", quote_of_id=theirs.pk) == [FAN_OUT, NOTIFY]
    assert queued(content="hi @bob") == [FAN_OUT, NOTIFY]
    # A self-mention is stored; the job decides (it never notifies oneself).
    assert queued(content="me, @alice") == [FAN_OUT, NOTIFY]

    def retweet():
        with django_capture_on_commit_callbacks(execute=True):
            retweet_create(user=alice, tweet_id=theirs.pk)

    assert _queued(retweet) == [FAN_OUT, NOTIFY]


def test_a_mention_alone_still_notifies(alice, bob):
    tweet = post(alice, "hi @bob")
    row = Notification.objects.get(recipient_id=bob.pk, tweet_id=tweet.pk)
    assert row.type == NotificationType.MENTION and row.actor_id == alice.pk
    post(alice, "nobody named")
    assert Notification.objects.filter(actor_id=alice.pk).count() == 1


def test_parents_counts_are_published_and_a_plain_tweet_publishes_none(
    alice, bob, django_capture_on_commit_callbacks
):
    theirs = post(bob, "theirs")
    other = post(bob, "another")

    def counts_events(action) -> list[int]:
        start = StreamEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        with django_capture_on_commit_callbacks(execute=True):
            action()
        events = StreamEvent.objects.filter(id__gt=start, kind=StreamEvent.Kind.COUNTS)
        return list(events.order_by("id").values_list("tweet_id", flat=True))

    assert counts_events(lambda: tweet_create(author=alice, content="plain")) == []
    assert counts_events(
        lambda: tweet_create(author=alice, content="r", reply_to_id=theirs.pk)
    ) == [theirs.pk]
    assert counts_events(
        lambda: tweet_create(author=alice, content="q", quote_of_id=theirs.pk)
    ) == [theirs.pk]
    reply_and_quote = sorted([theirs.pk, other.pk])
    assert (
        counts_events(
            lambda: tweet_create(
                author=alice, content="both", reply_to_id=theirs.pk, quote_of_id=other.pk
            )
        )
        == reply_and_quote
    )
    assert counts_events(lambda: retweet_create(user=alice, tweet_id=other.pk)) == [other.pk]


def test_a_plain_post_by_api_runs_seven_statements(
    alice, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """The token, a savepoint (the test's transaction holds the post's), the tweet, the
    author's count, its release, the fan-out job's row, the ids-only read back through the rule.

    Before: nine, with a second job row (a notification job with nobody to notify), the
    parents' read for the live event, and the whole page statement as the read back.
    """
    client = bearer_client(user=alice)
    _post(client, {"content": "warm"})  # the compiled statements are cached after one post
    with (
        DATABASE_QUEUE,
        django_assert_num_queries(7),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert _post(client, {"content": "plain"}).status_code == 201
