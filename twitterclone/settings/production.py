"""Production settings: everything comes from the environment."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    API_THROTTLING,
    CACHES,
    DATABASES,
    PREPARED_STATEMENTS,
    media_storage_from_env,
    prepared_statement_options,
)

if not DATABASES:
    raise RuntimeError("DATABASE_URL must be set in production")

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = os.environ["DJANGO_ALLOWED_HOSTS"].split(",")
CSRF_TRUSTED_ORIGINS = [
    origin for origin in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if origin
]


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value == "true"


# HTTPS (docs/scaling.md "Production settings"). The site is served behind TLS unless
# DJANGO_SECURE_COOKIES=false says it is plain HTTP (docker-compose on localhost, bench/),
# and that one switch also sets the redirect's default, so such a run needs no second flag.
SESSION_COOKIE_SECURE = _env_flag("DJANGO_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = _env_flag("DJANGO_SECURE_SSL_REDIRECT", SESSION_COOKIE_SECURE)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HSTS for this host on by default (a year): with Secure cookies the site already works only
# over HTTPS, and browsers ignore the header on plain HTTP. Subdomains and the browsers'
# preload list reach beyond this app and are hard to take back, so they are opt-in.
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_flag("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = _env_flag("DJANGO_SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True

STORAGES = {
    "default": media_storage_from_env(),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Database behind PgBouncer in transaction mode (docs/scaling.md). The pool (base.py,
# DB_POOL_MIN_SIZE / DB_POOL_MAX_SIZE / DB_POOL_TIMEOUT / DB_CONNECT_TIMEOUT) keeps each
# process's connections to PgBouncer open; health checks drop one PgBouncer closed.
# Prepared statements (base.py) stay off unless DB_PREPARED_STATEMENTS=on: PgBouncer 1.18
# in transaction mode cannot carry them across transactions. Turn them on for direct
# connections to PostgreSQL or behind PgBouncer >= 1.21 with max_prepared_statements set.
for option in PREPARED_STATEMENTS:
    DATABASES["default"]["OPTIONS"].pop(option, None)
DATABASES["default"]["OPTIONS"].update(prepared_statement_options(default="off"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = (
    os.environ.get("DB_CONN_HEALTH_CHECKS", "true") == "true"
)

# A connection failure holds requests off the database for a second (503 at once).
DATABASE_UNAVAILABLE_BACKOFF = float(os.environ.get("DB_UNAVAILABLE_BACKOFF", "1"))

# Throttle counters in one place for every worker process.
if API_THROTTLING and CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    raise ImproperlyConfigured(
        "REDIS_URL must be set in production while API throttling is on "
        "(per-process memory would multiply every rate by the number of workers)"
    )
