"""The local settings (`make run`): the toolbar is opt-in and never on the API, a missing page
shows the project's 404 page, and the favicon answers.

The local settings are a module of their own (DEBUG on, toolbar, middleware), so each case
loads them in a child Python process with Django's test client, pointed at this test run's
database through DATABASE_URL.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.templatetags.static import static

from accounts.services import token_create
from accounts.tests.factories import user_create
from tweets.models import Tweet
from twitterclone.views import FAVICON

PAGE_404_TEXT = "this page doesn't exist"
TECHNICAL_404_TEXT = "Using the URLconf defined in"
TOOLBAR_MARK = 'id="djDebug"'
NESTED_1000 = "[" * 1000 + "]" * 1000
BODY_300_KIB = json.dumps({"content": "x" * (300 * 1024)})

# Runs in the child: each request is [method, path, body or null, bearer token or null].
CHILD = """
import json, sys
import django
django.setup()
from django.test import Client
client = Client(raise_request_exception=False, HTTP_HOST="127.0.0.1")
answers = []
for method, path, body, token in json.loads(sys.stdin.read()):
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    response = client.generic(method, path, body or "", content_type="application/json", **extra)
    answers.append({
        "status": response.status_code,
        "type": response.get("Content-Type", ""),
        "location": response.get("Location", ""),
        "body": response.content.decode(errors="replace"),
    })
print(json.dumps(answers))
"""


def _database_url() -> str:
    """Return a URL of this run's test database (TCP or the embedded server's socket)."""
    db = connection.settings_dict
    host = quote(db["HOST"], safe="") if db["HOST"].startswith("/") else db["HOST"]
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{db['USER']}@{host}{port}/{db['NAME']}"


def _local(requests: list, **env: str) -> list[dict]:
    """Send `requests` through the local settings in a child process; return the answers."""
    child_env = {
        **{k: v for k, v in os.environ.items() if k not in ("DEBUG_TOOLBAR", "DEBUG_404")},
        "DJANGO_SETTINGS_MODULE": "twitterclone.settings.local",
        "DATABASE_URL": _database_url(),
        "API_THROTTLING": "off",
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", CHILD],
        input=json.dumps(requests),
        env=child_env,
        cwd=Path(settings.BASE_DIR),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _is_json(answer: dict) -> bool:
    return answer["type"].startswith("application/json")


@pytest.mark.django_db(transaction=True)
def test_toolbar_on_never_breaks_api_bodies_and_still_shows_on_pages():
    token = token_create(user=user_create())
    nested, oversized, page = _local(
        [
            ["POST", "/api/v1/tweets", NESTED_1000, token],
            ["POST", "/api/v1/tweets", BODY_300_KIB, token],
            ["GET", "/login/", None, None],
        ],
        DEBUG_TOOLBAR="on",
    )
    assert (nested["status"], _is_json(nested)) == (400, True), nested["body"][:300]
    assert "nested too deeply" in nested["body"]
    assert (oversized["status"], _is_json(oversized)) == (413, True), oversized["body"][:300]
    assert TOOLBAR_MARK not in nested["body"] + oversized["body"]
    assert page["status"] == 200
    assert TOOLBAR_MARK in page["body"]
    assert not Tweet.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_toolbar_is_off_unless_asked_for():
    (page,) = _local([["GET", "/login/", None, None]])
    assert page["status"] == 200
    assert TOOLBAR_MARK not in page["body"]


@pytest.mark.django_db(transaction=True)
def test_missing_pages_show_the_project_404_page_with_debug_on():
    no_route, no_user, api = _local(
        [
            ["GET", "/no/such/page", None, None],
            ["GET", "/@nosuchuser", None, None],
            ["GET", "/api/v1/no/such/endpoint", None, None],
        ]
    )
    for answer in (no_route, no_user):
        assert answer["status"] == 404
        assert PAGE_404_TEXT in answer["body"]
        assert TECHNICAL_404_TEXT not in answer["body"]
    assert (api["status"], _is_json(api)) == (404, True)


@pytest.mark.django_db(transaction=True)
def test_debug_404_technical_brings_back_django_404_page():
    (answer,) = _local([["GET", "/no/such/page", None, None]], DEBUG_404="technical")
    assert answer["status"] == 404
    assert TECHNICAL_404_TEXT in answer["body"]


@pytest.mark.django_db(transaction=True)
def test_favicon_answers_under_the_local_settings():
    (answer,) = _local([["GET", "/favicon.ico", None, None]])
    assert answer["status"] == 302
    assert answer["location"] == "/static/favicon.svg"


def test_favicon_redirects_to_a_static_file_that_exists(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static(FAVICON)
    assert finders.find(FAVICON)


def test_pages_link_the_favicon(client):
    response = client.get("/login/")
    assert f'<link rel="icon" href="{static(FAVICON)}"' in response.content.decode()
