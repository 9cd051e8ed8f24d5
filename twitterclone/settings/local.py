"""Developer settings: DEBUG on, embedded PostgreSQL when DATABASE_URL is unset."""

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES

DEBUG = True

if not DATABASES:
    from twitterclone.embedded_db import embedded_database_settings

    DATABASES = {"default": embedded_database_settings(BASE_DIR / ".data")}

# runserver serves static files itself; whitenoise (production) wants a collected STATIC_ROOT.
MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("whitenoise.")]  # noqa: F405
