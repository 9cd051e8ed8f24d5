"""Live events end to end: a granian ASGI process serves the streams, the test writes."""

import pytest
from django.db import connection

from accounts.models import Privacy
from accounts.services import token_create
from accounts.tests.factories import user_create
from social.services import block_create, follow_create, follow_request_approve, mute_create
from stream.hub import LISTENER_NAME
from stream.models import StreamEvent
from stream.selectors import latest_event_id
from stream.services import payloads_for
from timelines.models import HomeTimelineEntry, PulledAuthor
from tweets.services import like_create, tweet_create, tweet_delete

from .conftest import SERVER_APP_NAME
from .sse import Stream

pytestmark = pytest.mark.django_db(transaction=True)


def _open(server, user, path="/api/v1/me/stream", headers=None) -> Stream:
    headers = {"Authorization": f"Bearer {token_create(user=user)}", **(headers or {})}
    stream = Stream(server.port, path, headers)
    assert stream.status == 200, getattr(stream, "body", None)
    assert stream.next_of("hello").kind == "hello"
    return stream


def _tweet_ids(events) -> list[int]:
    return [event.data["tweet_id"] for event in events if event.kind == "tweet"]


def test_a_followers_stream_gets_the_new_tweet(stream_server):
    author, reader = user_create(), user_create()
    follow_create(follower=reader, followee=author)
    stream = _open(stream_server, reader)
    tweet = tweet_create(author=author, content="live")
    event = stream.next_of("tweet")
    assert event.data == {"tweet_id": tweet.pk, "author": author.username}
    assert int(event.id) == StreamEvent.objects.get(kind="tweet", tweet_id=tweet.pk).pk
    stream.close()


def test_a_protected_tweet_never_reaches_a_non_follower(stream_server):
    owner = user_create(privacy=Privacy.PROTECTED)
    follower, stranger = user_create(), user_create()
    follow_create(follower=follower, followee=owner)  # a request; approve it
    follow_request_approve(owner=owner, requester=follower)
    streams = {
        name: _open(stream_server, user) for name, user in [("f", follower), ("s", stranger)]
    }
    start = latest_event_id()
    tweet = tweet_create(author=owner, content="only for followers")
    assert streams["f"].next_of("tweet").data["tweet_id"] == tweet.pk
    # The stranger's stream sees the counts or nothing, never the tweet, even by replay.
    assert tweet.pk not in _tweet_ids(streams["s"].drain(1.0))
    replay = _open(stream_server, stranger, headers={"Last-Event-ID": str(start)})
    assert tweet.pk not in _tweet_ids(replay.drain(1.0))
    for stream in [*streams.values(), replay]:
        stream.close()


def test_a_block_stops_events_both_ways(stream_server):
    alice, bob = user_create(), user_create()
    follow_create(follower=alice, followee=bob)
    follow_create(follower=bob, followee=alice)
    block_create(blocker=alice, blocked=bob)
    a, b = _open(stream_server, alice), _open(stream_server, bob)
    from_bob = tweet_create(author=bob, content="from bob")
    from_alice = tweet_create(author=alice, content="from alice")
    assert from_bob.pk not in _tweet_ids(a.drain(1.0))
    assert from_alice.pk not in _tweet_ids(b.drain(1.0))
    a.close()
    b.close()


def test_a_muted_accounts_tweets_are_not_delivered(stream_server):
    muted, other, reader = user_create(), user_create(), user_create()
    follow_create(follower=reader, followee=muted)
    follow_create(follower=reader, followee=other)
    mute_create(muter=reader, muted=muted)
    stream = _open(stream_server, reader)
    hidden = tweet_create(author=muted, content="muted")
    shown = tweet_create(author=other, content="shown")
    assert stream.next_of("tweet").data["tweet_id"] == shown.pk
    assert hidden.pk not in _tweet_ids(stream.drain(0.5))
    stream.close()


def test_notification_event_carries_the_unread_count(stream_server):
    author, fan = user_create(), user_create()
    stream = _open(stream_server, author)
    tweet = tweet_create(author=author, content="like me")
    like_create(user=fan, tweet_id=tweet.pk)
    assert stream.next_of("notification").data == {"unread_count": 1}
    stream.close()


def test_counts_and_delete_reach_a_page_that_subscribed(stream_server):
    author, viewer, fan = user_create(), user_create(), user_create()
    tweet = tweet_create(author=author, content="count me")
    stream = _open(stream_server, viewer, f"/api/v1/me/stream?tweets={tweet.pk}")
    like_create(user=fan, tweet_id=tweet.pk)
    counts = stream.next_of("counts")
    assert counts.data == {
        "tweet_id": tweet.pk,
        "like_count": 1,
        "retweet_count": 0,
        "reply_count": 0,
    }
    tweet_delete(actor=author, tweet=tweet)
    assert stream.next_of("delete").data == {"tweet_id": tweet.pk}
    stream.close()


def test_reconnect_with_last_event_id_replays_what_was_missed_once(stream_server):
    author, reader = user_create(), user_create()
    follow_create(follower=reader, followee=author)
    first = _open(stream_server, reader)
    seen = tweet_create(author=author, content="seen")
    last = first.next_of("tweet")
    assert last.data["tweet_id"] == seen.pk
    first.close()
    missed = [tweet_create(author=author, content=f"missed {i}") for i in range(3)]
    again = Stream(
        stream_server.port,
        "/api/v1/me/stream",
        {"Authorization": f"Bearer {token_create(user=reader)}", "Last-Event-ID": last.id},
    )
    events = again.drain(1.0)
    got = _tweet_ids(events)
    assert got == [t.pk for t in missed]  # in order, each once, nothing seen before
    ids = [int(e.id) for e in events if e.kind == "tweet"]
    assert ids == sorted(set(ids)) and ids[0] > int(last.id)
    later = tweet_create(author=author, content="live again")
    assert _tweet_ids([again.next_of("tweet")]) == [later.pk]
    again.close()


def test_reconnect_past_the_bound_gets_reload(stream_server, settings):
    author, reader = user_create(), user_create()
    follow_create(follower=reader, followee=author)
    start = latest_event_id()
    # STREAM_REPLAY_MAX is 200 in the server: miss more than that.
    for i in range(205):
        tweet_create(author=author, content=f"flood {i}")
    stream = Stream(
        stream_server.port,
        "/api/v1/me/stream",
        {"Authorization": f"Bearer {token_create(user=reader)}", "Last-Event-ID": str(start)},
    )
    assert stream.status == 200
    assert [e.kind for e in stream.drain(1.0)] == ["reload"]
    stream.close()


def test_bad_input_and_no_credentials(stream_server):
    user = user_create()
    token = token_create(user=user)
    anonymous = Stream(stream_server.port, "/api/v1/me/stream")
    assert anonymous.status == 401
    assert anonymous.body == {"detail": "Authentication credentials were not provided."}
    bad = Stream(stream_server.port, "/api/v1/me/stream", {"Authorization": "Bearer nope"})
    assert bad.status == 401
    auth = {"Authorization": f"Bearer {token}"}
    too_many = ",".join(str(i) for i in range(1, 202))
    for path, field in [
        (f"/api/v1/me/stream?tweets={too_many}", "tweets"),
        ("/api/v1/me/stream?tweets=1,x", "tweets"),
        ("/api/v1/me/stream?last_event_id=-1", "last_event_id"),
        ("/api/v1/me/stream?last_event_id=99999999999999999999", "last_event_id"),
    ]:
        stream = Stream(stream_server.port, path, auth)
        assert stream.status == 400, path
        assert list(stream.body) == [field]


def test_the_listener_reconnects_after_its_connection_is_killed(stream_server):
    """pg_terminate_backend of the listener stands in for a PostgreSQL restart: its session
    ends the same way, and what was published meanwhile is read back by id."""
    author, reader = user_create(), user_create()
    follow_create(follower=reader, followee=author)
    stream = _open(stream_server, reader)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'twitterclone-stream-listener' "
            "AND datname = current_database()"
        )
        assert cursor.fetchone() is not None
    # Published while the listener is down or reconnecting: not lost.
    during = tweet_create(author=author, content="during the outage")
    assert stream.next_of("tweet", timeout=10).data["tweet_id"] == during.pk
    after = tweet_create(author=author, content="after it")
    assert stream.next_of("tweet", timeout=10).data["tweet_id"] == after.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE application_name = 'twitterclone-stream-listener' "
            "AND datname = current_database()"
        )
        # Servers of earlier tests may still be shutting down: at least this one listens.
        assert cursor.fetchone()[0] >= 1
    stream.close()


def test_streams_survive_every_server_connection_being_killed(stream_server):
    """Every backend of the server (the listener and its pooled connections; not the test
    process's), as a restart leaves them: the listener reconnects, the dead pooled
    connections are replaced on the next read, and the open stream gets what was posted,
    once and in order.
    bench/stream_fault.py restarts a real PostgreSQL under 200 streams: that drill, not this
    test, found the listener dying on a broken pooled connection during its catch-up."""
    author, reader = user_create(), user_create()
    follow_create(follower=reader, followee=author)
    stream = _open(stream_server, reader)
    before = tweet_create(author=author, content="before")
    assert stream.next_of("tweet").data["tweet_id"] == before.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name IN (%s, %s)",
            [LISTENER_NAME, SERVER_APP_NAME],
        )
        assert cursor.fetchone()[0] >= 2  # the listener and at least one pooled connection
    posted = [tweet_create(author=author, content=f"after {i}") for i in range(3)]
    got = [stream.next_of("tweet", timeout=10).data["tweet_id"] for _ in posted]
    assert got == [t.pk for t in posted]
    assert _tweet_ids(stream.drain(1.0)) == []
    stream.close()


def test_a_full_process_answers_503_with_retry_after(stream_server_factory):
    server = stream_server_factory(STREAM_MAX_CONNECTIONS="1")
    user = user_create()
    held = _open(server, user)
    refused = Stream(
        server.port, "/api/v1/me/stream", {"Authorization": f"Bearer {token_create(user=user)}"}
    )
    assert refused.status == 503
    assert refused.headers["retry-after"] == "10"
    held.close()


def test_events_publish_splits_payloads_under_the_notify_limit():
    rows = [(10**15 + i, "notification", 10**15 + i, None) for i in range(1000)]
    payloads = payloads_for(rows)
    assert len(payloads) == 10
    assert all(len(p.encode()) < 8000 for p in payloads)


def test_a_celebritys_tweet_reaches_connected_followers_though_it_is_pulled(
    stream_server, settings
):
    settings.TIMELINE_CELEBRITY_THRESHOLD = 0  # every author with a follower is pulled
    star, fan = user_create(), user_create()
    follow_create(follower=fan, followee=star)
    stream = _open(stream_server, fan)
    tweet = tweet_create(author=star, content="from the stage")
    assert stream.next_of("tweet").data["tweet_id"] == tweet.pk
    assert PulledAuthor.objects.filter(user=star).exists()
    assert not HomeTimelineEntry.objects.filter(owner_id=fan.pk, tweet_id=tweet.pk).exists()
    stream.close()
