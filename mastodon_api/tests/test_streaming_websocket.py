"""Mastodon's WebSocket streaming API (web clients) under a real granian ASGI process."""

import json
import time

import pytest
import websocket
from mastodon import StreamListener

from accounts.tests.factories import user_create
from social.services import block_create, follow_create
from tweets.services import like_create, tweet_create

from .helpers import token_for
from .test_mastodonpy import _log_in

pytestmark = pytest.mark.django_db(transaction=True)


def _connect(server, query="", **options):
    return websocket.create_connection(
        f"ws://127.0.0.1:{server.port}/api/v1/streaming{query}", timeout=5, **options
    )


def _next(socket, event: str, timeout: float = 5) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = json.loads(socket.recv())
        if message.get("event") == event or "error" in message:
            return message
    raise AssertionError(f"no {event}")


def test_a_query_subscription_gets_updates_the_viewer_may_see(stream_server):
    author, reader, blocked = user_create(), user_create(), user_create()
    for user in (reader, blocked):
        follow_create(follower=user, followee=author)
    socket = _connect(stream_server, f"?stream=user&access_token={token_for(reader)}")
    other = _connect(
        stream_server,
        "?stream=user",
        header=[f"Authorization: Bearer {token_for(blocked)}"],
    )
    block_create(blocker=author, blocked=blocked)
    tweet = tweet_create(author=author, content="over the socket")
    message = _next(socket, "update")
    assert message["stream"] == ["user"]
    status = json.loads(message["payload"])
    assert status["id"] == str(tweet.pk) and status["url"].startswith("http://")
    other.settimeout(1.5)
    with pytest.raises(websocket.WebSocketTimeoutException):
        _next(other, "update", timeout=1.5)
    socket.close()
    other.close()


def test_subscribe_by_message_with_the_token_as_subprotocol(stream_server):
    alice, bob = user_create(), user_create()
    tweet = tweet_create(author=alice, content="like it")
    token = token_for(alice)
    socket = _connect(stream_server, subprotocols=[token])
    socket.send(json.dumps({"type": "subscribe", "stream": "public:media"}))
    assert json.loads(socket.recv())["error"]
    socket.send(json.dumps({"type": "subscribe", "stream": "user:notification"}))
    time.sleep(0.5)  # no acknowledgement in Mastodon's protocol
    like_create(user=bob, tweet_id=tweet.pk)
    message = _next(socket, "notification")
    assert message["stream"] == ["user:notification"]
    assert json.loads(message["payload"])["type"] == "favourite"
    socket.close()


def test_a_bad_token_or_path_is_refused_at_the_handshake(stream_server):
    with pytest.raises(websocket.WebSocketBadStatusException):
        _connect(stream_server, "?stream=user&access_token=nope")
    with pytest.raises(websocket.WebSocketBadStatusException):
        websocket.create_connection(
            f"ws://127.0.0.1:{stream_server.port}/api/v1/elsewhere", timeout=5
        )
    reader_only = token_for(user_create(), scope="read:notifications")
    socket = _connect(stream_server, f"?access_token={reader_only}")
    socket.send(json.dumps({"type": "subscribe", "stream": "user"}))
    assert json.loads(socket.recv())["status"] == 403
    socket.close()


class Collect(StreamListener):
    def __init__(self):
        self.updates = []

    def on_update(self, status):
        self.updates.append(status)


def test_mastodon_py_reads_an_update_over_the_websocket(live_server, stream_server, settings):
    settings.API_THROTTLING = False
    settings.STREAM_URL = f"http://127.0.0.1:{stream_server.port}"
    alice, bob = user_create(username="alice"), user_create(username="bob")
    api = _log_in(live_server.url, alice)
    bob_api = _log_in(live_server.url, bob)
    api.account_follow(bob.pk)
    listener = Collect()
    handle = api.stream_open_websocket(listener)
    try:
        api.stream_user(listener, websocket_handle=handle)
        for attempt in range(3):  # the subscribe message has no acknowledgement
            posted = bob_api.status_post(f"websocket {attempt}")
            deadline = time.monotonic() + 5
            while not listener.updates and time.monotonic() < deadline:
                time.sleep(0.1)
            if listener.updates:
                break
        assert listener.updates[0].id == posted.id
        assert listener.updates[0].account.acct == "bob"
    finally:
        handle.close()
