"""Password rules of our own, beside Django's (settings AUTH_PASSWORD_VALIDATORS)."""

from django.core.exceptions import ValidationError

from twitterclone.validators import text_is_blank

PASSWORD_BLANK = "Your password can't be only spaces or invisible characters."
PASSWORD_BLANK_HELP = "Your password must contain at least one visible character."


class NotBlankPasswordValidator:
    """Refuse a password that shows nothing (spaces, zero-width characters), whatever its length.

    Such a password passes the length check yet is what a stuck space bar or a paste of
    nothing produces, and nobody can check it by eye.
    """

    def validate(self, password: str, user=None) -> None:
        if text_is_blank(text=password):
            raise ValidationError(PASSWORD_BLANK, code="password_blank")

    def get_help_text(self) -> str:
        return PASSWORD_BLANK_HELP
