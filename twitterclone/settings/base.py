"""Settings shared by every environment; the environment-specific modules import this."""

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from mastodon_api.scopes import scopes_setting

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-local-only-key-change-me")
DEBUG = False
ALLOWED_HOSTS: list[str] = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_tasks",
    "django_tasks_db",
    # Leases, retries and the dead-letter state on top of django_tasks_db's queue.
    "jobs",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",
    "accounts",
    "media",
    "social",
    "tweets",
    "timelines",
    "search",
    "notifications",
    "stream",
    "moderation",
    # The Mastodon-compatible client API (docs/api.md): on top of every app but moderation.
    "mastodon_api",
]

MIDDLEWARE = [
    # Outermost: request latency and query counts by view for /metrics (twitterclone/metrics.py).
    "twitterclone.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Compresses HTML and JSON for clients that accept gzip (44 KB of /explore was sent raw);
    # outside everything that writes a body. BREACH: Django masks the CSRF token anew in every
    # response and this middleware pads each gzip stream with random bytes (docs/accessibility.md).
    "twitterclone.compression.GZipMiddleware",
    # Database down or pool exhausted: 503 with Retry-After, never a 500 or a hang.
    "twitterclone.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Reads of GET/HEAD requests may go to a read replica (DATABASE_REPLICA_URLS); after the
    # viewer is loaded from the primary. A pass-through when there are no replicas.
    "twitterclone.replicas.ReplicaMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "twitterclone.urls"
WSGI_APPLICATION = "twitterclone.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


# Prepared statements (docs/performance.md "Planning the rule once per connection"): the
# visibility rule's statements take 2-8 ms to plan and 0.2-3 ms to run, so each connection
# plans them once. Server-side binding lets psycopg prepare a statement on its second run;
# PostgreSQL then keeps a generic plan where it costs no more than the custom ones. On here
# (direct connections); production.py turns it off unless DB_PREPARED_STATEMENTS=on, since
# PgBouncer before 1.21 in transaction mode cannot carry prepared statements.
PREPARED_STATEMENTS_DEFAULT = "on"
PREPARED_STATEMENTS = {"server_side_binding": True, "prepare_threshold": 2}


def prepared_statement_options(default: str = PREPARED_STATEMENTS_DEFAULT) -> dict:
    """Return the OPTIONS that turn prepared statements on, if DB_PREPARED_STATEMENTS says so."""
    on = os.environ.get("DB_PREPARED_STATEMENTS", default) == "on"
    return dict(PREPARED_STATEMENTS) if on else {}


def database_from_url(url: str) -> dict:
    """Return DATABASES["default"] for `url` with Django's native psycopg pool on."""
    config = dj_database_url.parse(url)
    config["OPTIONS"] = {
        # Django's pool and CONN_MAX_AGE > 0 cannot be combined; the pool replaces it.
        # A request waits at most `timeout` seconds for a connection, then answers 503
        # (twitterclone.middleware); a server that does not answer fails after connect_timeout.
        "pool": {
            "min_size": int(os.environ.get("DB_POOL_MIN_SIZE", "2")),
            "max_size": int(os.environ.get("DB_POOL_MAX_SIZE", "10")),
            "timeout": float(os.environ.get("DB_POOL_TIMEOUT", "3")),
        },
        "connect_timeout": int(os.environ.get("DB_CONNECT_TIMEOUT", "3")),
    }
    config["OPTIONS"].update(prepared_statement_options())
    config["CONN_MAX_AGE"] = 0
    config["CONN_HEALTH_CHECKS"] = True
    return config


# After a connection-level failure, answer 503 at once for this many seconds instead of
# waiting on the database again (twitterclone.middleware); 0 turns it off.
DATABASE_UNAVAILABLE_BACKOFF = float(os.environ.get("DB_UNAVAILABLE_BACKOFF", "0"))

DATABASES = (
    {"default": database_from_url(os.environ["DATABASE_URL"])}
    if "DATABASE_URL" in os.environ
    else {}
)


# Read replicas (docs/scaling.md "Read replicas"): comma-separated URLs of streaming replicas
# of the default database, added as aliases replica_0, replica_1, ... Reads of GET/HEAD
# requests go to a healthy one that has replayed the viewer's last write; everything else to
# the primary (twitterclone.replicas).
DATABASE_REPLICA_URLS = [
    url.strip() for url in os.environ.get("DATABASE_REPLICA_URLS", "").split(",") if url.strip()
]
# A replica further behind than this many seconds is skipped until it catches up.
DATABASE_REPLICA_MAX_LAG = float(os.environ.get("DATABASE_REPLICA_MAX_LAG", "5"))
# Connect and pool wait on a replica; past it the replica is down.
DATABASE_REPLICA_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_REPLICA_CONNECT_TIMEOUT", "1"))
# A replica found down is skipped for this many seconds (per process).
DATABASE_REPLICA_RETRY_SECONDS = float(os.environ.get("DATABASE_REPLICA_RETRY_SECONDS", "10"))
# Each process checks a replica's replay position and lag at most this often.
DATABASE_REPLICA_CHECK_SECONDS = float(os.environ.get("DATABASE_REPLICA_CHECK_SECONDS", "1"))
# A writer's WAL position is remembered this long (read-your-writes).
DATABASE_REPLICA_RYW_SECONDS = int(os.environ.get("DATABASE_REPLICA_RYW_SECONDS", "60"))


def replica_database(default: dict, url: str) -> dict:
    """Return the settings of the replica at `url`: default's options, a short connect wait.

    Pool, prepared statements and health checks are default's; connect_timeout and the pool's
    wait are at most DATABASE_REPLICA_CONNECT_TIMEOUT, so a replica that is down costs one
    request per process about a second before it is skipped. Tests never create a database
    for it (MIRROR) and migrations never run on it (the router).
    """
    parsed = dj_database_url.parse(url)
    config = {
        **default,
        **{key: parsed[key] for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")},
    }
    options = {**default.get("OPTIONS", {})}
    timeout = DATABASE_REPLICA_CONNECT_TIMEOUT
    options["connect_timeout"] = min(int(options.get("connect_timeout", timeout)), timeout)
    if isinstance(options.get("pool"), dict):
        options["pool"] = {**options["pool"], "timeout": min(options["pool"]["timeout"], timeout)}
    config["OPTIONS"] = options
    config["TEST"] = {"MIRROR": "default"}
    return config


for _index, _url in enumerate(DATABASE_REPLICA_URLS if DATABASES else ()):
    DATABASES[f"replica_{_index}"] = replica_database(DATABASES["default"], _url)
DATABASE_ROUTERS = ["twitterclone.replicas.ReplicaRouter"]

# Throttle counters must be shared by every worker process: Redis when REDIS_URL is set
# (production requires it while throttling is on), else each process's own memory.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
        if os.environ.get("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.CaseInsensitiveModelBackend"]
# Usernames are unique case-insensitively through a functional unique index on lower(username),
# which the auth check cannot see; login goes through the case-insensitive backend above.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]

PASSWORD_HASHERS = [
    "accounts.hashers.Argon2idOwaspHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.password_validation.NotBlankPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Uploaded media (media/, docs/architecture.md "Media"): the file system under MEDIA_ROOT by
# default, so `make run` needs nothing else; MEDIA_STORAGE=s3 stores them in an S3-compatible
# bucket through django-storages (docs/scaling.md "Media"). Names are random, URLs public.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media-files"))
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")


def media_storage_from_env(environ=os.environ) -> dict:
    """Return STORAGES["default"] for the MEDIA_* variables in `environ`."""
    if environ.get("MEDIA_STORAGE", "filesystem") != "s3":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": environ["MEDIA_S3_BUCKET"],
            "endpoint_url": environ.get("MEDIA_S3_ENDPOINT_URL") or None,
            "region_name": environ.get("MEDIA_S3_REGION") or None,
            # The keys come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (boto3's own lookup).
            # A CDN or the bucket's public host in front: URLs are https://<domain>/<name>.
            "custom_domain": environ.get("MEDIA_S3_CUSTOM_DOMAIN") or None,
            "location": environ.get("MEDIA_S3_PREFIX", ""),
            # Random names are the capability: plain URLs, no expiring signatures.
            "querystring_auth": False,
            # Names never repeat (160 random bits): no existence check before each write.
            "file_overwrite": True,
            "default_acl": environ.get("MEDIA_S3_ACL") or None,
            "object_parameters": {
                "CacheControl": "public, max-age=31536000, immutable",
                "ContentDisposition": "inline",
            },
        },
    }


STORAGES = {
    "default": media_storage_from_env(),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Django answers /media/<name> itself (media.views.serve: the stored type, nosniff, inline, a
# strict CSP) unless MEDIA_SERVE=off, where the front server or the object store serves them.
MEDIA_SERVE = os.environ.get("MEDIA_SERVE", "on") == "on" and STORAGES["default"][
    "BACKEND"
].endswith("FileSystemStorage")
# An upload above this many bytes is refused before it is decoded; bigger request bodies are
# spooled to a temporary file by Django, never held in memory.
MEDIA_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Uploads never attached to a tweet or a profile are deleted after this many hours
# (manage.py expire_uploads).
MEDIA_UNATTACHED_HOURS = int(os.environ.get("MEDIA_UNATTACHED_HOURS", "24"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # One line per job run is noise at fan-out rates; failures still log as errors.
    "loggers": {"django_tasks": {"level": "WARNING"}},
}

# Background jobs (fan-out, timeline upkeep) through Django's tasks API. The immediate backend
# runs a job right after the request's transaction commits, so nothing extra must run locally;
# production sets TASKS_BACKEND=database and runs `manage.py run_jobs` (jobs app).
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
        }[os.environ.get("TASKS_BACKEND", "immediate")],
    }
}

# The worker pool (jobs app, docs/scaling.md "Worker pool"). A running job holds a lease this
# long, renewed by its worker every third of it; a job whose lease ran out (worker killed)
# goes back to the queue. A failing job is retried after RETRY_BACKOFF x 2^(attempt-1)
# seconds (at most RETRY_BACKOFF_MAX); after MAX_ATTEMPTS tries it stays FAILED (dead letter).
JOBS_LEASE_SECONDS = float(os.environ.get("JOBS_LEASE_SECONDS", "60"))
JOBS_MAX_ATTEMPTS = int(os.environ.get("JOBS_MAX_ATTEMPTS", "5"))
JOBS_RETRY_BACKOFF_SECONDS = float(os.environ.get("JOBS_RETRY_BACKOFF_SECONDS", "10"))
JOBS_RETRY_BACKOFF_MAX_SECONDS = float(os.environ.get("JOBS_RETRY_BACKOFF_MAX_SECONDS", "3600"))

# Home timelines (DESIGN "Timelines"): hybrid fan-out on write.
# Authors with more followers than this are not fanned out; their tweets are pulled on read.
TIMELINE_CELEBRITY_THRESHOLD = int(os.environ.get("TIMELINE_CELEBRITY_THRESHOLD", "10000"))
# Each materialised timeline keeps its newest rows; older pages are pulled from `tweets`.
TIMELINE_MAX_ROWS = int(os.environ.get("TIMELINE_MAX_ROWS", "800"))
# A timeline rebuilt on first read materialises at most this many days.
TIMELINE_REBUILD_DAYS = int(os.environ.get("TIMELINE_REBUILD_DAYS", "7"))
# manage.py prune_notifications deletes notifications older than this many days.
NOTIFICATION_RETENTION_DAYS = int(os.environ.get("NOTIFICATION_RETENTION_DAYS", "180"))
# Hash partitions of home_timeline (by owner_id) and notifications (by recipient_id), read
# once, when their partitioning migrations run (docs/scaling.md "Partitioned hot tables"):
# changing them later means migrating back and forth.
HOME_TIMELINE_PARTITIONS = int(os.environ.get("HOME_TIMELINE_PARTITIONS", "16"))
NOTIFICATION_PARTITIONS = int(os.environ.get("NOTIFICATION_PARTITIONS", "16"))

# Live updates (stream app, docs/architecture.md "Live updates", docs/scaling.md).
# The listener connects here directly (LISTEN cannot go through PgBouncer's transaction
# pooling); empty: the default database's settings.
STREAM_DATABASE_URL = os.environ.get("STREAM_DATABASE_URL", "")
# Streams one process holds; past this a new one answers 503 with Retry-After.
STREAM_MAX_CONNECTIONS = int(os.environ.get("STREAM_MAX_CONNECTIONS", "12000"))
STREAM_RETRY_AFTER = int(os.environ.get("STREAM_RETRY_AFTER", "10"))
# A reconnecting client gets at most this many missed events, else "reload".
STREAM_REPLAY_MAX = int(os.environ.get("STREAM_REPLAY_MAX", "200"))
# stream_events keeps this many newest rows (the replay window of every client).
STREAM_EVENTS_KEEP = int(os.environ.get("STREAM_EVENTS_KEEP", "100000"))
# A listener that reconnects replays at most this many events to its streams, else "reload".
STREAM_CATCHUP_MAX = int(os.environ.get("STREAM_CATCHUP_MAX", "10000"))
STREAM_RECONNECT_MAX_DELAY = float(os.environ.get("STREAM_RECONNECT_MAX_DELAY", "5"))
# Events waiting for one slow client; past this it gets "reload" and is closed.
STREAM_QUEUE_MAX = int(os.environ.get("STREAM_QUEUE_MAX", "500"))
STREAM_HEARTBEAT_SECONDS = float(os.environ.get("STREAM_HEARTBEAT_SECONDS", "20"))
# How long a new stream waits for the listener before 503.
STREAM_CONNECT_TIMEOUT = float(os.environ.get("STREAM_CONNECT_TIMEOUT", "3"))
STREAM_RETRY_MS = int(os.environ.get("STREAM_RETRY_MS", "2000"))
# Under WSGI the stream answers at once and the browser polls this often.
STREAM_POLL_RETRY_MS = int(os.environ.get("STREAM_POLL_RETRY_MS", "5000"))
# Where pages open the stream: "" is this origin (a proxy routes the path to the ASGI
# process); or the ASGI process's own origin, which must then list the site's origin here.
STREAM_URL = os.environ.get("STREAM_URL", "")
STREAM_CORS_ORIGINS = [o for o in os.environ.get("STREAM_CORS_ORIGINS", "").split(",") if o]

# Rate limits (twitterclone/limits.py) for the API and the HTML forms alike; the rates are
# DEFAULT_THROTTLE_RATES below. API_THROTTLING=off turns every one off (load tests).
API_THROTTLING = os.environ.get("API_THROTTLING", "on") != "off"
# Per-process caches of rendered fragments (twitterclone/render_cache.py: the HTML tweet
# cards). RENDER_CACHES=off turns them off (side-by-side benchmarks, debugging a template).
RENDER_CACHES = os.environ.get("RENDER_CACHES", "on") != "off"
RENDER_CACHE_CARDS = int(os.environ.get("RENDER_CACHE_CARDS", "5000"))
# CIDRs of the proxies / load balancers in front of the app, comma-separated. Only a request
# from one of them has its X-Forwarded-For believed; empty: the peer address is the client.
TRUSTED_PROXIES = [
    cidr.strip() for cidr in os.environ.get("TRUSTED_PROXIES", "").split(",") if cidr.strip()
]
# A mistyped network fails at start, not at the first rate-limited request.
for _cidr in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_cidr, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_cidr!r} is not a network ({_error})"
        ) from None

# Who may read /metrics (twitterclone/metrics.py) besides staff sessions: CIDRs, comma-separated,
# matched against the client address the rate limits use (TRUSTED_PROXIES decides it).
METRICS_ALLOWED_NETWORKS = [
    cidr.strip()
    for cidr in os.environ.get("METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128").split(",")
    if cidr.strip()
]
for _cidr in METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_cidr, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(
            f"METRICS_ALLOWED_NETWORKS: {_cidr!r} is not a network ({_error})"
        ) from None

# No /api/ path may answer Django's HTML CSRF page: a JSON 403 there, the page elsewhere.
CSRF_FAILURE_VIEW = "twitterclone.api_errors.csrf_failure"

# JSON API (docs/api.md): bearer tokens or the browser session, errors as {"field": [msg]}.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PARSER_CLASSES": ["twitterclone.parsers.JSONParser"],
    # \u escapes: a lone surrogate echoed in an error message can still be encoded.
    "UNICODE_JSON": False,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "twitterclone.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_THROTTLE_RATES": {
        # Twitter's published posting limit; the rest keep scripts from hammering.
        "post": os.environ.get("API_RATE_POST", "300/3h"),
        "register": os.environ.get("API_RATE_REGISTER", "20/h"),
        "token_ip": os.environ.get("API_RATE_TOKEN_IP", "60/h"),
        "token_username": os.environ.get("API_RATE_TOKEN_USERNAME", "10/h"),
        "write": os.environ.get("API_RATE_WRITE", "1000/h"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "twitterclone API",
    "DESCRIPTION": "The JSON API v1 (docs/api.md). Lists are keyset-paginated with ?cursor=.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's files from the sidecar package (static files), so the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Two fields named "type": an image's (media.api.serializers) and a notification's.
    "ENUM_NAME_OVERRIDES": {
        "MediaTypeEnum": "media.models.Kind",
        "TypeEnum": "notifications.models.NotificationType",
    },
}
# Bodies larger than this are refused with 400 before any parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024

# OAuth 2 for Mastodon clients (mastodon_api/oauth.py, docs/api.md "Mastodon-compatible API").
# PKCE (S256) is accepted but not required: Mastodon.py and most clients do not send it.
OAUTH2_PROVIDER = {
    "SCOPES": scopes_setting(),
    "DEFAULT_SCOPES": ["read"],
    "PKCE_REQUIRED": False,
    "OAUTH2_VALIDATOR_CLASS": "mastodon_api.oauth.MastodonValidator",
    # Mastodon's tokens do not expire; a week here, and clients log in again.
    "ACCESS_TOKEN_EXPIRE_SECONDS": 7 * 24 * 3600,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 600,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # RFC 9700 (the OAuth security BCP), which `check --deploy` asks for: no implicit or
    # password grant, PKCE S256 only, tokens only in the Authorization header, `iss` in the
    # authorization response, tokens stored hashed.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
}
SILENCED_SYSTEM_CHECKS += [
    # Native and command-line clients redirect to http://127.0.0.1 loopbacks (RFC 8252).
    "oauth2_provider.W008",
    # PKCE is optional because Mastodon.py, toot and Tusky do not send it (Mastodon's own rule).
    "oauth2_provider.W010",
]
