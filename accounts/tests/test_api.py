"""JSON API for accounts: registration and bearer tokens (DESIGN "API contract")."""

import json

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.api.views import BEARER_REQUIRED, CREDENTIALS_INVALID
from accounts.models import ApiToken, User
from accounts.services import USERNAME_TAKEN, token_create, user_set_active
from accounts.tests.factories import PASSWORD, user_create
from twitterclone.tests.api_helpers import bearer_client, throttle_rates

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"
TOKEN = "/api/v1/auth/token"
ME = "/api/v1/me"
NEW_PASSWORD = "a-long-and-unusual-passphrase"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Start every test with empty throttle counters."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


def _bearer(token: str) -> APIClient:
    return bearer_client(token=token)


_rates = throttle_rates


def _register_body(**overrides) -> dict:
    return {
        "username": "newbie",
        "email": "newbie@example.com",
        "password": NEW_PASSWORD,
        **overrides,
    }


# POST /auth/register


def test_register_creates_the_account_and_returns_a_working_token(api):
    response = api.post(REGISTER, _register_body(display_name="New Bie"), format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["user"]["username"] == "newbie"
    assert body["user"]["display_name"] == "New Bie"
    assert body["user"]["privacy"] == "public"
    assert isinstance(body["user"]["id"], int)
    assert "password" not in body["user"] and "email" not in body["user"]
    me = _bearer(body["token"]).get(ME)
    assert me.status_code == 200
    assert me.json()["email"] == "newbie@example.com"


def test_register_without_display_name(api):
    response = api.post(REGISTER, _register_body(), format="json")

    assert response.status_code == 201
    assert response.json()["user"]["display_name"] == ""


def test_register_taken_username_any_case_is_a_field_error(api):
    user_create(username="Taken")

    response = api.post(REGISTER, _register_body(username="tAKEN"), format="json")

    assert response.status_code == 400
    assert response.json() == {"username": [USERNAME_TAKEN]}
    assert not User.objects.filter(email="newbie@example.com").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"username": "bad name!"}, "username"),
        ({"username": ""}, "username"),
        ({"username": "x" * 51}, "username"),
        ({"username": ["newbie"]}, "username"),
        ({"username": {"name": "newbie"}}, "username"),
        ({"username": 12345}, "username"),
        ({"username": None}, "username"),
        ({"username": "new\x00bie"}, "username"),
        ({"email": "not-an-email"}, "email"),
        ({"email": ["newbie@example.com"]}, "email"),
        ({"email": "a" * 250 + "@example.com"}, "email"),
        ({"email": "new\x00bie@example.com"}, "email"),
        ({"password": "short"}, "password"),
        ({"password": "12345678901"}, "password"),
        ({"password": 1234567890123}, "password"),
        ({"password": {"secret": True}}, "password"),
        ({"password": "p" * 129}, "password"),
        ({"password": NEW_PASSWORD + "\x00"}, "password"),
        ({"display_name": "d" * 101}, "display_name"),
        ({"display_name": ["x"]}, "display_name"),
        ({"display_name": 7}, "display_name"),
        ({"display_name": "a\x00b"}, "display_name"),
    ],
)
def test_register_bad_input_is_a_field_error_and_writes_nothing(api, overrides, field):
    response = api.post(REGISTER, _register_body(**overrides), format="json")

    assert response.status_code == 400
    body = response.json()
    assert field in body
    assert all(isinstance(message, str) and message for message in body[field])
    assert not User.objects.exists()


@pytest.mark.parametrize("missing", ["username", "email", "password"])
def test_register_missing_field_is_a_field_error(api, missing):
    body = _register_body()
    del body[missing]

    response = api.post(REGISTER, body, format="json")

    assert response.status_code == 400
    assert missing in response.json()
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "raw", ['{"username": "newbie",', "[1, 2]", '"text"', "null", "\x00", "{}" * 100]
)
def test_register_malformed_or_non_object_json_is_400(api, raw):
    response = api.post(REGISTER, raw, content_type="application/json")

    assert response.status_code == 400
    assert not User.objects.exists()


def test_register_form_encoded_body_is_415(api):
    response = api.post(REGISTER, _register_body())

    assert response.status_code == 415
    assert not User.objects.exists()


def test_register_is_throttled_per_ip_with_retry_after(api):
    with override_settings(REST_FRAMEWORK=_rates(register="2/h")):
        for number in range(2):
            body = _register_body(username=f"u{number}", email=f"u{number}@example.com")
            assert api.post(REGISTER, body, format="json").status_code == 201
        response = api.post(REGISTER, _register_body(), format="json")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert User.objects.count() == 2


def test_api_throttling_off_disables_the_register_throttle(api):
    with override_settings(REST_FRAMEWORK=_rates(register="1/h"), API_THROTTLING=False):
        for number in range(3):
            body = _register_body(username=f"u{number}", email=f"u{number}@example.com")
            assert api.post(REGISTER, body, format="json").status_code == 201


# POST /auth/token


def test_token_for_right_password_any_username_case(api):
    user_create(username="Alice")

    response = api.post(TOKEN, {"username": "aLiCe", "password": PASSWORD}, format="json")

    assert response.status_code == 200
    token = response.json()["token"]
    assert _bearer(token).get(ME).json()["username"] == "Alice"


def test_wrong_password_and_unknown_username_answer_alike(api):
    user_create(username="alice")

    wrong = api.post(TOKEN, {"username": "alice", "password": "nope-nope-nope"}, format="json")
    unknown = api.post(TOKEN, {"username": "nobody", "password": PASSWORD}, format="json")

    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json() == unknown.json() == {"non_field_errors": [CREDENTIALS_INVALID]}
    assert not ApiToken.objects.exists()


def test_suspended_user_cannot_get_a_token(api):
    user_create(username="alice", is_active=False)

    response = api.post(TOKEN, {"username": "alice", "password": PASSWORD}, format="json")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [CREDENTIALS_INVALID]}
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"username": "alice"},
        {"password": PASSWORD},
        {"username": ["alice"], "password": PASSWORD},
        {"username": "alice", "password": {"p": PASSWORD}},
        {"username": "alice", "password": 12345678},
        {"username": "al\x00ice", "password": PASSWORD},
        {"username": "alice", "password": PASSWORD + "\x00"},
        {"username": "a" * 51, "password": PASSWORD},
        {"username": "alice", "password": "p" * 129},
    ],
)
def test_token_bad_input_is_a_field_error(api, body):
    user_create(username="alice")

    response = api.post(TOKEN, body, format="json")

    assert response.status_code == 400
    assert set(response.json()) <= {"username", "password"}
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("raw", ['{"username": ', "[]", "42"])
def test_token_malformed_json_is_400(api, raw):
    response = api.post(TOKEN, raw, content_type="application/json")

    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_token_attempts_are_throttled_per_username_whatever_the_ip(api):
    user_create(username="alice")
    attempt = {"username": "ALICE", "password": "guess-guess-guess"}

    with override_settings(REST_FRAMEWORK=_rates(token_username="2/h")):
        for number in range(2):
            response = api.post(TOKEN, attempt, format="json", REMOTE_ADDR=f"10.0.0.{number}")
            assert response.status_code == 400
        blocked = api.post(
            TOKEN,
            {"username": "alice", "password": PASSWORD},
            format="json",
            REMOTE_ADDR="10.0.0.9",
        )
        other_user = api.post(TOKEN, {"username": "bob", "password": "x"}, format="json")

    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert other_user.status_code == 400
    assert not ApiToken.objects.exists()


def test_token_attempts_are_throttled_per_ip(api):
    with override_settings(REST_FRAMEWORK=_rates(token_ip="2/h")):
        for number in range(2):
            body = {"username": f"nobody{number}", "password": "x"}
            assert api.post(TOKEN, body, format="json").status_code == 400
        response = api.post(TOKEN, {"username": "nobody9", "password": "x"}, format="json")

    assert response.status_code == 429
    assert "Retry-After" in response


# DELETE /auth/token


def test_delete_token_revokes_only_the_token_used():
    user = user_create()
    first, second = token_create(user=user), token_create(user=user)

    response = _bearer(first).delete(TOKEN)

    assert response.status_code == 204
    assert _bearer(first).get(ME).status_code == 401
    assert _bearer(second).get(ME).status_code == 200


def test_delete_token_without_credentials_is_401(api):
    response = api.delete(TOKEN)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_delete_token_with_a_session_is_401_and_keeps_tokens(api):
    user = user_create()
    token_create(user=user)
    api.force_login(user)

    response = api.delete(TOKEN)

    assert response.status_code == 401
    assert response.json() == {"detail": BEARER_REQUIRED}
    assert ApiToken.objects.filter(user=user).count() == 1


def test_delete_revoked_token_is_401():
    token = token_create(user=user_create())
    assert _bearer(token).delete(TOKEN).status_code == 204

    assert _bearer(token).delete(TOKEN).status_code == 401


# Bearer authentication


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer not-a-token", "Bearer a b", "Bearer caf\u00e9", "bearer ", "Bearer \x00"],
)
def test_bad_bearer_headers_are_401(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    assert client.get(ME).status_code == 401


def test_suspended_users_token_stops_working_and_works_again_when_restored():
    user = user_create()
    token = token_create(user=user)
    assert _bearer(token).get(ME).status_code == 200

    user_set_active(user=user, active=False)
    assert _bearer(token).get(ME).status_code == 401

    user_set_active(user=user, active=True)
    assert _bearer(token).get(ME).status_code == 200


def test_token_in_json_body_is_not_a_credential(api):
    token = token_create(user=user_create())

    response = api.generic("GET", ME, json.dumps({"token": token}), "application/json")

    assert response.status_code == 401
