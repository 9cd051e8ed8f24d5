"""Registration, login and profile changes, through accounts.services."""

import threading

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings

from accounts import services
from accounts.models import User
from accounts.services import (
    BIO_TOO_LONG,
    DISPLAY_NAME_TOO_LONG,
    EMAIL_INVALID,
    EMAIL_TAKEN,
    EMAIL_TOO_LONG,
    IMAGE_URL_INVALID,
    USERNAME_INVALID,
    USERNAME_TAKEN,
    user_register,
    user_set_active,
    user_update_profile,
)
from accounts.tests.factories import PASSWORD, user_create
from twitterclone.settings import base as base_settings
from twitterclone.validators import NUL_BYTE

pytestmark = pytest.mark.django_db

VALID = {
    "username": "alice_01",
    "email": "alice@example.com",
    "password": PASSWORD,
    "display_name": "Alice",
}


def _register_error(**changes) -> dict[str, list[str]]:
    """Register with VALID overridden by `changes`; return the error dict (nothing written)."""
    users_before = User.objects.count()
    with pytest.raises(ValidationError) as caught:
        user_register(**{**VALID, **changes})
    assert User.objects.count() == users_before
    return caught.value.message_dict


def _password_messages(password: str) -> list[str]:
    candidate = User(**{key: VALID[key] for key in ("username", "email", "display_name")})
    with pytest.raises(ValidationError) as caught:
        validate_password(password, user=candidate)
    return caught.value.messages


def test_register_creates_a_user_who_can_log_in():
    user = user_register(**VALID)

    stored = User.objects.get(pk=user.pk)
    assert stored.username == "alice_01"
    assert stored.email == "alice@example.com"
    assert stored.display_name == "Alice"
    assert stored.is_active and not stored.is_staff
    assert (stored.followers_count, stored.following_count, stored.tweets_count) == (0, 0, 0)
    assert stored.check_password(PASSWORD)
    assert stored.password != PASSWORD


def test_register_lower_cases_the_email_domain_and_strips_spaces():
    user = user_register(**{**VALID, "email": "  Alice@EXAMPLE.com "})
    assert User.objects.get(pk=user.pk).email == "Alice@example.com"


def test_register_without_display_name():
    user = user_register(**{**VALID, "display_name": ""})
    assert user.display_name == ""
    assert user.name == "alice_01"


@pytest.mark.parametrize(
    "username",
    ["", "a" * 51, "alice smith", "alice-smith", "alicé", "алиса", "alice\n", " alice", "a.b"],
    ids=[
        "empty",
        "51-chars",
        "space",
        "hyphen",
        "accent",
        "cyrillic",
        "newline",
        "leading-space",
        "dot",
    ],
)
def test_register_rejects_bad_username_format(username):
    assert _register_error(username=username) == {"username": [USERNAME_INVALID]}


def test_register_accepts_a_50_character_username():
    user = user_register(**{**VALID, "username": "a" * 50})
    assert len(user.username) == 50


def test_register_rejects_username_taken_in_another_case():
    user_create(username="Alice_01", email="first@example.com")
    assert _register_error(username="aLICE_01") == {"username": [USERNAME_TAKEN]}


def test_register_rejects_email_taken_in_another_case():
    user_create(username="first", email="alice@example.com")
    assert _register_error(email="ALICE@Example.COM") == {"email": [EMAIL_TAKEN]}


@pytest.mark.parametrize(
    "email", ["", "alice", "alice@", "@example.com", "alice@@example.com", "alice@exa mple.com"]
)
def test_register_rejects_invalid_email(email):
    assert _register_error(email=email) == {"email": [EMAIL_INVALID]}


def test_register_rejects_email_longer_than_the_column():
    # Valid by RFC length (<= 320) but longer than the 254-character column.
    email = f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * 63}.com"
    assert 254 < len(email) <= 320
    assert _register_error(email=email) == {"email": [EMAIL_TOO_LONG]}


@pytest.mark.parametrize(
    "password",
    ["short", "password123", "3141592653589", "alice_01x", "Alice_01"],
    ids=["too-short", "common", "numeric", "like-username", "like-username-2"],
)
def test_register_rejects_weak_passwords(password):
    expected = _password_messages(password)
    assert _register_error(password=password) == {"password": expected}


@pytest.mark.parametrize("field", ["username", "email", "password", "display_name"])
def test_register_rejects_nul_bytes_in_every_text_field(field):
    value = f"{VALID[field]}\x00" if VALID[field] else "\x00"
    assert _register_error(**{field: value}) == {field: [NUL_BYTE]}


def test_register_rejects_display_name_over_100_characters():
    assert _register_error(display_name="x" * 101) == {"display_name": [DISPLAY_NAME_TOO_LONG]}
    assert user_register(**{**VALID, "display_name": "x" * 100}).display_name == "x" * 100


def test_register_reports_every_bad_field_at_once():
    errors = _register_error(username="bad name", email="nope", display_name="x" * 101)
    assert errors.keys() == {"username", "email", "display_name"}


@pytest.mark.parametrize("username", ["email_fan", "username_fan"])
def test_register_race_lost_on_username_is_reported_on_username(monkeypatch, username):
    """A registration that raced past the checks is refused by the unique index, by field."""
    user_create(username=username, email="first@example.com")
    monkeypatch.setattr(services, "_validate_username", lambda name: [])
    assert _register_error(username=username.upper()) == {"username": [USERNAME_TAKEN]}


@pytest.mark.parametrize("username", ["email_fan", "plain"])
def test_register_race_lost_on_email_is_reported_on_email(monkeypatch, username):
    user_create(username="first", email=f"{username}@example.com")
    monkeypatch.setattr(services, "_validate_email", lambda email: [])
    assert _register_error(username=f"{username}_2", email=f"{username.upper()}@example.com") == {
        "email": [EMAIL_TAKEN]
    }


def _register_concurrently(registrations: list[dict]) -> list[object]:
    """Register each dict on its own thread and connection, all at once; return the outcomes."""
    barrier = threading.Barrier(len(registrations), timeout=60)
    outcomes: list[object] = [None] * len(registrations)

    def register(index: int, fields: dict) -> None:
        try:
            barrier.wait()
            outcomes[index] = user_register(**fields)
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=register, args=(index, fields))
        for index, fields in enumerate(registrations)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("field", "message"), [("username", USERNAME_TAKEN), ("email", EMAIL_TAKEN)]
)
def test_concurrent_registrations_of_one_name_create_one_user(field, message):
    if field == "username":
        # One name in two spellings; the name holds "email", which once fooled the error mapping.
        registrations = [
            {
                **VALID,
                "username": "Email_Fan" if n % 2 else "email_fan",
                "email": f"f{n}@example.com",
            }
            for n in range(10)
        ]
    else:
        registrations = [
            {
                **VALID,
                "username": f"fan_{n}",
                "email": "Fan@Example.COM" if n % 2 else "fan@example.com",
            }
            for n in range(10)
        ]

    outcomes = _register_concurrently(registrations)

    created = [outcome for outcome in outcomes if isinstance(outcome, User)]
    refused = [outcome for outcome in outcomes if not isinstance(outcome, User)]
    assert len(created) == 1
    assert all(isinstance(error, ValidationError) for error in refused), refused
    assert {str(error.message_dict) for error in refused} == {str({field: [message]})}
    assert User.objects.count() == 1


def test_passwords_are_hashed_with_argon2id_at_owasp_parameters():
    with override_settings(PASSWORD_HASHERS=base_settings.PASSWORD_HASHERS):
        user = user_register(**VALID)
        algorithm, variety, version, parameters, salt, digest = user.password.split("$")
        assert (algorithm, variety, version) == ("argon2", "argon2id", "v=19")
        assert dict(item.split("=") for item in parameters.split(",")) == {
            "m": "19456",
            "t": "2",
            "p": "1",
        }
        assert salt and digest
        stored = User.objects.get(pk=user.pk)
        assert stored.check_password(PASSWORD)
        assert authenticate(username="alice_01", password=PASSWORD) == stored
        # The hash is current: logging in does not rewrite it.
        assert User.objects.get(pk=user.pk).password == stored.password


@pytest.mark.parametrize("login_name", ["alice_01", "ALICE_01", "Alice_01", "aLiCe_01"])
def test_login_accepts_any_capitalisation_of_the_username(login_name):
    user = user_create(username="Alice_01")
    assert authenticate(username=login_name, password=PASSWORD) == user


def test_login_fails_with_a_wrong_password_or_unknown_user():
    user_create(username="alice_01")
    assert authenticate(username="alice_01", password="wrong-password") is None
    assert authenticate(username="nobody", password=PASSWORD) is None


def test_login_fails_for_a_suspended_user_and_works_again_when_restored():
    user = user_create(username="alice_01")
    user_set_active(user=user, active=False)
    assert authenticate(username="alice_01", password=PASSWORD) is None
    assert authenticate(username="ALICE_01", password=PASSWORD) is None

    user_set_active(user=user, active=True)
    assert authenticate(username="alice_01", password=PASSWORD) == user


def test_update_profile_changes_only_given_fields():
    user = user_create(display_name="Old")
    user_update_profile(user=user, bio="Hello", profile_image_url="https://img.example.com/a.png")

    stored = User.objects.get(pk=user.pk)
    assert stored.display_name == "Old"
    assert stored.bio == "Hello"
    assert stored.profile_image_url == "https://img.example.com/a.png"

    user_update_profile(user=user, profile_image_url="", bio="")
    stored.refresh_from_db()
    assert (stored.bio, stored.profile_image_url) == ("", "")


def test_update_profile_accepts_160_character_bio():
    user = user_create()
    user_update_profile(user=user, bio="b" * 160)
    assert User.objects.get(pk=user.pk).bio == "b" * 160


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"bio": "b" * 161}, {"bio": [BIO_TOO_LONG]}),
        ({"display_name": "d" * 101}, {"display_name": [DISPLAY_NAME_TOO_LONG]}),
        ({"profile_image_url": "javascript:alert(1)"}, {"profile_image_url": [IMAGE_URL_INVALID]}),
        (
            {"profile_image_url": "ftp://example.com/a.png"},
            {"profile_image_url": [IMAGE_URL_INVALID]},
        ),
        ({"profile_image_url": "not a url"}, {"profile_image_url": [IMAGE_URL_INVALID]}),
        (
            {"profile_image_url": "https://example.com/" + "a" * 481},
            {"profile_image_url": [IMAGE_URL_INVALID]},
        ),
        ({"bio": "hi\x00"}, {"bio": [NUL_BYTE]}),
        ({"display_name": "\x00"}, {"display_name": [NUL_BYTE]}),
        ({"profile_image_url": "https://example.com/\x00.png"}, {"profile_image_url": [NUL_BYTE]}),
    ],
    ids=[
        "bio-161",
        "display-name-101",
        "javascript-url",
        "ftp-url",
        "not-a-url",
        "url-501",
        "nul-bio",
        "nul-display-name",
        "nul-url",
    ],
)
def test_update_profile_rejects_bad_input_and_writes_nothing(changes, expected):
    user = user_create(display_name="Before")
    user_update_profile(user=user, bio="before", profile_image_url="https://example.com/a.png")
    before = User.objects.values("display_name", "bio", "profile_image_url").get(pk=user.pk)

    with pytest.raises(ValidationError) as caught:
        user_update_profile(user=user, **changes)

    assert caught.value.message_dict == expected
    after = User.objects.values("display_name", "bio", "profile_image_url").get(pk=user.pk)
    assert after == before
