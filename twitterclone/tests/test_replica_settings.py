"""DATABASE_REPLICA_URLS: each URL becomes a replica alias with the primary's options."""

import subprocess
import sys

from twitterclone.settings.base import database_from_url, replica_database


def test_a_replica_keeps_the_primarys_options_with_a_short_connect_wait():
    default = database_from_url("postgres://app:secret@db.internal:6432/twitterclone")
    default["OPTIONS"]["pool"]["timeout"] = 20
    replica = replica_database(default, "postgres://reader:pw@replica.internal:6433/twitterclone")
    assert (replica["HOST"], replica["PORT"], replica["USER"]) == (
        "replica.internal",
        6433,
        "reader",
    )
    assert replica["OPTIONS"]["connect_timeout"] == 1
    assert replica["OPTIONS"]["pool"] == {**default["OPTIONS"]["pool"], "timeout": 1}
    prepared = {k: v for k, v in default["OPTIONS"].items() if k not in ("pool", "connect_timeout")}
    assert {k: replica["OPTIONS"][k] for k in prepared} == prepared
    assert replica["CONN_HEALTH_CHECKS"] is True
    # Never created or flushed by the test runner.
    assert replica["TEST"] == {"MIRROR": "default"}
    # The primary's settings are left as they were.
    assert default["OPTIONS"]["pool"]["timeout"] == 20
    assert default["HOST"] == "db.internal"


def test_replica_urls_become_numbered_aliases_and_the_router_is_on():
    code = (
        "from django.conf import settings; import django; django.setup(); "
        "print(sorted(settings.DATABASES), settings.DATABASE_ROUTERS)"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "twitterclone.settings.test",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/twitterclone",
        "DATABASE_REPLICA_URLS": "postgres://postgres@127.0.0.1:5440/a, postgres://postgres@127.0.0.1:5441/a",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert "['default', 'replica_0', 'replica_1']" in out
    assert "twitterclone.replicas.ReplicaRouter" in out
