"""Profile text is cleaned and blank passwords are refused (issue 11, item 7).

Display names and bios lose control characters like tweets do (a display name is one line);
a password that shows nothing (spaces, zero-width characters), of any length, is refused by
registration through the API and the sign-up page, and by the password change page.
"""

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.password_validation import PASSWORD_BLANK
from accounts.services import user_register, user_update_profile
from accounts.tests.factories import PASSWORD, user_create

pytestmark = pytest.mark.django_db

BLANK_PASSWORDS = {
    "spaces-12": " " * 12,
    "spaces-40": " " * 40,
    "tabs-and-newlines": "\t\n \t\n \t\n \t\n",
    "ideographic-spaces": "\u3000" * 10,
    "zero-width": "\u200b" * 10,
    "spaces-and-zero-width": " \u200b \u2060 \ufeff \u200b ",
}


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def test_register_cleans_the_display_name_to_one_line():
    user = user_register(
        username="newbie",
        email="newbie@example.com",
        password="a-long-and-unusual-passphrase",
        display_name="New\r\nBie\x07\x1b",
    )

    assert User.objects.get(pk=user.pk).display_name == "New Bie"


def test_profile_update_cleans_display_name_and_bio():
    user = user_create()

    user_update_profile(user=user, display_name="Two\nLines\x08", bio="line one\r\nline\x1b two")

    user.refresh_from_db()
    assert user.display_name == "Two Lines"
    assert user.bio == "line one\nline two"


def test_bio_length_is_counted_after_cleaning():
    user = user_create()

    user_update_profile(user=user, bio="b" * 160 + "\x07\x07")

    user.refresh_from_db()
    assert user.bio == "b" * 160


@pytest.mark.parametrize("password", BLANK_PASSWORDS.values(), ids=BLANK_PASSWORDS.keys())
def test_service_refuses_a_blank_password_and_writes_nothing(password):
    with pytest.raises(ValidationError) as caught:
        user_register(username="newbie", email="newbie@example.com", password=password)

    assert PASSWORD_BLANK in caught.value.message_dict["password"]
    assert not User.objects.exists()


@pytest.mark.parametrize("password", BLANK_PASSWORDS.values(), ids=BLANK_PASSWORDS.keys())
def test_api_register_answers_400_on_password_and_writes_nothing(password):
    response = APIClient().post(
        "/api/v1/auth/register",
        {"username": "newbie", "email": "newbie@example.com", "password": password},
        format="json",
    )

    assert response.status_code == 400
    assert PASSWORD_BLANK in response.json()["password"]
    assert not User.objects.exists()


@pytest.mark.parametrize("password", BLANK_PASSWORDS.values(), ids=BLANK_PASSWORDS.keys())
def test_signup_page_shows_the_password_error_and_writes_nothing(client, password):
    response = client.post(
        reverse("signup"),
        {"username": "newbie", "email": "newbie@example.com", "password": password},
    )

    assert response.status_code == 200
    assert PASSWORD_BLANK in response.context["form"].errors["password"]
    assert not User.objects.exists()


@pytest.mark.parametrize("password", BLANK_PASSWORDS.values(), ids=BLANK_PASSWORDS.keys())
def test_password_change_page_refuses_a_blank_password(client, password):
    user = user_create()
    client.force_login(user)

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )

    assert response.status_code == 200
    assert PASSWORD_BLANK in response.context["password_form"].errors["new_password2"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_password_with_spaces_around_visible_characters_is_fine():
    user = user_register(
        username="spacey", email="spacey@example.com", password="  correct horse battery  "
    )

    assert user.check_password("  correct horse battery  ")
