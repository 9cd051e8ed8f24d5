"""Writes for accounts: registration and profile changes."""

import hashlib
import re
import secrets

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from twitterclone.validators import reject_nul_bytes, text_clean

from .models import ApiToken, User

USERNAME_RE = re.compile(r"[A-Za-z0-9_]{1,50}")
USERNAME_INVALID = "Usernames are 1-50 letters, digits or underscores."
USERNAME_TAKEN = "That username is taken."
EMAIL_INVALID = "Enter a valid email address."
EMAIL_TOO_LONG = "E-mail addresses are at most 254 characters."
EMAIL_TAKEN = "An account with that e-mail address already exists."
DISPLAY_NAME_TOO_LONG = "Display names are at most 100 characters."
BIO_TOO_LONG = "Bios are at most 160 characters."
IMAGE_URL_INVALID = "Enter an http(s) URL of at most 500 characters."

BIO_MAX_LENGTH = 160
# The users.email column; the validator alone allows up to 320 (RFC 3696).
EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length
# The field and message a registration that lost a race on each unique index reports.
_UNIQUE_INDEX_ERRORS = {
    "idx_users_username_lower": ("username", USERNAME_TAKEN),
    "idx_users_email_lower": ("email", EMAIL_TAKEN),
}
_http_url = URLValidator(schemes=["http", "https"])


def _validate_username(username: str) -> list[str]:
    if not USERNAME_RE.fullmatch(username):
        return [USERNAME_INVALID]
    return [USERNAME_TAKEN] if User.objects.filter_username(username).exists() else []


def _validate_email(email: str) -> list[str]:
    try:
        validate_email(email)
    except ValidationError:
        return [EMAIL_INVALID]
    if len(email) > EMAIL_MAX_LENGTH:
        # Valid by the RFC but longer than the column: without this the insert fails with DataError.
        return [EMAIL_TOO_LONG]
    taken = User.objects.alias(email_lower=Lower("email")).filter(email_lower=email.lower())
    return [EMAIL_TAKEN] if taken.exists() else []


def _validate_profile_fields(*, display_name=None, bio=None, profile_image_url=None) -> dict:
    errors: dict[str, list[str]] = {}
    if display_name is not None and len(display_name) > 100:
        errors["display_name"] = [DISPLAY_NAME_TOO_LONG]
    if bio is not None and len(bio) > BIO_MAX_LENGTH:
        errors["bio"] = [BIO_TOO_LONG]
    if profile_image_url:
        try:
            if len(profile_image_url) > 500:
                raise ValidationError(IMAGE_URL_INVALID)
            _http_url(profile_image_url)
        except ValidationError:
            errors["profile_image_url"] = [IMAGE_URL_INVALID]
    return errors


def user_register(*, username: str, email: str, password: str, display_name: str = "") -> User:
    """Create an account after checking every field; raise ValidationError keyed by field."""
    reject_nul_bytes(username=username, email=email, password=password, display_name=display_name)
    email = User.objects.normalize_email(email.strip())
    display_name = text_clean(text=display_name, single_line=True)
    errors: dict[str, list[str]] = {}
    if username_errors := _validate_username(username):
        errors["username"] = username_errors
    if email_errors := _validate_email(email):
        errors["email"] = email_errors
    errors.update(_validate_profile_fields(display_name=display_name))
    candidate = User(username=username, email=email, display_name=display_name)
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as error:
        errors["password"] = list(error.messages)
    if errors:
        raise ValidationError(errors)

    candidate.set_password(password)
    try:
        # A savepoint so a lost race on the unique indexes leaves the caller's transaction usable.
        with transaction.atomic():
            candidate.save(force_insert=True)
    except IntegrityError as error:
        # Two registrations raced past the checks above; the unique indexes decide. Go by the
        # index's name, not the message text, which quotes the username (e.g. "email_fan").
        constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
        if constraint not in _UNIQUE_INDEX_ERRORS:
            raise
        field, message = _UNIQUE_INDEX_ERRORS[constraint]
        raise ValidationError({field: [message]}) from None
    return candidate


def user_update_profile(
    *,
    user: User,
    display_name: str | None = None,
    bio: str | None = None,
    profile_image_url: str | None = None,
) -> User:
    """Change the given profile fields; None leaves a field as it is."""
    reject_nul_bytes(display_name=display_name, bio=bio, profile_image_url=profile_image_url)
    if display_name is not None:
        display_name = text_clean(text=display_name, single_line=True)
    if bio is not None:
        bio = text_clean(text=bio)
    errors = _validate_profile_fields(
        display_name=display_name, bio=bio, profile_image_url=profile_image_url
    )
    if errors:
        raise ValidationError(errors)
    return _fields_save(
        user, display_name=display_name, bio=bio, profile_image_url=profile_image_url
    )


def _fields_save(user: User, **fields) -> User:
    """Set the fields given as not None and save only those (and updated_at)."""
    changes = {name: value for name, value in fields.items() if value is not None}
    for name, value in changes.items():
        setattr(user, name, value)
    if changes:
        user.save(update_fields=[*changes, "updated_at"])
    return user


def user_set_verified(*, user: User, verified: bool) -> User:
    """Set or clear the verified badge."""
    user.verified = verified
    user.save(update_fields=["verified", "updated_at"])
    return user


def user_set_active(*, user: User, active: bool) -> User:
    """Suspend (active=False) or restore an account; the visibility rule hides the suspended."""
    user.is_active = active
    user.save(update_fields=["is_active", "updated_at"])
    return user


@transaction.atomic
def user_change_password(*, user: User, password: str) -> User:
    """Set a new password and revoke every API token issued under the old one."""
    user.set_password(password)
    user.save(update_fields=["password", "updated_at"])
    ApiToken.objects.filter(user=user).delete()
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_create(*, user: User) -> str:
    """Issue a new API token for `user` and return it (only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(key_hash=_token_hash(token), user=user)
    return token


def token_delete(*, token: str) -> bool:
    """Revoke one token; return whether it existed."""
    deleted, _ = ApiToken.objects.filter(key_hash=_token_hash(token)).delete()
    return bool(deleted)


@transaction.atomic
def user_images_set(
    *, user: User, avatar_file: str | None = None, header_file: str | None = None
) -> User:
    """Point the profile at stored avatar and header files ("" removes one, None keeps it)."""
    return _fields_save(user, avatar_file=avatar_file, header_file=header_file)
