"""`make stop`: the embedded PostgreSQL outlives `make run`, and this stops it (also as root)."""

import psutil
import psycopg

from twitterclone.embedded_db import embedded_database_settings, embedded_database_stop


def _server_pids(data_dir) -> list[int]:
    """Return the pids of postgres processes serving `data_dir`."""
    pgdata = str((data_dir / "pgdata").resolve())
    return [
        p.pid
        for p in psutil.process_iter(["name", "cmdline"])
        if p.info["name"] == "postgres" and pgdata in (p.info["cmdline"] or [])
    ]


def test_stop_ends_a_running_embedded_server_and_is_quiet_after(tmp_path):
    settings = embedded_database_settings(tmp_path)
    with psycopg.connect(host=settings["HOST"], user="postgres", dbname=settings["NAME"]):
        pass
    assert _server_pids(tmp_path)

    assert embedded_database_stop(tmp_path) is True
    assert _server_pids(tmp_path) == []
    assert embedded_database_stop(tmp_path) is False


def test_stop_without_a_data_dir_does_nothing(tmp_path):
    assert embedded_database_stop(tmp_path / "never-made") is False
