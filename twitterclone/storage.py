"""Where uploaded media live: Django's STORAGES["default"] (file system or S3-compatible).

Names are random (media.models.new_name), so a URL is a capability: whoever holds it sees the
file, nobody can guess one (docs/architecture.md "Media").
"""

from django.core.files.storage import default_storage


def media_url(name: str) -> str:
    """Return the URL the stored file `name` is served at ("" for no file)."""
    return default_storage.url(name) if name else ""
