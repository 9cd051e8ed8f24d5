"""Input checks and the text cleaner shared by every app's services."""

import re
import unicodedata

from django.core.exceptions import ValidationError

NUL_BYTE = "Text may not contain NUL (\\x00) characters."

_LINE_BREAK_RE = re.compile(r"\r\n?")
# Control characters (Unicode Cc: C0, DEL, C1) other than the line break, which text keeps.
# NUL is refused with its own message before cleaning (reject_nul_bytes), not dropped.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Characters that draw nothing on their own yet are neither whitespace nor Cc/Cf: the Hangul
# and Braille blank fillers, the combining grapheme joiner and variation selectors. People use
# them to post "empty" text that passes a whitespace check.
_BLANK_FILLERS = frozenset(
    "\u115f\u1160\u3164\uffa0\u2800\u034f"
    + "".join(map(chr, range(0xFE00, 0xFE10)))
    + "".join(map(chr, range(0xE0100, 0xE01F0)))
)


def reject_nul_bytes(**fields: object) -> None:
    """Raise a field-keyed ValidationError for any text field holding a NUL character."""
    errors = {}
    for name, value in fields.items():
        values = value if isinstance(value, list | tuple) else [value]
        if any(isinstance(item, str) and "\x00" in item for item in values):
            errors[name] = [NUL_BYTE]
    if errors:
        raise ValidationError(errors)


def text_clean(*, text: str, single_line: bool = False) -> str:
    """Return `text` with line breaks as "\\n" and every other control character removed.

    A tab becomes a space rather than nothing, so the words it separated stay apart; with
    `single_line` so does a line break. Format characters (Cf) stay: zero-width joiners build
    emoji and bidi marks order right-to-left text.
    """
    text = _LINE_BREAK_RE.sub("\n", text).replace("\t", " ")
    if single_line:
        text = text.replace("\n", " ")
    return _CONTROL_RE.sub("", text)


def text_is_blank(*, text: str) -> bool:
    """Tell whether `text` shows nothing: only whitespace, control, format or filler characters."""
    return all(
        char.isspace() or char in _BLANK_FILLERS or unicodedata.category(char) in ("Cc", "Cf")
        for char in text
    )
