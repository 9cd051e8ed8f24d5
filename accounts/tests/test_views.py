"""HTML sign-up and log-in pages, driven through Django's test client."""

from html import escape

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.services import USERNAME_INVALID, USERNAME_TAKEN
from accounts.tests.factories import PASSWORD, user_create

pytestmark = pytest.mark.django_db

SIGNUP = {
    "username": "newcomer",
    "email": "newcomer@example.com",
    "display_name": "New Comer",
    "password": "a-long-and-unusual-passphrase",
}


def _signed_in_user_id(client) -> int | None:
    raw = client.session.get("_auth_user_id")
    return int(raw) if raw is not None else None


def test_signup_page_renders_the_form(client):
    response = client.get(reverse("signup"))

    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content


def test_signup_creates_the_account_signs_in_and_redirects_home(client):
    response = client.post(reverse("signup"), SIGNUP)

    assert response.status_code == 302
    assert response.url == reverse("home")
    user = User.objects.get(username="newcomer")
    assert user.email == "newcomer@example.com"
    assert user.display_name == "New Comer"
    assert user.check_password(SIGNUP["password"])
    assert _signed_in_user_id(client) == user.pk
    home = client.get(reverse("home"))
    assert b"@newcomer" in home.content


def _assert_rejected(client, data: dict, field: str, message: str) -> None:
    """Post `data` to sign-up; assert a re-render with `message` on `field` and no new row."""
    users_before = User.objects.count()

    response = client.post(reverse("signup"), data)

    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert escape(message) in response.text
    assert User.objects.count() == users_before
    assert _signed_in_user_id(client) is None


def test_signup_rejects_username_taken_in_another_case(client):
    user_create(username="Alice")

    _assert_rejected(client, {**SIGNUP, "username": "aLICE"}, "username", USERNAME_TAKEN)


@pytest.mark.parametrize("username", ["bad name", "dash-ed", "émile", "semi;colon"])
def test_signup_rejects_a_malformed_username(client, username):
    _assert_rejected(client, {**SIGNUP, "username": username}, "username", USERNAME_INVALID)


def test_signup_rejects_a_username_over_50_characters(client):
    users_before = User.objects.count()

    response = client.post(reverse("signup"), {**SIGNUP, "username": "a" * 51})

    assert response.status_code == 200
    assert response.context["form"].errors["username"]
    assert User.objects.count() == users_before


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password", "This password is too common."),
        ("x7Q!", "This password is too short. It must contain at least 8 characters."),
        ("4815162342", "This password is entirely numeric."),
    ],
)
def test_signup_rejects_a_weak_password(client, password, message):
    _assert_rejected(client, {**SIGNUP, "password": password}, "password", message)


def test_signup_rejects_a_password_like_the_username(client):
    data = {**SIGNUP, "username": "rumpelstiltskin", "password": "rumpelstiltskin"}

    _assert_rejected(client, data, "password", "The password is too similar to the username.")


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@example.com", "a b@example.com"])
def test_signup_rejects_an_invalid_email(client, email):
    _assert_rejected(client, {**SIGNUP, "email": email}, "email", "Enter a valid email address.")


def test_signup_rejects_an_email_taken_in_another_case(client):
    user_create(username="owner", email="owner@example.com")

    _assert_rejected(
        client,
        {**SIGNUP, "email": "OWNER@Example.com"},
        "email",
        "An account with that e-mail address already exists.",
    )


def test_signup_rejects_a_nul_byte_without_a_server_error(client):
    users_before = User.objects.count()

    response = client.post(reverse("signup"), {**SIGNUP, "display_name": "nul\x00name"})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert User.objects.count() == users_before


def test_signup_escapes_the_submitted_username_when_rejecting_it(client):
    response = client.post(reverse("signup"), {**SIGNUP, "username": "<script>x</script>"})

    assert response.status_code == 200
    assert b"<script>x</script>" not in response.content
    assert b"&lt;script&gt;x&lt;/script&gt;" in response.content


@pytest.mark.parametrize("typed", ["MixedCase", "mixedcase", "MIXEDCASE", "mIxEdCaSe"])
def test_login_ignores_username_case(client, typed):
    user = user_create(username="MixedCase")

    response = client.post(reverse("login"), {"username": typed, "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert _signed_in_user_id(client) == user.pk


def test_login_with_a_wrong_password_shows_an_error(client):
    user_create(username="bob")

    response = client.post(reverse("login"), {"username": "bob", "password": "wrong-password"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert _signed_in_user_id(client) is None


def test_login_refuses_a_suspended_account(client):
    user_create(username="gone", is_active=False)

    response = client.post(reverse("login"), {"username": "gone", "password": PASSWORD})

    assert response.status_code == 200
    assert _signed_in_user_id(client) is None


def test_logout_signs_out(client):
    client.force_login(user_create())

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert _signed_in_user_id(client) is None
