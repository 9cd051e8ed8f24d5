"""Settings page (profile, privacy, password), auth pages' labels, 404 and 500 pages."""

from html import escape

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken, Privacy, User
from accounts.services import (
    BIO_TOO_LONG,
    DISPLAY_NAME_TOO_LONG,
    IMAGE_URL_INVALID,
    token_create,
)
from accounts.tests.factories import PASSWORD, user_create
from social.models import FollowRequest, UserFollows
from social.services import PRIVACY_INVALID, follow_create

pytestmark = pytest.mark.django_db

VALID = {
    "display_name": "New Name",
    "bio": "Hello #world",
    "profile_image_url": "https://img.example/me.png",
    "privacy": "public",
}


def test_settings_page_has_the_labelled_fields(client):
    client.force_login(user_create())

    body = client.get(reverse("settings")).text

    for label in (
        "Display name",
        "Bio",
        "Avatar URL",
        "Privacy",
        "Old password",
        "New password",
        "New password confirmation",
    ):
        assert f">{label}</label>" in body, label
    for value in ("public", "protected", "private"):
        assert f'<option value="{value}"' in body
    assert ">Save</button>" in body
    assert ">Change password</button>" in body


def test_settings_saves_the_profile_and_privacy(client):
    user = user_create()
    client.force_login(user)

    response = client.post(reverse("settings"), {**VALID, "privacy": "protected"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.bio, user.profile_image_url, user.privacy) == (
        "New Name",
        "Hello #world",
        "https://img.example/me.png",
        Privacy.PROTECTED,
    )
    profile = client.get(user.get_absolute_url()).text
    assert 'src="https://img.example/me.png"' in profile
    assert '<a class="hashtag" href="/hashtag/world">#world</a>' in profile


def test_turning_public_approves_pending_requests(client):
    user = user_create(privacy=Privacy.PROTECTED)
    asker = user_create()
    follow_create(follower=asker, followee=user)
    client.force_login(user)

    client.post(reverse("settings"), VALID)

    assert not FollowRequest.objects.exists()
    assert UserFollows.objects.filter(follower=asker, following=user).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("display_name", "x" * 101, DISPLAY_NAME_TOO_LONG),
        ("bio", "x" * 161, BIO_TOO_LONG),
        ("profile_image_url", "javascript:alert(1)", IMAGE_URL_INVALID),
        ("profile_image_url", "not a url", IMAGE_URL_INVALID),
        ("privacy", "secret", PRIVACY_INVALID),
        ("bio", "nul\x00byte", "Null characters are not allowed."),
    ],
    ids=["long-name", "long-bio", "js-url", "bad-url", "bad-privacy", "nul"],
)
def test_settings_errors_are_shown_and_nothing_is_saved(client, field, value, message):
    user = user_create(display_name="Before")
    client.force_login(user)
    data = {**VALID, "privacy": "private", field: value}

    response = client.post(reverse("settings"), data)

    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert escape(message) in response.text
    user.refresh_from_db()
    assert user.display_name == "Before"
    assert user.privacy == Privacy.PUBLIC  # the privacy change rolled back with the rest


def test_settings_need_sign_in(client):
    response = client.get(reverse("settings"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_password_change_keeps_the_session_and_the_new_password_works(client):
    user = user_create()
    client.force_login(user)
    new = "a-brand-new-passphrase-42"

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )

    assert response.status_code == 302
    assert client.get(reverse("settings")).status_code == 200  # still signed in
    user.refresh_from_db()
    assert user.check_password(new)


def test_password_change_ends_other_sessions_and_revokes_api_tokens(client):
    user = user_create()
    token = token_create(user=user)
    other_browser = Client()
    other_browser.force_login(user)
    client.force_login(user)
    new = "a-brand-new-passphrase-42"

    client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )

    assert other_browser.get(reverse("settings")).status_code == 302  # sent to log in
    me = Client().get("/api/v1/me", headers={"authorization": f"Bearer {token}"})
    assert me.status_code == 401
    assert not ApiToken.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {
                "old_password": "wrong",
                "new_password1": "x-good-pass-99",
                "new_password2": "x-good-pass-99",
            },
            "old_password",
            "Your old password was entered incorrectly. Please enter it again.",
        ),
        (
            {
                "old_password": PASSWORD,
                "new_password1": "x-good-pass-99",
                "new_password2": "other-99",
            },
            "new_password2",
            "The two password fields didn\u2019t match.",
        ),
        (
            {"old_password": PASSWORD, "new_password1": "password", "new_password2": "password"},
            "new_password2",
            "This password is too common.",
        ),
    ],
    ids=["wrong-old", "mismatch", "weak"],
)
def test_password_change_errors(client, data, field, message):
    user = user_create()
    client.force_login(user)

    response = client.post(reverse("password_change"), data)

    assert response.status_code == 200
    assert message in response.context["password_form"].errors[field]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_settings_forms_need_the_csrf_token():
    user = user_create()
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(user)
    new = "a-brand-new-passphrase-42"

    assert csrf_client.post(reverse("settings"), VALID).status_code == 403
    password = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    assert csrf_client.post(reverse("password_change"), password).status_code == 403
    assert csrf_client.post(reverse("logout")).status_code == 403
    user.refresh_from_db()
    assert user.display_name != "New Name"
    assert user.check_password(PASSWORD)


def test_signup_and_login_need_the_csrf_token():
    csrf_client = Client(enforce_csrf_checks=True)
    user_create(username="known")
    data = {"username": "newbie", "email": "n@example.com", "password": "a-long-pass-phrase-1"}

    assert csrf_client.post(reverse("signup"), data).status_code == 403
    assert (
        csrf_client.post(reverse("login"), {"username": "known", "password": PASSWORD}).status_code
        == 403
    )
    assert not User.objects.filter(username="newbie").exists()


def test_signup_and_login_pages_have_the_labels_and_buttons(client):
    signup = client.get(reverse("signup")).text
    login = client.get(reverse("login")).text

    for label in ("Username", "Email", "Password", "Display name"):
        assert f">{label}</label>" in signup, label
    assert ">Sign up</button>" in signup
    for label in ("Username", "Password"):
        assert f">{label}</label>" in login, label
    assert ">Log in</button>" in login


@pytest.mark.parametrize("path", ["/login/", "/signup/", "/login", "/signup"])
def test_old_and_new_auth_addresses_both_work(client, path):
    assert client.get(path).status_code == 200


def test_nav_for_signed_in_and_signed_out(client):
    anonymous = client.get(reverse("explore")).text
    client.force_login(user_create())
    signed_in = client.get(reverse("explore")).text

    for label in ("Home", "Profile", "Follow requests", "Settings"):
        assert f'<span class="nav-label">{label}</span>' in signed_in, label
        assert f'<span class="nav-label">{label}</span>' not in anonymous, label
    assert '<span class="nav-label">Explore</span>' in anonymous
    assert ">Log out</button>" in signed_in


def test_logged_in_user_is_sent_home_from_login(client):
    client.force_login(user_create())

    response = client.get(reverse("login"))

    assert response.status_code == 302


def test_friendly_404_page(client):
    response = client.get("/no/such/page")

    assert response.status_code == 404
    assert "this page doesn't exist." in response.text
    assert 'href="/explore"' in response.text


def test_500_page_renders_without_context_or_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = render_to_string("500.html")

    assert "Something went wrong." in html
    assert "{%" not in html
