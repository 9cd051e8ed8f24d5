"""A real streaming replica for the replica tests (twitterclone/tests/replicas/).

Once per run of this folder: a throwaway primary holding a copy of the test database and a
hot standby streaming from it (cluster.py) on REPLICA_TEST_PORTS (5440,5441), then Django's
`default` is pointed at that primary and `replica_0` at the standby, exactly as
DATABASE_REPLICA_URLS would configure it (twitterclone.settings.base.replica_database). At
the end both servers stop, their folder is deleted and `default` points back at the test
database it had.

The tests commit for real (`transaction=True`): the standby replays only committed rows.
`replica_0` is a test mirror of `default`: Django never flushes or creates it.
"""

import os

import pytest
from django.core.cache import cache
from django.db import connections
from psycopg.conninfo import make_conninfo

from twitterclone import replicas
from twitterclone.settings.base import replica_database

from .cluster import primary_and_replica

PORTS = [int(port) for port in os.environ.get("REPLICA_TEST_PORTS", "5440,5441").split(",")]


def _reset_pool(alias: str) -> None:
    connection = connections[alias]
    connection.close()
    connection.close_pool()


@pytest.fixture(scope="package")
def replica_pair(django_db_setup, django_db_blocker):
    default = connections["default"].settings_dict
    name = default["NAME"]
    # A libpq string: HOST may be a socket folder (the embedded server of `make test`).
    source = make_conninfo(
        host=default["HOST"] or None,
        port=default["PORT"] or None,
        user=default["USER"] or None,
        password=default["PASSWORD"] or None,
        dbname=name,
    )
    saved = default["HOST"], default["PORT"]
    with primary_and_replica(
        primary_port=PORTS[0], replica_port=PORTS[1], source_dsn=source, dbname=name
    ) as pair:
        with django_db_blocker.unblock():
            _reset_pool("default")
            default["HOST"], default["PORT"] = "127.0.0.1", str(pair.primary.port)
            url = f"postgres://postgres@127.0.0.1:{pair.replica.port}/{name}"
            connections.settings["replica_0"] = replica_database(default, url)
        replicas.health_reset()
        try:
            yield pair
        finally:
            with django_db_blocker.unblock():
                _reset_pool("replica_0")
                del connections.settings["replica_0"]
                del connections["replica_0"]
                _reset_pool("default")
                default["HOST"], default["PORT"] = saved
            replicas.health_reset()


@pytest.fixture
def pair(replica_pair):
    """The running pair, replaying, with every process-level replica state forgotten."""
    if not replica_pair.replica.running():
        replica_pair.replica.start()
        _reset_pool("replica_0")
    replica_pair.replay_resume()
    replica_pair.wait_replayed()
    replicas.health_reset()
    cache.clear()
    yield replica_pair
    if replica_pair.replica.running():
        replica_pair.replay_resume()
    replicas.health_reset()
