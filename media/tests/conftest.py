from pathlib import Path

import pytest


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    """Store this test's files in a folder of its own (FileSystemStorage follows the setting)."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root: Path) -> set[str]:
    """Return the names of the files stored under `root`."""
    return {path.name for path in root.rglob("*") if path.is_file()}
