"""Plumbing shared by every app's JSON API: errors, pages, throttles, path converters.

Apps keep their endpoints in `<app>/api/`; views parse input with a serializer, call one
service or selector, and render with a shared output serializer (STYLE "Views and API").
"""

import json

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import QueryDict
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers, status, throttling
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from twitterclone import limits
from twitterclone.middleware import RETRY_AFTER_SECONDS, UNAVAILABLE, is_database_unavailable
from twitterclone.pagination import MAX_LIMIT, Page, cursor_bind, cursor_unbind

BIGINT_MAX = 2**63 - 1
NOT_FOUND = "Not found."
PAGE_PARAM_NAMES = ("cursor", "limit")
BODY_TOO_LARGE = "The request body is too large."


def exception_handler(exc, context):
    """Map domain errors to HTTP: ValidationError 400 by field, DoesNotExist 404, never 500."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = ValidationError(exc.message_dict)
        else:
            exc = ValidationError({"non_field_errors": exc.messages})
    elif isinstance(exc, ObjectDoesNotExist):
        # Something the viewer may not see answers 404, exactly like something that is not.
        exc = NotFound(NOT_FOUND)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = PermissionDenied(str(exc) or None)
    elif isinstance(exc, RequestDataTooBig):
        # Django would answer with its HTML 400 page; an API client gets JSON.
        return Response({"detail": BODY_TOO_LARGE}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    elif is_database_unavailable(exc):
        # Database down, PgBouncer refusing or no pooled connection in DB_POOL_TIMEOUT.
        return Response(
            {"detail": UNAVAILABLE},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return drf_exception_handler(exc, context)


class PageParams(serializers.Serializer):
    """?cursor= and ?limit= of every list endpoint."""

    cursor = serializers.CharField(required=False, max_length=1000, allow_blank=True)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT, default=20)


def list_scope(path: str, query: QueryDict) -> str:
    """Name one list: its path and every query parameter but the page's own (cursor, limit)."""
    # Lower-cased: usernames and tags match in any case, so /users/Alice is /users/alice.
    rest = sorted(
        (name, value)
        for name, values in query.lists()
        if name not in PAGE_PARAM_NAMES
        for value in values
    )
    return json.dumps([path.lower(), rest])


def page_params(request, *, path: str | None = None) -> dict:
    """Return the validated cursor and limit of a list request (400 on bad values).

    The cursor must have been minted for this list (`path`, default the request's, and the
    same other query parameters): one from another list is refused like a tampered one.
    """
    params = PageParams(data=request.query_params)
    params.is_valid(raise_exception=True)
    cursor = params.validated_data.get("cursor") or None
    if cursor is not None:
        scope = list_scope(path or request.path, request.query_params)
        cursor = cursor_unbind(cursor, scope=scope)  # ValidationError: 400 by exception_handler
    return {"cursor": cursor, "limit": params.validated_data["limit"]}


def page_next_url(
    request, next_cursor: str | None, *, path: str | None = None, query: dict | None = None
) -> str | None:
    """Return the absolute URL of the next page (default: this request's path and query)."""
    if not next_cursor:
        return None
    path = path or request.path
    if query is None:
        query = request.query_params.copy()
    else:
        query, items = QueryDict(mutable=True), query
        query.update(items)
    query["cursor"] = cursor_bind(next_cursor, scope=list_scope(path, query))
    return request.build_absolute_uri(f"{path}?{query.urlencode()}")


def page_response(request, page: Page, serializer_class, *, context: dict | None = None):
    """Render a Page as {"results": [...], "next": url-or-null}."""
    next_url = page_next_url(request, page.next_cursor)
    context = {"request": request, **(context or {})}
    results = serializer_class(page.items, many=True, context=context).data
    return Response({"results": results, "next": next_url}, status=status.HTTP_200_OK)


class PageSerializer(serializers.Serializer):
    """Schema of a page; views build it with page_response."""

    next = serializers.URLField(allow_null=True)


def paged(item_serializer) -> type[serializers.Serializer]:
    """Return a schema-only serializer for a page of `item_serializer` items."""
    name = f"{item_serializer.__name__.removesuffix('Serializer')}Page"
    return type(name, (PageSerializer,), {"results": item_serializer(many=True)})


class ErrorSerializer(serializers.Serializer):
    """Schema of 401, 403, 404 and 429 answers."""

    detail = serializers.CharField()


# 400 answers: {"field": ["message", ...]} from validation, {"detail": "..."} for a body that
# is not JSON. A raw schema rather than a component, so every app's answers share one shape.
FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "additionalProperties": {
        "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]
    },
    "example": {"content": ["Tweets are at most 280 characters."]},
}
BAD_REQUEST = OpenApiResponse(
    FIELD_ERRORS_SCHEMA,
    description='Invalid input: {"field": ["message"]} ("non_field_errors" for the whole '
    'input), or {"detail": "message"} for a body that is not JSON.',
)
UNAUTHORIZED = OpenApiResponse(ErrorSerializer, description="Missing, invalid or revoked token.")
THROTTLED = OpenApiResponse(ErrorSerializer, description="Too many requests; see Retry-After.")


class StrictBooleanField(serializers.BooleanField):
    """A JSON true or false (not 0, "yes" or "true"), as the schema says."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class TextField(serializers.CharField):
    """A CharField that takes JSON strings only; DRF's own turns 42 into "42"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


# Throttles: DRF adapters over twitterclone.limits, the one limiter the HTML forms use too
# (same rates, keys and counters). Rates in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
# overridable by the environment; API_THROTTLING=off disables every limit.


class _Throttle(throttling.BaseThrottle):
    scope = ""

    def ident(self, request) -> str | None:
        return limits.request_ident(request, scope=self.scope)

    def allow_request(self, request, view):
        ident = self.ident(request)
        self.wait_seconds = None
        if ident is not None:
            self.wait_seconds = limits.limit_charge(scope=self.scope, ident=ident)
        return self.wait_seconds is None

    def wait(self):
        return self.wait_seconds


class PostThrottle(_Throttle):
    """Tweets posted per user."""

    scope = "post"


class WriteThrottle(_Throttle):
    """Other writes (likes, follows, ...) per user, or per IP when signed out."""

    scope = "write"


class RegisterThrottle(_Throttle):
    """Registrations per client IP."""

    scope = "register"


class TokenIpThrottle(_Throttle):
    """Token (login) attempts per client IP."""

    scope = "token_ip"


class TokenUsernameThrottle(_Throttle):
    """Token (login) attempts per account, whatever the IP or the dress of the name."""

    scope = "token_username"

    def ident(self, request) -> str | None:
        username = request.data.get("username") if hasattr(request.data, "get") else None
        return limits.username_ident(username) if isinstance(username, str) else None


class BigIntConverter:
    """A path id that fits PostgreSQL's BIGINT; anything longer or larger is a 404."""

    # No leading zeros: /tweets/01 would be a second URL for tweet 1, /tweets/0 no tweet at all.
    regex = "[1-9][0-9]{0,18}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= BIGINT_MAX:
            raise ValueError("out of range")
        return number

    def to_url(self, value: int) -> str:
        return str(value)


class UsernameConverter:
    """A path username: what registration allows (anything else cannot exist: 404)."""

    regex = "[A-Za-z0-9_]{1,50}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
