"""Template helpers for uploaded media: URLs of stored files and blurhash placeholders."""

import base64
import functools
import io

import blurhash
from django import template
from PIL import Image

from twitterclone.storage import media_url

register = template.Library()

PLACEHOLDER_SIDE = 16


@register.filter
def media_src(name: str) -> str:
    """Return the URL of the stored file `name`."""
    return media_url(name)


@functools.lru_cache(maxsize=2048)
def _placeholder(hash_: str) -> str:
    try:
        rows = blurhash.decode(hash_, PLACEHOLDER_SIDE, PLACEHOLDER_SIDE)
    except (ValueError, IndexError):
        return ""
    data = bytes(
        max(0, min(255, round(channel))) for row in rows for pixel in row for channel in pixel
    )
    out = io.BytesIO()
    Image.frombytes("RGB", (PLACEHOLDER_SIDE, PLACEHOLDER_SIDE), data).save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@register.filter
def blurhash_uri(hash_: str) -> str:
    """Return the blurhash `hash_` drawn as a tiny PNG data URI (scaled up by the browser)."""
    return _placeholder(hash_) if hash_ else ""
