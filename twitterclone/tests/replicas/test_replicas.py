"""Reads on a real streaming replica: routing, read-your-writes, a stopped or lagging replica.

Every test commits for real (the standby only replays commits) against the throwaway
primary and its hot standby of conftest.py. Where a read was served is seen from the
queries each connection ran (CaptureQueriesContext on `default` and on `replica_0`) and,
with replay paused, from what the page shows: the standby cannot know a row committed after
the pause.
"""

import time

import psycopg
import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import user_create
from notifications.selectors import notifications_unread_count
from social.services import follow_create
from tweets.tests.factories import post
from twitterclone import replicas
from twitterclone.middleware import breaker_close, breaker_is_open
from twitterclone.tests.api_helpers import bearer_client
from twitterclone.tests.threads import without_event_loop

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica_0"])


class Served:
    """Count the queries `default` and `replica_0` run inside the block."""

    def __enter__(self):
        self._primary = CaptureQueriesContext(connections["default"])
        self._replica = CaptureQueriesContext(connections["replica_0"])
        self._primary.__enter__()
        self._replica.__enter__()
        return self

    def __exit__(self, *exc):
        self._replica.__exit__(*exc)
        self._primary.__exit__(*exc)

    @property
    def replica(self) -> int:
        return len(self._replica.captured_queries)

    @property
    def primary(self) -> list[str]:
        return [query["sql"] for query in self._primary.captured_queries]


def _profile(user) -> str:
    return reverse("profile", kwargs={"username": user.username})


def _api_texts(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [tweet["content"] for tweet in response.json()["results"]]


def test_get_reads_use_the_replica_and_writes_the_primary(pair, client):
    author = user_create()
    post(author, "on both servers")
    pair.wait_replayed()
    with Served() as served:
        response = client.get(_profile(author))
    assert response.status_code == 200
    assert "on both servers" in response.content.decode()
    assert served.replica > 0
    # The tweets, the author and the page were read from the replica; nothing from default.
    assert served.primary == []

    client.force_login(author)
    with Served() as served:
        response = client.post(reverse("home"), {"content": "written on the primary"})
    assert response.status_code == 302
    assert served.replica == 0


def test_a_user_sees_their_tweet_at_once_html_and_api(pair, client):
    alice = user_create()
    client.force_login(alice)
    api = bearer_client(user=alice)
    for round_ in range(3):
        response = client.post(reverse("home"), {"content": f"html post {round_}"})
        assert response.status_code == 302
        assert f"html post {round_}" in client.get(reverse("home")).content.decode()
        assert f"html post {round_}" in client.get(_profile(alice)).content.decode()
        response = api.post(reverse("api-tweets"), {"content": f"api post {round_}"}, format="json")
        assert response.status_code == 201, response.content
        assert f"api post {round_}" in _api_texts(api.get(reverse("api-timeline-home")))
        user_tweets = reverse("api-user-tweets", kwargs={"username": alice.username})
        assert f"api post {round_}" in _api_texts(api.get(user_tweets))


def test_paused_replay_never_hides_a_users_own_write(pair, client):
    alice, bob = user_create(), user_create()
    follow_create(follower=bob, followee=alice)
    pair.wait_replayed()
    client.force_login(alice)
    api = bearer_client(user=alice)
    bob_client = type(client)()
    bob_client.force_login(bob)

    pair.replay_pause()
    response = client.post(reverse("home"), {"content": "written while paused"})
    assert response.status_code == 302
    response = api.post(reverse("api-tweets"), {"content": "api while paused"}, format="json")
    assert response.status_code == 201

    # Alice: every read shows her writes (the standby has not replayed them: the primary).
    for _ in range(3):
        with Served() as served:
            home = client.get(reverse("home")).content.decode()
            profile = client.get(_profile(alice)).content.decode()
            api_home = _api_texts(api.get(reverse("api-timeline-home")))
        assert "written while paused" in home and "api while paused" in home
        assert "written while paused" in profile
        assert "api while paused" in api_home and "written while paused" in api_home
        # One replay-position check per request (3), then the primary.
        assert served.replica == 3

    # Bob wrote nothing: his reads stay on the standby, which cannot show the new tweets yet.
    with Served() as served:
        page = bob_client.get(_profile(alice)).content.decode()
    assert served.replica > 0
    assert "written while paused" not in page

    pair.replay_resume()
    pair.wait_replayed()
    replicas.health_reset()
    # Replayed: Alice's reads go back to the standby, Bob sees the tweets.
    with Served() as served:
        assert "written while paused" in client.get(reverse("home")).content.decode()
    assert served.replica > 1
    assert "written while paused" in bob_client.get(_profile(alice)).content.decode()


def test_a_token_made_while_replay_is_paused_works_at_once(pair):
    # Who the caller is comes from the primary: the bearer token's lookup (a compiled
    # statement, not the ORM) must not ask a standby that has not replayed the token yet.
    bob = user_create()
    pair.wait_replayed()
    pair.replay_pause()
    api = bearer_client(user=bob)
    with Served() as served:
        response = api.get(reverse("api-timeline-home"))
    assert response.status_code == 200, response.content
    assert any("api_tokens" in sql for sql in served.primary)


def test_a_stopped_replica_sends_reads_to_the_primary(pair, client, settings):
    author = user_create()
    post(author, "still readable")
    pair.wait_replayed()
    assert replicas.replica_lag_seconds()["replica_0"] < 1
    pair.replica.stop()
    replicas.health_reset()

    started = time.monotonic()
    response = client.get(_profile(author))
    first = time.monotonic() - started
    assert response.status_code == 200
    assert "still readable" in response.content.decode()
    # Found down within the replica's connect wait, then skipped without trying it.
    assert first < settings.DATABASE_REPLICA_CONNECT_TIMEOUT + 2
    api = bearer_client(user=author)
    for _ in range(5):
        started = time.monotonic()
        assert "still readable" in _api_texts(api.get(reverse("api-timeline-home")))
        assert time.monotonic() - started < 0.5
    assert replicas.health("replica_0").down_until > time.monotonic()
    assert replicas.replica_lag_seconds() == {"replica_0": None}

    # Back: once the skip is over, reads use it again.
    pair.replica.start()
    replicas.health_reset()
    pair.wait_replayed()
    with Served() as served:
        assert client.get(_profile(author)).status_code == 200
    assert served.replica > 0


def test_a_replica_failing_mid_request_reruns_the_get_on_the_primary(pair, client, settings):
    settings.DATABASE_UNAVAILABLE_BACKOFF = 5
    author = user_create()
    post(author, "rerun on the primary")
    pair.wait_replayed()
    queries = []

    def kill_before_third_query(execute, sql, params, many, context):
        queries.append(sql)
        if len(queries) == 3:
            # The standby drops this request's connection: a real server-side failure.
            pid = context["connection"].connection.info.backend_pid
            with psycopg.connect(pair.replica.dsn(), autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
        return execute(sql, params, many, context)

    try:
        with connections["replica_0"].execute_wrapper(kill_before_third_query):
            response = client.get(_profile(author))
        assert response.status_code == 200
        assert "rerun on the primary" in response.content.decode()
        assert len(queries) >= 3
        # The replica's failure did not leave the primary's 503 breaker open.
        assert not breaker_is_open()
        assert replicas.health("replica_0").down_until > time.monotonic()
    finally:
        breaker_close()


def test_a_replica_lagging_past_the_bound_is_skipped(pair, client, settings):
    settings.DATABASE_REPLICA_MAX_LAG = 0.3
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0
    author, reader = user_create(), user_create()
    post(author, "before the pause")
    pair.wait_replayed()
    client.force_login(reader)

    pair.replay_pause()
    post(author, "only the primary has this")  # written by someone else: no read-your-writes
    time.sleep(0.6)
    lag = replicas.replica_lag_seconds()["replica_0"]
    assert lag is not None and lag > settings.DATABASE_REPLICA_MAX_LAG
    with Served() as served:
        page = client.get(_profile(author)).content.decode()
    assert "only the primary has this" in page
    assert served.replica == 1  # the health check only

    settings.DATABASE_REPLICA_MAX_LAG = 60
    with Served() as served:
        page = client.get(_profile(author)).content.decode()
    assert "only the primary has this" not in page  # within a laxer bound: the standby
    assert served.replica > 1


def test_a_get_that_writes_reads_the_primary_after_its_write(pair, client):
    alice, bob = user_create(), user_create()
    follow_create(follower=alice, followee=bob)  # bob gets a "followed you" notification
    assert notifications_unread_count(viewer=bob) == 1
    pair.wait_replayed()
    client.force_login(bob)

    pair.replay_pause()
    # The first page of /notifications moves bob's read marker: a raw-SQL upsert on the primary.
    assert client.get(reverse("notifications")).status_code == 200
    with Served() as served:
        response = client.get(_profile(alice))
    assert response.status_code == 200
    # The standby still has the old marker (one unread); bob's page reads the primary: none.
    assert served.replica == 1  # the replay-position check only
    assert response.context["count"] == 0


def test_the_event_stream_reads_only_the_primary(pair, client):
    author, viewer = user_create(), user_create()
    tweet = post(author, "streamed")
    pair.wait_replayed()
    client.force_login(viewer)

    def stream():
        # In its own thread (twitterclone.tests.threads), so Served sees that thread's
        # connections: the request's.
        with Served() as served:
            # Checks which subscribed tweets the viewer may see: a tweet read, never on a
            # replica (the events it serves come from the primary's LISTEN).
            response = client.get(reverse("api-me-stream"), {"tweets": str(tweet.pk)})
        return response, served.replica, served.primary

    response, on_replica, on_primary = without_event_loop(stream)
    assert response.status_code == 200
    assert on_replica == 0
    assert any("tweets" in sql for sql in on_primary)
