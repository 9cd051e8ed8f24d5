"""Answer 503 with Retry-After when the database cannot be reached, instead of a 500 or a hang.

A request that cannot get a connection (server down, PgBouncer refusing, the pool's wait
over `DB_POOL_TIMEOUT`) raises django.db.OperationalError or InterfaceError: psycopg_pool's
PoolTimeout is an OperationalError that Django wraps. The API's exception handler
(twitterclone.api) answers those in JSON for API views; this middleware answers everything
else: JSON under /api/, templates/503.html for pages.

While the database is away every request would wait its own timeout (PgBouncer's
query_wait_timeout, the pool's DB_POOL_TIMEOUT) while holding a server thread, and the
requests queued behind it would wait longer still. So a connection-level failure opens a
short per-process breaker (`DATABASE_UNAVAILABLE_BACKOFF` seconds, production default 1):
until it closes, requests get the 503 at once without touching the database; the first
request after it closes tries the database again. Errors of a working connection (deadlock,
statement timeout, serialization failure) still answer 503 but never open the breaker.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
UNAVAILABLE = "The service is briefly unavailable; try again in a few seconds."
DATABASE_ERRORS = (OperationalError, InterfaceError)


# SQLSTATEs of a connection that is gone or refused (class 08; admin/crash shutdown; "the
# database system is starting up"). A failed connect or a PoolTimeout carries none.
_CONNECTION_STATES = ("08", "57P01", "57P02", "57P03")
_breaker = {"open_until": 0.0}
_breaker_lock = threading.Lock()


def is_database_unavailable(exc: BaseException) -> bool:
    """Return whether `exc` is a database error to answer with 503; open the breaker if due."""
    if not isinstance(exc, DATABASE_ERRORS):
        return False
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate is None or sqlstate.startswith(_CONNECTION_STATES):
        breaker_open()
    return True


def breaker_open() -> None:
    """Answer 503 without trying the database for the next DATABASE_UNAVAILABLE_BACKOFF s."""
    backoff = getattr(settings, "DATABASE_UNAVAILABLE_BACKOFF", 0.0)
    if backoff > 0:
        with _breaker_lock:
            _breaker["open_until"] = max(_breaker["open_until"], time.monotonic() + backoff)


def breaker_is_open() -> bool:
    """Return whether a recent connection failure still holds requests off the database."""
    return time.monotonic() < _breaker["open_until"]


def breaker_close() -> None:
    """Let requests reach the database again at once."""
    with _breaker_lock:
        _breaker["open_until"] = 0.0


def unavailable_response(request) -> HttpResponse:
    """Return the 503 answer for `request`: JSON for the API, the HTML page otherwise."""
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": UNAVAILABLE}, status=503)
    else:
        try:
            # No context processors: they may need the database that just failed.
            body = loader.get_template("503.html").render({"message": UNAVAILABLE})
        except Exception:  # a missing or broken template must not turn the 503 into a 500
            logger.exception("rendering 503.html failed")
            body = f"<!doctype html><title>Unavailable</title><p>{UNAVAILABLE}</p>"
        response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """Turn database connection failures raised by a view into 503 + Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if breaker_is_open():
            return unavailable_response(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_unavailable(exception):
            return None
        logger.warning("database unavailable: %s %s: %s", request.method, request.path, exception)
        return unavailable_response(request)
