"""Two app servers behind a real HAProxy: sessions, limits and caches hold across them.

Real processes, as bench/stack.py runs them: granian (deploy/serve.sh) with the production
settings, one process each, over the test database (transaction=True tests: what a test
writes is committed, so the servers see it), sharing one Redis database of their own for the
limit counters; Debian's HAProxy with deploy/haproxy/haproxy.cfg in front of them, trusted
through TRUSTED_PROXIES. Ports 8660-8669 (docs/scaling.md "Several web hosts").

Server web2 reaches PostgreSQL through a TCP relay this test can cut, so its /readyz can fail
and recover while the process keeps running.
"""

import contextlib
import os
import re
import socket
import threading
import time

import pytest
import redis
import requests
from django.db import connection
from django.test import override_settings
from requests.adapters import HTTPAdapter

from accounts.services import user_register
from bench import stack
from social.models import UserFollows
from tweets.models import Tweet

HAPROXY_PORT = 8660
WEB_PORTS = {"web1": 8661, "web2": 8662}
RELAY_PORT = 8664
STATS_PORT = 8669
# A Redis database of the load-balancer tests' own (the rate-limit tests use 15).
REDIS_URL = os.environ.get("TEST_BALANCER_REDIS_URL", "redis://127.0.0.1:6379/12")
PASSWORD = "pw-balancer-123456"
# Small limits, so a lockout takes a few requests; the servers read them at start.
SERVER_ENV = {
    "API_THROTTLING": "on",
    "REDIS_URL": REDIS_URL,
    "TRUSTED_PROXIES": "127.0.0.1/32",
    "API_RATE_TOKEN_USERNAME": "3/h",
    "API_RATE_TOKEN_IP": "5/h",
    # A request waits at most a second for a connection that cannot be had: /readyz says 503.
    "DB_POOL_TIMEOUT": "1",
    "DB_CONNECT_TIMEOUT": "1",
    "DB_UNAVAILABLE_BACKOFF": "0",
    "WEB_LOG_LEVEL": "error",
    "LOG_LEVEL": "ERROR",
}
# A guard against hanging, not a benchmark.
NO_HANG_SECONDS = 10
# HAProxy checks every 200 ms here (2 s in production): two failed checks take a server out.
CHECK_INTER = "200ms"

pytestmark = pytest.mark.django_db(transaction=True)


class Relay:
    """A TCP relay to PostgreSQL on a loopback port, which the test can cut and restore."""

    def __init__(self, port: int, target: tuple[str, int]):
        self.port, self.target = port, target
        self.sockets: set[socket.socket] = set()
        self.listener: socket.socket | None = None
        self.lock = threading.Lock()

    def start(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(64)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def cut(self) -> None:
        """Refuse new connections and break every open one."""
        with self.lock:
            if self.listener is not None:
                # shutdown wakes the thread blocked in accept(); close alone would leave it
                # able to take one more connection.
                with contextlib.suppress(OSError):
                    self.listener.shutdown(socket.SHUT_RDWR)
                self.listener.close()
                self.listener = None
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            with self.lock:
                if self.listener is not listener:  # cut meanwhile
                    client.close()
                    return
            try:
                server = socket.create_connection(self.target, timeout=3)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets.update((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


def _database_url(port: int | None = None) -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@127.0.0.1:{port or db['PORT'] or 5432}/{db['NAME']}"


def _redis_or_skip() -> redis.Redis:
    """Return a client of the tests' Redis database; skip where none runs, except in CI."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL} (set TEST_BALANCER_REDIS_URL); CI starts one")
    return client


@pytest.fixture(scope="module")
def redis_client() -> redis.Redis:
    return _redis_or_skip()


@pytest.fixture(scope="module")
def cluster(django_db_setup, redis_client):
    """Two granian app servers (web2 through the relay) and HAProxy before them."""
    db = connection.settings_dict
    relay = Relay(RELAY_PORT, ("127.0.0.1", int(db["PORT"] or 5432)))
    relay.start()
    with contextlib.ExitStack() as running:
        running.callback(relay.cut)
        servers = {
            port: running.enter_context(
                stack.app_server(
                    port=port,
                    database_url=_database_url(RELAY_PORT if name == "web2" else None),
                    workers=1,
                    threads=2,
                    extra_env=SERVER_ENV,
                    wait=False,
                )
            )
            for name, port in WEB_PORTS.items()
        }
        for port, process in servers.items():
            stack.wait_for_port("127.0.0.1", port, proc=process, timeout=60)
        stats = running.enter_context(
            stack.haproxy(
                port=HAPROXY_PORT,
                servers=WEB_PORTS,
                stats_port=STATS_PORT,
                check_inter=CHECK_INTER,
            )
        )
        yield type("Cluster", (), {"stats": stats, "relay": relay, "redis": redis_client})


@pytest.fixture
def world(cluster):
    """Fresh counters and two users, their passwords hashed as the servers hash them."""
    cluster.redis.flushdb()
    with override_settings(PASSWORD_HASHERS=["accounts.hashers.Argon2idOwaspHasher"]):
        bob = user_register(username="bob", email="bob@example.com", password=PASSWORD)
        carol = user_register(username="carol", email="carol@example.com", password=PASSWORD)
    return type("World", (), {"bob": bob, "carol": carol, "cluster": cluster})


def url(port: int, path: str) -> str:
    return f"http://127.0.0.1:{port}{path}"


def csrf_token(response: requests.Response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
    assert match, response.text[:500]
    return match.group(1)


def login(session: requests.Session, port: int, username: str, password: str):
    page = session.get(url(port, "/login"), timeout=NO_HANG_SECONDS)
    return session.post(
        url(port, "/login"),
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": csrf_token(page),
        },
        allow_redirects=False,
        timeout=NO_HANG_SECONDS,
    )


class SourceAddress(HTTPAdapter):
    """Connect from another loopback address, so HAProxy sees another client."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client_from(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", SourceAddress(address))
    return session


def server_stats(cluster) -> dict[str, dict[str, str]]:
    return stack.haproxy_show_stat(cluster.stats)


def wait_for_status(cluster, server: str, status: str, *, seconds: float = 15) -> float:
    """Wait until HAProxy reports `server` in `status`; return how long it took."""
    started = time.monotonic()
    while (now := time.monotonic()) - started < seconds:
        if server_stats(cluster)[server]["status"] == status:
            return now - started
        time.sleep(0.05)
    raise AssertionError(f"{server} not {status} after {seconds} s: {server_stats(cluster)}")


def test_signed_in_on_one_server_acts_on_the_other(world):
    web1, web2 = WEB_PORTS["web1"], WEB_PORTS["web2"]
    session = requests.Session()
    response = login(session, web1, "bob", PASSWORD)
    assert response.status_code == 302, response.text[:500]
    assert "sessionid" in session.cookies

    # The session (in PostgreSQL) is known on web2: its home page shows the compose box.
    home = session.get(url(web2, "/"), timeout=NO_HANG_SECONDS)
    assert home.status_code == 200
    posted = session.post(
        url(web2, "/"),
        data={"content": "posted through web2", "csrfmiddlewaretoken": csrf_token(home)},
        allow_redirects=False,
        timeout=NO_HANG_SECONDS,
    )
    assert posted.status_code == 302, posted.text[:500]
    followed = session.post(
        url(web2, "/@carol/follow"),
        data={"csrfmiddlewaretoken": csrf_token(home)},
        allow_redirects=False,
        timeout=NO_HANG_SECONDS,
    )
    assert followed.status_code == 302, followed.text[:500]
    assert Tweet.objects.filter(user=world.bob, content="posted through web2").exists()
    assert UserFollows.objects.filter(follower=world.bob, following=world.carol).exists()
    # And web1 shows what web2 wrote.
    assert "posted through web2" in session.get(url(web1, "/"), timeout=NO_HANG_SECONDS).text


def test_login_lockout_counted_on_one_server_holds_on_the_other(world):
    web1, web2 = WEB_PORTS["web1"], WEB_PORTS["web2"]
    for _ in range(3):  # API_RATE_TOKEN_USERNAME=3/h
        wrong = login(requests.Session(), web1, "bob", "not-the-password")
        assert wrong.status_code == 200  # the form again, with its error
    # The fourth attempt, with the right password, on the other server: locked.
    locked = login(requests.Session(), web2, "bob", PASSWORD)
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    # Another account is not locked, on either server.
    assert login(requests.Session(), web2, "carol", PASSWORD).status_code == 302


def test_haproxy_spreads_requests_and_forwards_the_client_address(world):
    cluster = world.cluster
    before = {name: int(s["hrsp_2xx"]) for name, s in server_stats(cluster).items()}
    session = requests.Session()
    for _ in range(20):
        assert session.get(url(HAPROXY_PORT, "/@carol"), timeout=NO_HANG_SECONDS).ok
    after = {name: int(s["hrsp_2xx"]) for name, s in server_stats(cluster).items()}
    served = {name: after[name] - before[name] for name in WEB_PORTS}
    assert sum(served.values()) == 20
    assert all(count >= 5 for count in served.values()), served

    # Sign-in attempts count per client address (API_RATE_TOKEN_IP=5/h). Through HAProxy the
    # servers see each client's own address, not HAProxy's one, and a client cannot choose
    # its address by writing X-Forwarded-For itself.
    mallory = client_from("127.0.0.2")
    for n in range(5):
        spoofed = {"X-Forwarded-For": f"198.51.100.{n}"}
        mallory.headers.update(spoofed)
        assert login(mallory, HAPROXY_PORT, f"nobody{n}", "wrong").status_code == 200
    assert login(mallory, HAPROXY_PORT, "nobody9", "wrong").status_code == 429
    # Another client, through the same HAProxy, still has its own counter.
    assert login(client_from("127.0.0.3"), HAPROXY_PORT, "bob", PASSWORD).status_code == 302


def test_haproxy_takes_a_server_out_while_its_database_is_away_and_back_after(world):
    cluster = world.cluster
    assert server_stats(cluster)["web2"]["status"] == "UP"
    # web2's DATABASE_URL now points at a closed port, and its pooled connections are broken.
    cluster.relay.cut()
    try:
        # web2 itself is alive (/healthz) but not ready: /readyz answers 503 (not a 500, not a
        # hang: within the pool timeout of 1 s).
        assert requests.get(url(WEB_PORTS["web2"], "/healthz"), timeout=NO_HANG_SECONDS).ok
        for _ in range(3):
            started = time.monotonic()
            ready = requests.get(url(WEB_PORTS["web2"], "/readyz"), timeout=NO_HANG_SECONDS)
            assert ready.status_code == 503
            assert ready.text == "database unavailable\n"
            assert time.monotonic() - started < NO_HANG_SECONDS
        wait_for_status(cluster, "web2", "DOWN")
        # Every request through HAProxy now goes to web1, and none fails.
        before = int(server_stats(cluster)["web1"]["hrsp_2xx"])
        for _ in range(10):
            response = requests.get(url(HAPROXY_PORT, "/@carol"), timeout=NO_HANG_SECONDS)
            assert response.status_code == 200
        assert int(server_stats(cluster)["web1"]["hrsp_2xx"]) - before == 10
    finally:
        cluster.relay.start()
    # The database is back: web2 passes its checks again, without a restart.
    wait_for_status(cluster, "web2", "UP", seconds=30)
    assert requests.get(url(WEB_PORTS["web2"], "/readyz"), timeout=NO_HANG_SECONDS).ok
