"""An ASGI server (granian, as deploy/stream.sh runs it) over the test database.

The streams are served by a real granian process in ASGI mode, reading the test database
(transaction=True tests: what a test writes is committed, so the server sees it). Writes are
made in the test process through the services; their NOTIFYs reach the server's listener as
they would from a web or worker process.
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).parents[2]
SERVER_APP_NAME = "tc-stream-test-server"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _start(extra_env: dict):
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "twitterclone.settings.test",
        "DATABASE_URL": _database_url(),
        "STREAM_HEARTBEAT_SECONDS": "1",
        "STREAM_RECONNECT_MAX_DELAY": "0.5",
        # The server's own connections name themselves (libpq reads PGAPPNAME), so a test
        # can end them without touching the test process's (the listener names itself).
        "PGAPPNAME": SERVER_APP_NAME,
        **extra_env,
    }
    env.pop("TEST_DATABASE_NAME", None)
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "granian"),
            "--interface",
            # ASGI without the lifespan protocol, which Django does not speak.
            "asginl",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--log-level",
            "warning",
            "twitterclone.asgi:application",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("the ASGI server did not start")
            time.sleep(0.1)
    return type("Server", (), {"port": port, "process": process})()


def _stop(server) -> None:
    server.process.terminate()
    try:
        server.process.wait(10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture
def stream_server_factory(transactional_db):
    """Return a function that starts granian (ASGI, one worker) with extra environment."""
    servers = []

    def start(**extra_env):
        servers.append(_start(extra_env))
        return servers[-1]

    yield start
    for server in servers:
        _stop(server)


@pytest.fixture
def stream_server(stream_server_factory):
    """A granian ASGI process on a free port over the test database."""
    return stream_server_factory()
