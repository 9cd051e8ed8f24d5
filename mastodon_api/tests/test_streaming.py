"""GET /api/v1/streaming/user under a real granian ASGI process (as deploy/stream.sh runs it).

The test writes through the services; the NOTIFYs reach the server's listener, which builds
each event for each viewer through the one visibility rule; the stream renders Mastodon's
`update` (a Status), `notification` and `delete`.
"""

import contextlib
import http.client
import json
import queue
import threading

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.models import Privacy
from accounts.tests.factories import user_create
from social.services import block_create, follow_create, follow_request_approve, mute_create
from tweets.models import Tweet
from tweets.services import like_create, retweet_create, tweet_create, tweet_delete
from twitterclone.tests.privacy_table import (
    ANONYMOUS,
    BLOCKED,
    BLOCKING,
    FOLLOWER,
    OWNER,
    PRIVACIES,
    REQUESTER,
    STRANGER,
    TWEET_MARK,
    VIEWERS,
    may_see_tweets,
)
from twitterclone.tests.test_api_privacy import _world
from twitterclone.tests.threads import without_event_loop

from .helpers import token_for

pytestmark = pytest.mark.django_db(transaction=True)


class MastodonStream:
    """Read a Mastodon SSE stream in a thread: (event, payload) pairs; `ready` once open."""

    def __init__(self, port: int, path: str, headers: dict | None = None):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.connection.request("GET", path, headers=headers or {})
        self.response = self.connection.getresponse()
        self.status = self.response.status
        self.events: queue.Queue = queue.Queue()
        self.ready = threading.Event()
        if self.status == 200:
            threading.Thread(target=self._read, daemon=True).start()
            assert self.ready.wait(10), "the stream sent nothing"
        else:
            self.body = json.loads(self.response.read() or b"{}")

    def _read(self) -> None:
        fields: dict[str, str] = {}
        try:
            for raw in self.response:
                line = raw.decode().rstrip("\n")
                if line.startswith(":"):
                    self.ready.set()  # ":)" is sent once the stream is subscribed
                elif line == "":
                    if fields:
                        self.events.put((fields["event"], fields["data"]))
                    fields = {}
                else:
                    name, _, value = line.partition(": ")
                    fields[name] = value
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            pass

    def next_of(self, kind: str, timeout: float = 5):
        while True:
            event, data = self.events.get(timeout=timeout)
            if event == kind:
                return data

    def drain(self, wait: float = 1.0) -> list[tuple[str, str]]:
        found = []
        while True:
            try:
                found.append(self.events.get(timeout=wait))
            except queue.Empty:
                return found

    def close(self) -> None:
        with contextlib.suppress(OSError, AttributeError):
            self.connection.sock.shutdown(2)
        self.connection.close()


def _open(server, user, *, scope="read", path="/api/v1/streaming/user", query=False):
    token = token_for(user, scope=scope)
    if query:
        return MastodonStream(server.port, f"{path}?access_token={token}")
    return MastodonStream(server.port, path, {"Authorization": f"Bearer {token}"})


def _updates(events) -> list[str]:
    return [json.loads(data)["id"] for event, data in events if event == "update"]


def test_health_answers_ok_on_both_servers(stream_server):
    connection = http.client.HTTPConnection("127.0.0.1", stream_server.port, timeout=5)
    connection.request("GET", "/api/v1/streaming/health")
    response = connection.getresponse()
    assert response.status == 200 and response.read() == b"OK"
    health = without_event_loop(lambda: Client().get("/api/v1/streaming/health"))
    assert health.content == b"OK"


def test_a_follower_gets_the_new_status_as_an_update(stream_server):
    author, reader = user_create(username="author"), user_create(username="reader")
    follow_create(follower=reader, followee=author)
    stream = _open(stream_server, reader)
    own = _open(stream_server, author, query=True)
    tweet = tweet_create(author=author, content="live #now @reader")
    status = json.loads(stream.next_of("update"))
    assert status["id"] == str(tweet.pk) and status["account"]["acct"] == "author"
    assert status["tags"][0]["name"] == "now" and status["mentions"][0]["acct"] == "reader"
    assert "live" in status["content"] and status["visibility"] == "public"
    # The author's own stream (token in the query, as browsers send it) has it too.
    assert json.loads(own.next_of("update"))["id"] == str(tweet.pk)
    stream.close()
    own.close()


def test_protected_blocked_and_muted_statuses_never_reach_who_may_not_see_them(stream_server):
    owner = user_create(privacy=Privacy.PROTECTED)
    follower, stranger, blocked, muter = (user_create() for _ in range(4))
    follow_create(follower=follower, followee=owner)
    follow_request_approve(owner=owner, requester=follower)
    public = user_create()
    for reader in (stranger, blocked, muter):
        follow_create(follower=reader, followee=public)
    block_create(blocker=public, blocked=blocked)
    mute_create(muter=muter, muted=public)
    streams = {user.pk: _open(stream_server, user) for user in (follower, stranger, blocked, muter)}
    secret = tweet_create(author=owner, content="followers only")
    shout = tweet_create(author=public, content="hello all")
    delivered = json.loads(streams[follower.pk].next_of("update"))
    assert delivered["id"] == str(secret.pk) and delivered["visibility"] == "private"
    seen = {user.pk: _updates(streams[user.pk].drain(1.0)) for user in (stranger, blocked, muter)}
    assert seen[stranger.pk] == [str(shout.pk)]  # the stream works; the secret never comes
    assert seen[blocked.pk] == [] and seen[muter.pk] == []
    for stream in streams.values():
        stream.close()


def test_notifications_and_deletes_arrive_with_mastodons_names(stream_server):
    alice, bob = user_create(username="alice"), user_create(username="bob")
    follow_create(follower=bob, followee=alice)
    tweet = tweet_create(author=alice, content="like me")
    stream = _open(stream_server, alice)
    bob_stream = _open(stream_server, bob)
    like_create(user=bob, tweet_id=tweet.pk)
    notification = json.loads(stream.next_of("notification"))
    assert notification["type"] == "favourite" and notification["account"]["acct"] == "bob"
    assert notification["status"]["id"] == str(tweet.pk)
    tweet_delete(tweet=tweet, actor=alice)
    assert bob_stream.next_of("delete") == str(tweet.pk)
    stream.close()
    bob_stream.close()


def test_the_token_and_its_scopes_decide(stream_server):
    alice, bob = user_create(), user_create()
    follow_create(follower=alice, followee=bob)
    assert MastodonStream(stream_server.port, "/api/v1/streaming/user").status == 401
    bad = MastodonStream(
        stream_server.port, "/api/v1/streaming/user", {"Authorization": "Bearer nope"}
    )
    assert bad.status == 401 and "error" in bad.body
    assert _open(stream_server, alice, scope="write").status == 403
    assert _open(stream_server, alice, scope="read:notifications").status == 403
    # Notifications only: the follow notification, never bob's statuses.
    only = _open(
        stream_server, bob, scope="read:notifications", path="/api/v1/streaming/user/notification"
    )
    statuses_only = _open(stream_server, bob, scope="read:statuses")
    assert only.status == 200 and statuses_only.status == 200
    charlie = user_create(username="charlie")
    follow_create(follower=charlie, followee=bob)
    tweet_create(author=bob, content="not for the notification stream")
    assert json.loads(only.next_of("notification"))["type"] == "follow"
    assert _updates(only.drain(1.0)) == []
    assert [event for event, _ in statuses_only.drain(1.0)] == ["update"]
    only.close()
    statuses_only.close()


def test_under_wsgi_the_stream_points_at_the_asgi_server():
    alice = user_create()
    api = Client(headers={"authorization": f"Bearer {token_for(alice)}"})
    response = without_event_loop(lambda: api.get("/api/v1/streaming/user"))
    assert response.status_code == 503 and "error" in response.json()


@pytest.mark.parametrize("privacy", PRIVACIES)
def test_the_privacy_oracle_over_the_stream(privacy, stream_server):
    """Every viewer kind of the privacy table streams while the owner posts a marked status
    mentioning each of them and the bystander (whom all follow) retweets and quotes it:
    no stream may carry TWEET_MARK unless the table lets that viewer see the owner's tweets,
    and a follower who may see them gets it."""
    world = _world(privacy)
    owner, bystander = world.owner, world.bystander
    streams = {
        kind: _open(stream_server, world.viewers[kind]) for kind in VIEWERS if kind != ANONYMOUS
    }
    mentioned = " ".join(f"@{kind}" for kind in (STRANGER, REQUESTER, FOLLOWER, BLOCKED, BLOCKING))
    live = tweet_create(author=owner, content=f"{TWEET_MARK} live {mentioned}")
    for share in (
        lambda: retweet_create(user=bystander, tweet_id=live.pk),
        lambda: tweet_create(author=bystander, content="quoting it", quote_of_id=live.pk),
    ):
        try:
            share()
        except (ValidationError, Tweet.DoesNotExist):
            assert privacy != Privacy.PUBLIC  # a protected or private tweet is not shareable
    tweet_create(author=bystander, content="bystander is live")
    for kind, stream in streams.items():
        text = "".join(payload for _event, payload in stream.drain(2.0))
        assert "bystander is live" in text, kind  # the stream was live for this viewer
        if not may_see_tweets(kind, privacy):
            assert TWEET_MARK not in text, (kind, privacy)
        elif kind in (FOLLOWER, OWNER):
            assert TWEET_MARK in text, (kind, privacy)
        stream.close()
