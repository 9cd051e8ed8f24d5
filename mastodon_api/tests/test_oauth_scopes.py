"""A token may carry only scopes its app registered at POST /api/v1/apps (or sub-scopes)."""

import re

import pytest
from django.test import Client

from accounts.tests.factories import user_create

from .helpers import OOB, authorize_code, register_app

pytestmark = pytest.mark.django_db


def _authorize_page(app, scope):
    browser = Client()
    browser.force_login(user_create())
    query = {"response_type": "code", "client_id": app["client_id"], "redirect_uri": OOB}
    if scope is not None:
        query["scope"] = scope
    return browser, browser.get("/oauth/authorize", query)


def _token(client, app, code):
    return client.post(
        "/oauth/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "redirect_uri": OOB,
        },
    )


def test_authorize_refuses_scopes_the_app_did_not_register():
    app = register_app(Client(), scopes="read")
    _browser, page = _authorize_page(app, "read write")
    assert page.status_code == 400
    assert "invalid_scope" in page.content.decode()
    assert 'name="allow"' not in page.content.decode()


def test_a_sub_scope_of_a_registered_scope_is_allowed():
    client = Client()
    app = register_app(client, scopes="read write:statuses")
    user = user_create()
    code = authorize_code(user, app, scope="read:statuses write:statuses")
    token = _token(client, app, code)
    assert token.status_code == 200 and token.json()["scope"] == "read:statuses write:statuses"
    _browser, refused = _authorize_page(app, "write:media")
    assert refused.status_code == 400


def test_no_scope_asked_gets_read_or_what_the_app_registered():
    client = Client()
    reader = register_app(client, scopes="read write")
    _browser, page = _authorize_page(reader, None)
    form = dict(
        re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.content.decode())
    )
    assert form["scope"] == "read"
    writer = register_app(client, scopes="write:statuses")
    _browser, page = _authorize_page(writer, None)
    form = dict(
        re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.content.decode())
    )
    assert form["scope"] == "write:statuses"


def test_client_credentials_are_held_to_the_registered_scopes():
    client = Client()
    app = register_app(client, scopes="read")
    credentials = {
        "grant_type": "client_credentials",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
    }
    refused = client.post("/oauth/token", {**credentials, "scope": "read write"})
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_scope"
    granted = client.post("/oauth/token", {**credentials, "scope": "read"})
    assert granted.status_code == 200 and granted.json()["scope"] == "read"
