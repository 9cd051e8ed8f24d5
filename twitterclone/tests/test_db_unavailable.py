"""A database that cannot be reached answers 503 with Retry-After, quickly, never 500.

Real failures, no mocks: the connection settings point at a closed port or at a socket that
accepts and never answers, or the pool is shrunk to one connection that another thread holds.
Each test restores the settings and drops the pool it made, so the next test gets the real
database again. The breaker (off in the test settings) is switched on where it is tested.
"""

import contextlib
import socket
import threading
import time

import pytest
from django.db import OperationalError, connection, connections
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.services import user_register
from twitterclone.middleware import (
    RETRY_AFTER_SECONDS,
    UNAVAILABLE,
    breaker_close,
    breaker_is_open,
    is_database_unavailable,
)
from twitterclone.tests.api_helpers import bearer_client

# A guard against hanging, not a benchmark: each case sets timeouts of about one second.
NO_HANG_SECONDS = 10


@contextlib.contextmanager
def database_settings(monkeypatch, *, pool: dict, **settings):
    """Point the default connection's new pool at `settings` (HOST, PORT, ...) for a while."""
    connection.close()
    connection.close_pool()
    options = {**connection.settings_dict["OPTIONS"]}
    options["pool"] = {**options["pool"], **pool}
    options["connect_timeout"] = 1
    with monkeypatch.context() as patch:
        patch.setitem(connection.settings_dict, "OPTIONS", options)
        for key, value in settings.items():
            patch.setitem(connection.settings_dict, key, value)
        try:
            yield
        finally:
            connection.close()
            connection.close_pool()


def closed_port() -> int:
    """Return a loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def alice(db):
    return user_register(username="alice", email="alice@example.com", password="pw-123456789")


def assert_api_503(response):
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": UNAVAILABLE}


def timed_get(client, path):
    started = time.monotonic()
    response = client.get(path)
    assert time.monotonic() - started < NO_HANG_SECONDS
    return response


@pytest.mark.django_db(transaction=True)
def test_server_down_answers_503_json_for_api_and_html_for_pages(monkeypatch, alice):
    token_client = bearer_client(user=alice)
    with database_settings(monkeypatch, pool={"timeout": 1}, HOST="127.0.0.1", PORT=closed_port()):
        assert_api_503(timed_get(APIClient(), "/api/v1/users/alice"))
        # The bearer token is checked against the database before the view runs.
        assert_api_503(timed_get(token_client, "/api/v1/timeline/home"))
        page = timed_get(APIClient(), "/@alice")
        assert page.status_code == 503
        assert page["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert page["Content-Type"].startswith("text/html")
        assert "Briefly unavailable" in page.content.decode()
        assert UNAVAILABLE in page.content.decode()
    # Settings back, pool dropped: the same requests work again without any restart.
    assert APIClient().get("/api/v1/users/alice").status_code == 200
    assert token_client.get("/api/v1/timeline/home").status_code == 200
    assert APIClient().get("/@alice").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_server_that_never_answers_fails_after_connect_timeout(monkeypatch, alice):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)  # the kernel completes the handshake; nobody ever replies
        port = silent.getsockname()[1]
        with database_settings(monkeypatch, pool={"timeout": 2}, HOST="127.0.0.1", PORT=port):
            assert_api_503(timed_get(APIClient(), "/api/v1/users/alice"))
    assert APIClient().get("/api/v1/users/alice").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_pool_exhausted_answers_503_after_pool_timeout(monkeypatch, alice):
    holding, release = threading.Event(), threading.Event()

    def hold_the_only_connection():
        try:
            connection.ensure_connection()
            holding.set()
            release.wait(NO_HANG_SECONDS)
        finally:
            connection.close()

    with database_settings(monkeypatch, pool={"min_size": 1, "max_size": 1, "timeout": 0.5}):
        holder = threading.Thread(target=hold_the_only_connection)
        holder.start()
        try:
            assert holding.wait(NO_HANG_SECONDS)
            assert_api_503(timed_get(APIClient(), "/api/v1/users/alice"))
        finally:
            release.set()
            holder.join()
        # The connection is back in the pool: the next request gets it.
        assert APIClient().get("/api/v1/users/alice").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_connection_failure_opens_breaker_that_answers_503_without_the_database(
    monkeypatch, settings, alice
):
    settings.DATABASE_UNAVAILABLE_BACKOFF = 0.5
    try:
        with database_settings(
            monkeypatch, pool={"timeout": 1}, HOST="127.0.0.1", PORT=closed_port()
        ):
            assert_api_503(timed_get(APIClient(), "/api/v1/users/alice"))
        assert breaker_is_open()
        # The database is back, but for the backoff the answer comes without trying it.
        with CaptureQueriesContext(connection) as queries:
            assert_api_503(APIClient().get("/api/v1/users/alice"))
            assert APIClient().get("/@alice").status_code == 503
        assert len(queries) == 0
        while breaker_is_open():
            time.sleep(0.05)
        assert APIClient().get("/api/v1/users/alice").status_code == 200
    finally:
        breaker_close()


@pytest.mark.django_db(transaction=True)
def test_error_on_a_working_connection_answers_503_without_opening_breaker(settings, alice):
    settings.DATABASE_UNAVAILABLE_BACKOFF = 30
    other = connections.create_connection("default")
    try:
        other.connect()
        # A real statement timeout (SQLSTATE 57014): the connection still works afterwards.
        with other.cursor() as cursor:
            cursor.execute("SET statement_timeout = 1")
            with pytest.raises(OperationalError) as caught:
                cursor.execute("SELECT pg_sleep(1)")
        assert is_database_unavailable(caught.value)
        assert not breaker_is_open()
        with other.cursor() as cursor:
            cursor.execute("RESET statement_timeout")  # the connection goes back to the pool
    finally:
        other.close()
        breaker_close()
    assert APIClient().get("/api/v1/users/alice").status_code == 200
