"""CORS for the Mastodon API: web clients (Elk, Phanpy) call it from their own origin.

As Mastodon does: any origin, without credentials. That is safe because these endpoints
authenticate only by a bearer token the client sends itself, never by the site's session
cookie (a browser sends no cookie on a credential-less cross-origin request anyway). The
headers a client reads are exposed: the paging `Link` and the rate-limit headers.
"""

import functools

from django.http import HttpResponse

ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key, Last-Event-ID"
ALLOW_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
EXPOSE_HEADERS = "Link, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"


def cors_headers(request, response):
    """Add the CORS headers to `response` (a preflight gets the allowed methods too)."""
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
    if request.method == "OPTIONS":
        response["Access-Control-Allow-Headers"] = ALLOW_HEADERS
        response["Access-Control-Allow-Methods"] = ALLOW_METHODS
        response["Access-Control-Max-Age"] = "86400"
    return response


def with_cors(view):
    """A view (sync) whose answers carry the CORS headers."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        return cors_headers(request, view(request, *args, **kwargs))

    return wrapper


def with_cors_async(view):
    """An async view whose answers carry the CORS headers (an OPTIONS preflight: 204)."""

    @functools.wraps(view)
    async def wrapper(request, *args, **kwargs):
        if request.method == "OPTIONS":
            return cors_headers(request, HttpResponse(status=204))
        return cors_headers(request, await view(request, *args, **kwargs))

    return wrapper
