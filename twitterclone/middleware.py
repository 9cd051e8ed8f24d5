"""Answer 503 with Retry-After when the database cannot be reached, instead of a 500 or a hang.

A request that cannot get a connection (server down, PgBouncer refusing, the pool's wait
over `DB_POOL_TIMEOUT`) raises django.db.OperationalError or InterfaceError: psycopg_pool's
PoolTimeout is an OperationalError that Django wraps. The API's exception handler
(twitterclone.api) answers those in JSON for API views; this middleware answers everything
else: JSON under /api/, templates/503.html for pages.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
UNAVAILABLE = "The service is briefly unavailable; try again in a few seconds."
DATABASE_ERRORS = (OperationalError, InterfaceError)


def is_database_unavailable(exc: BaseException) -> bool:
    """Return whether `exc` means the database could not be reached or had no connection."""
    return isinstance(exc, DATABASE_ERRORS)


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
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_unavailable(exception):
            return None
        logger.warning("database unavailable: %s %s: %s", request.method, request.path, exception)
        return unavailable_response(request)
