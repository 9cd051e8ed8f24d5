"""Web clients call the Mastodon API from their own origin: CORS as Mastodon answers it."""

import pytest
from django.test import Client

from accounts.tests.factories import user_create

from .helpers import register_app

pytestmark = pytest.mark.django_db

ORIGIN = {"HTTP_ORIGIN": "https://elk.example"}


def test_a_preflight_allows_the_token_header_from_any_origin():
    response = Client().options(
        "/api/v1/statuses",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, idempotency-key",
        **ORIGIN,
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in response["Access-Control-Allow-Headers"]
    assert "Idempotency-Key" in response["Access-Control-Allow-Headers"]
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in response


def test_answers_expose_link_and_rate_limit_headers():
    response = Client().get("/api/v1/timelines/public", **ORIGIN)
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Link" in response["Access-Control-Expose-Headers"]
    assert "X-RateLimit-Remaining" in response["Access-Control-Expose-Headers"]
    app = register_app(Client())
    token = Client().post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": "read",
        },
        **ORIGIN,
    )
    assert token.status_code == 200 and token["Access-Control-Allow-Origin"] == "*"
    health = Client().get("/api/v1/streaming/health", **ORIGIN)
    assert health["Access-Control-Allow-Origin"] == "*"


def test_the_sites_session_never_signs_a_mastodon_request_in():
    browser = Client()
    browser.force_login(user_create())
    assert browser.get("/api/v1/accounts/verify_credentials", **ORIGIN).status_code == 401
    assert browser.post("/api/v1/statuses", {"status": "x"}, **ORIGIN).status_code == 401
