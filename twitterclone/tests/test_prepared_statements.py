"""Prepared statements: on for direct connections, off in production unless asked for.

The visibility rule's statements are planned once per connection (docs/performance.md
"Planning the rule once per connection"); behind PgBouncer 1.18 in transaction mode a prepared
statement would be missing on the next server connection, so production leaves them off
unless DB_PREPARED_STATEMENTS=on.
"""

import json

import pytest
from django.db import connection

from accounts.tests.factories import user_create
from notifications.selectors import notifications_unread_count

from .test_deploy_check import _production_env, _run

OPTIONS = "server_side_binding", "prepare_threshold"


def _database_options(env: dict) -> dict:
    script = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default']['OPTIONS'], default=str))"
    )
    result = _run(["-c", script], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("settings_module", "flag", "prepared"),
    [
        ("twitterclone.settings.production", None, False),
        ("twitterclone.settings.production", "on", True),
        ("twitterclone.settings.local", None, True),
        ("twitterclone.settings.local", "off", False),
    ],
)
def test_prepared_statements_follow_the_settings_and_the_flag(settings_module, flag, prepared):
    env = _production_env()
    env["DJANGO_SETTINGS_MODULE"] = settings_module
    env.pop("DB_PREPARED_STATEMENTS", None)
    if flag is not None:
        env["DB_PREPARED_STATEMENTS"] = flag
    options = _database_options(env)
    assert all((name in options) is prepared for name in OPTIONS), options
    assert "pool" in options


@pytest.mark.django_db
def test_the_unread_count_is_planned_once_per_connection():
    viewer = user_create()
    for _ in range(3):
        notifications_unread_count(viewer=viewer)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements "
            "WHERE statement ILIKE %s AND statement ILIKE %s",
            ["%count(*)%", "%notifications%"],
        )
        (prepared,) = cursor.fetchone()
    assert prepared == 1
