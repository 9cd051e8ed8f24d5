"""Writes and deletes of media files in the configured storage (STORAGES["default"])."""

import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)


def file_save(*, name: str, data: bytes) -> str:
    """Store `data` under `name` (random, so never taken); return the name stored."""
    return default_storage.save(name, ContentFile(data))


def file_read(*, name: str) -> bytes:
    """Return the bytes stored under `name`."""
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def files_delete(*, names: list[str]) -> int:
    """Delete the stored files `names` (a missing one is already gone); return how many."""
    deleted = 0
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("media file %s could not be deleted", name)
            continue
        deleted += 1
    return deleted
