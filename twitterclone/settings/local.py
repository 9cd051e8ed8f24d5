"""Developer settings: DEBUG on, embedded PostgreSQL when DATABASE_URL is unset."""

import os

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, prepared_statement_options

DEBUG = True

if not DATABASES:
    from twitterclone.embedded_db import embedded_database_settings

    DATABASES = {
        "default": {
            **embedded_database_settings(BASE_DIR / ".data"),
            "OPTIONS": prepared_statement_options(),
        }
    }

# runserver serves static files itself; whitenoise (production) wants a collected STATIC_ROOT.
MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("whitenoise.")]  # noqa: F405

# DEBUG keeps tracebacks in the browser, but a missing page shows the project's 404 page, as in
# production; DEBUG_404=technical brings back Django's page with the URL list.
if os.environ.get("DEBUG_404") != "technical":
    MIDDLEWARE = [*MIDDLEWARE, "twitterclone.debug.NotFoundPageMiddleware"]

# django-debug-toolbar (requirements-dev.txt): query counts and plans on pages. Opt-in with
# DEBUG_TOOLBAR=on, so `make run` shows the site as it is; only here, so test and production
# settings never import it; twitterclone/urls.py adds its URLs when the app is installed.
if os.environ.get("DEBUG_TOOLBAR", "off") == "on":
    try:
        import debug_toolbar  # noqa: F401
    except ImportError:  # a runtime-only install: the app still runs
        pass
    else:
        INSTALLED_APPS = [*INSTALLED_APPS, "debug_toolbar"]  # noqa: F405
        MIDDLEWARE = ["debug_toolbar.middleware.DebugToolbarMiddleware", *MIDDLEWARE]
        INTERNAL_IPS = ["127.0.0.1", "::1"]
        DEBUG_TOOLBAR_CONFIG = {
            # Pages only: its panels re-parse request bodies and broke the API's answers.
            "SHOW_TOOLBAR_CALLBACK": "twitterclone.debug.show_toolbar",
            # Collapsed to its handle: the pages stay usable, one click opens it.
            "SHOW_COLLAPSED": True,
        }
