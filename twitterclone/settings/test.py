"""Test settings: real PostgreSQL (DATABASE_URL, or the embedded server), fast hashing."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES

if not DATABASES:
    from twitterclone.embedded_db import embedded_database_settings

    DATABASES = {"default": embedded_database_settings(BASE_DIR / ".data")}

# Threads in the concurrency tests each hold a connection until they close it.
DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
    "min_size": 1,
    "max_size": 40,
    "timeout": 20,
}
DATABASES["default"]["CONN_MAX_AGE"] = 0

# Hashing is measured in bench/; tests that check the real hasher override this.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Lets parallel runs on one server keep apart, e.g. TEST_DATABASE_NAME=test_tc_2.
if os.environ.get("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}

# runserver serves static files itself; whitenoise (production) wants a collected STATIC_ROOT.
MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("whitenoise.")]  # noqa: F405

# Uploaded files of a test run land in a temporary folder, never in the work tree.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="tc-media-"))
