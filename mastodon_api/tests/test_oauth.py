"""OAuth 2 for Mastodon clients: apps, the authorize page, PKCE, tokens, revoke, scopes."""

import base64
import hashlib

import pytest
from django.test import Client
from oauth2_provider.models import AccessToken

from accounts.tests.factories import user_create

from .helpers import OOB, authorize_code, register_app, token_for

pytestmark = pytest.mark.django_db


def test_apps_answers_an_application_with_its_credentials_and_takes_a_list_of_uris():
    client = Client()
    app = register_app(client)
    assert app["name"] == "Test client"
    assert app["client_id"] and app["client_secret"]
    assert app["redirect_uri"] == OOB and app["scopes"] == ["read", "write", "follow", "push"]
    listed = client.post(
        "/api/v1/apps/",
        {"client_name": "Two", "redirect_uris": ["https://a.example/cb", "https://b.example/cb"]},
        content_type="application/json",
    )
    assert listed.status_code == 200
    assert listed.json()["redirect_uris"] == ["https://a.example/cb", "https://b.example/cb"]
    assert listed.json()["scopes"] == ["read"]


def test_apps_refuses_missing_fields_and_unknown_scopes_with_422():
    client = Client()
    response = client.post("/api/v1/apps", {"client_name": "", "scopes": "read admin"})
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"error"}
    assert "client_name" in body["error"] and "redirect_uris" in body["error"]


def test_the_authorize_page_needs_a_signed_in_user_and_shows_the_app_and_scopes():
    app = register_app(Client())
    query = {
        "response_type": "code",
        "client_id": app["client_id"],
        "redirect_uri": OOB,
        "scope": "read write:statuses",
    }
    anonymous = Client().get("/oauth/authorize", query)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login")
    browser = Client()
    browser.force_login(user_create(username="alice"))
    page = browser.get("/oauth/authorize/", query)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Authorize Test client?" in html and "@alice" in html
    assert (
        "Read your account&#x27;s data" in html and "Post and change data for you: statuses" in html
    )
    assert "<nav" in html  # the site's own layout (base.html)


def test_denying_shows_no_code():
    app = register_app(Client())
    browser = Client()
    browser.force_login(user_create(username="alice"))
    query = {
        "response_type": "code",
        "client_id": app["client_id"],
        "redirect_uri": OOB,
        "scope": "read",
        "client_id_": "",
    }
    browser.get("/oauth/authorize", query)
    denied = browser.post(
        "/oauth/authorize",
        {
            "client_id": app["client_id"],
            "redirect_uri": OOB,
            "response_type": "code",
            "scope": "read",
        },
    )
    assert denied.status_code == 200
    assert "authorization-code" not in denied.content.decode()
    assert "access_denied" in denied.content.decode()


def test_a_code_becomes_a_token_that_authenticates_and_revoke_ends_it():
    alice = user_create(username="alice")
    token = token_for(alice)
    api = Client(headers={"authorization": f"Bearer {token}"})
    me = api.get("/api/v1/accounts/verify_credentials")
    assert me.status_code == 200 and me.json()["username"] == "alice"
    assert me.json()["source"]["privacy"] == "public"
    app = register_app(Client())
    revoked = Client().post(
        "/oauth/revoke",
        {"token": token, "client_id": app["client_id"], "client_secret": app["client_secret"]},
    )
    # Only the app that got the token may revoke it.
    assert revoked.status_code == 200
    assert api.get("/api/v1/accounts/verify_credentials").status_code == 200


def test_revoke_by_the_owning_app_ends_the_token():
    alice = user_create(username="alice")
    client = Client()
    app = register_app(client)
    code = authorize_code(alice, app)
    token = client.post(
        "/oauth/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "redirect_uri": OOB,
        },
    ).json()
    assert set(token["scope"].split()) == {"read", "write", "follow", "push"}
    # Stored hashed (RFC 9700, settings OAUTH2_PROVIDER): the database never holds the token.
    assert not AccessToken.objects.filter(token=token["access_token"]).exists()
    assert AccessToken.objects.filter(user=alice).count() == 1
    api = Client(headers={"authorization": f"Bearer {token['access_token']}"})
    assert api.get("/api/v1/accounts/verify_credentials").status_code == 200
    client.post(
        "/oauth/revoke",
        {
            "token": token["access_token"],
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        },
    )
    gone = api.get("/api/v1/accounts/verify_credentials")
    assert gone.status_code == 401 and set(gone.json()) == {"error"}


def test_pkce_s256_is_checked():
    alice = user_create(username="alice")
    client = Client()
    app = register_app(client)
    verifier = "v" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    code = authorize_code(
        alice, app, code_challenge=challenge.decode(), code_challenge_method="S256"
    )
    base = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "redirect_uri": OOB,
    }
    wrong = client.post("/oauth/token", {**base, "code_verifier": "w" * 64})
    assert wrong.status_code == 400
    code = authorize_code(
        alice, app, code_challenge=challenge.decode(), code_challenge_method="S256"
    )
    right = client.post("/oauth/token", {**base, "code": code, "code_verifier": verifier})
    assert right.status_code == 200 and right.json()["access_token"]


def test_client_credentials_gives_an_app_token_without_an_account():
    client = Client()
    app = register_app(client, scopes="read")
    response = client.post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": "read",
        },
    )
    assert response.status_code == 200
    api = Client(headers={"authorization": f"Bearer {response.json()['access_token']}"})
    assert api.get("/api/v1/timelines/public").status_code == 200
    assert api.get("/api/v1/accounts/verify_credentials").status_code == 401


def test_scopes_are_enforced_per_endpoint_and_a_top_scope_grants_its_sub_scopes():
    alice = user_create(username="alice")
    reader = Client(headers={"authorization": f"Bearer {token_for(alice, scope='read')}"})
    assert reader.get("/api/v1/timelines/home").status_code == 200
    refused = reader.post("/api/v1/statuses", {"status": "hello"})
    assert refused.status_code == 403 and set(refused.json()) == {"error"}
    narrow = Client(headers={"authorization": f"Bearer {token_for(alice, scope='write:statuses')}"})
    assert narrow.post("/api/v1/statuses", {"status": "hello"}).status_code == 200
    assert narrow.get("/api/v1/timelines/home").status_code == 403
    follow = Client(headers={"authorization": f"Bearer {token_for(alice, scope='follow')}"})
    bob = user_create(username="bob")
    assert follow.post(f"/api/v1/accounts/{bob.pk}/follow").status_code == 200
    assert follow.post("/api/v1/statuses", {"status": "no"}).status_code == 403


def test_a_garbage_token_is_401_not_anonymous():
    api = Client(headers={"authorization": "Bearer nonsense"})
    response = api.get("/api/v1/timelines/public")
    assert response.status_code == 401 and response.json() == {
        "error": "The access token is invalid"
    }


def test_the_projects_own_token_api_is_untouched():
    user_create(username="alice", password="a-long-password-123")
    response = Client().post(
        "/api/v1/auth/token",
        {"username": "alice", "password": "a-long-password-123"},
        content_type="application/json",
    )
    assert response.status_code in (200, 201)
    token = response.json()["token"]
    me = Client(headers={"authorization": f"Bearer {token}"}).get("/api/v1/me")
    assert me.status_code == 200 and me.json()["username"] == "alice"
