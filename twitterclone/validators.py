"""Input checks shared by every app's services."""

from django.core.exceptions import ValidationError

NUL_BYTE = "Text may not contain NUL (\\x00) characters."


def reject_nul_bytes(**fields: object) -> None:
    """Raise a field-keyed ValidationError for any text field holding a NUL character."""
    errors = {}
    for name, value in fields.items():
        values = value if isinstance(value, list | tuple) else [value]
        if any(isinstance(item, str) and "\x00" in item for item in values):
            errors[name] = [NUL_BYTE]
    if errors:
        raise ValidationError(errors)
