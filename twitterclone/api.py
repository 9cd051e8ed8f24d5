"""Plumbing shared by every app's JSON API: errors, pages, throttles, path converters.

Apps keep their endpoints in `<app>/api/`; views parse input with a serializer, call one
service or selector, and render with a shared output serializer (STYLE "Views and API").
"""

import hashlib
import re

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers, status, throttling
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from twitterclone.middleware import RETRY_AFTER_SECONDS, UNAVAILABLE, is_database_unavailable
from twitterclone.pagination import MAX_LIMIT, Page

BIGINT_MAX = 2**63 - 1
NOT_FOUND = "Not found."
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


def not_found(request, *args, **kwargs):
    """Answer any /api/v1/ path no endpoint matches with the API's JSON 404."""
    return JsonResponse({"detail": NOT_FOUND}, status=404)


class PageParams(serializers.Serializer):
    """?cursor= and ?limit= of every list endpoint."""

    cursor = serializers.CharField(required=False, max_length=1000, allow_blank=True)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT, default=20)


def page_params(request) -> dict:
    """Return the validated cursor and limit of a list request (400 on bad values)."""
    params = PageParams(data=request.query_params)
    params.is_valid(raise_exception=True)
    return {
        "cursor": params.validated_data.get("cursor") or None,
        "limit": params.validated_data["limit"],
    }


def page_response(request, page: Page, serializer_class, *, context: dict | None = None):
    """Render a Page as {"results": [...], "next": url-or-null}."""
    next_url = None
    if page.next_cursor:
        query = request.query_params.copy()
        query["cursor"] = page.next_cursor
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
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


class TextField(serializers.CharField):
    """A CharField that takes JSON strings only; DRF's own turns 42 into "42"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


# Throttles: rates in settings (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]), overridable by the
# environment; API_THROTTLING=off disables all of them for load tests and benchmarks.

_RATE = re.compile(r"^(\d+)/(\d*)([smhd])")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class _Throttle(throttling.SimpleRateThrottle):
    def parse_rate(self, rate):
        """Accept "300/3h" as well as DRF's "300/h"."""
        if rate is None:
            return (None, None)
        match = _RATE.match(rate)
        if match is None:
            raise ValueError(f"bad throttle rate {rate!r}")
        count, multiplier, unit = match.groups()
        return int(count), int(multiplier or 1) * _SECONDS[unit]

    def get_rate(self):
        # DRF binds THROTTLE_RATES at import time; read them now so override_settings applies.
        self.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        return super().get_rate()

    def allow_request(self, request, view):
        if not settings.API_THROTTLING:
            return True
        return super().allow_request(request, view)


class PostThrottle(_Throttle):
    """Tweets posted per user."""

    scope = "post"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class WriteThrottle(_Throttle):
    """Other writes (likes, follows, ...) per user, or per IP when signed out."""

    scope = "write"

    def get_cache_key(self, request, view):
        ident = request.user.pk if request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class RegisterThrottle(_Throttle):
    """Registrations per IP."""

    scope = "register"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenIpThrottle(RegisterThrottle):
    """Token (login) attempts per IP."""

    scope = "token_ip"


class TokenUsernameThrottle(_Throttle):
    """Token (login) attempts per username, whatever the IP: slows password guessing."""

    scope = "token_username"

    def get_cache_key(self, request, view):
        username = request.data.get("username") if hasattr(request.data, "get") else None
        if not isinstance(username, str) or not username:
            return None
        # Hashed: a cache key must be safe whatever bytes the client sent as a username.
        ident = hashlib.sha256(username.lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


class BigIntConverter:
    """A path id that fits PostgreSQL's BIGINT; anything longer or larger is a 404."""

    regex = "[0-9]{1,19}"

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
