"""Rate limits: one limiter for the JSON API and the HTML forms (same rates, keys, counters).

Rates are REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (env API_RATE_*); API_THROTTLING=off turns
every limit off. Counters live in the default cache (Redis in production), so every worker
process and both ways in (twitterclone.api's throttles, the views here) share them.

Keys are what a client cannot dress up: the signed-in user's id, the client address as
TRUSTED_PROXIES allows it to be known (an IPv6 client by its /64), and a login name in the
canonical form the login itself looks up (username_canonical), so " vic", "VIC" and the
fullwidth "vic" are one account for the lock exactly as they are for the password check.
"""

import contextlib
import functools
import hashlib
import ipaddress
import math
import re
import time
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ImproperlyConfigured, ValidationError
from django.http import HttpResponse
from django.shortcuts import render

from twitterclone.web import is_htmx

RATE_LIMITED = "Too many attempts. Wait a while and try again."
RATE_LIMITED_CODE = "rate_limited"
BAD_RATE = "Bad rate {rate!r} for {scope!r}: use <count>/<unit>, e.g. 300/3h, 10/h, 5/m."
NO_RATE = "No rate for {scope!r} in REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']."

_RATE = re.compile(r"^(\d+)/(\d*)([smhd])")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# IPv6 hosts are handed a /64 (or more): keying on the full address would let one client
# rotate through 2**64 fresh counters.
_IPV6_PREFIX = 64


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


class RateLimited(ValidationError):
    """A request over its rate: a non-field form error, answered with 429 and Retry-After."""

    def __init__(self, retry_after: int):
        error = ValidationError(RATE_LIMITED, code=RATE_LIMITED_CODE)
        # Dict-shaped so form_errors_add and Form.clean both show it above the form.
        super().__init__({NON_FIELD_ERRORS: [error]})
        self.retry_after = retry_after


@functools.lru_cache(maxsize=64)
def rate_parse(rate: str, scope: str = "") -> Rate:
    """Parse "300/3h" (and DRF's "300/h"); each distinct setting is parsed once."""
    match = _RATE.match(rate)
    if match is None:
        raise ImproperlyConfigured(BAD_RATE.format(rate=rate, scope=scope))
    count, multiplier, unit = match.groups()
    return Rate(int(count), int(multiplier or 1) * _SECONDS[unit])


def rate_get(*, scope: str) -> Rate | None:
    """Return the rate of `scope` (None: unlimited), read now so override_settings applies."""
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    if scope not in rates:
        raise ImproperlyConfigured(NO_RATE.format(scope=scope))
    return None if rates[scope] is None else rate_parse(rates[scope], scope)


# Counting: a fixed window opened by the first counted request of an ident and lasting the
# rate's period; at most `count` requests are let through in it. cache.add + cache.incr are
# atomic in Redis and LocMemCache, so concurrent requests cannot all slip under the limit
# (DRF's timestamp list is read-modify-write). Retry-After is when the window closes.


def limit_charge(*, scope: str, ident: str) -> int | None:
    """Count one request of `ident` in `scope`; return the seconds to wait if it is over."""
    if not settings.API_THROTTLING:
        return None
    rate = rate_get(scope=scope)
    if rate is None:
        return None
    key = _counter_key(scope, ident)
    now = time.time()
    # One round trip while a window is open (incr); opening one costs two more. Of two
    # requests racing to open it, add lets one win and the other counts in its window.
    count = 1
    for _attempt in range(3):  # a window can close between two calls; never loop for ever
        try:
            count = cache.incr(key)
            break
        except ValueError:
            if cache.add(key, 1, timeout=rate.seconds):
                cache.set(f"{key}:start", now, timeout=rate.seconds)
                count = 1
                break
    if count <= rate.count:
        return None
    # A refused request is not counted, so a client hammering while refused does not push
    # its own (or, for a login name, its victim's) lock further into the future.
    with contextlib.suppress(ValueError):
        cache.decr(key)
    start = cache.get(f"{key}:start", now)
    # Clamped: a racing request that read the clock before the window opener did would
    # otherwise be told to wait a second longer than the whole period.
    return min(rate.seconds, max(1, math.ceil(start + rate.seconds - now)))


def _counter_key(scope: str, ident: str) -> str:
    return f"limit:{scope}:{ident}"


@dataclass(frozen=True)
class LimitState:
    """Where an ident stands in its scope's window (the Mastodon API's X-RateLimit-*)."""

    limit: int
    remaining: int
    reset: float  # when the window closes, seconds since the epoch


def limit_peek(*, scope: str, ident: str) -> LimitState | None:
    """Return `ident`'s state in `scope` without counting anything (None: no limit applies)."""
    if not settings.API_THROTTLING:
        return None
    rate = rate_get(scope=scope)
    if rate is None:
        return None
    key = _counter_key(scope, ident)
    now = time.time()
    values = cache.get_many([key, f"{key}:start"])
    count = values.get(key, 0)
    start = values.get(f"{key}:start", now) if count else now
    return LimitState(rate.count, max(0, rate.count - count), start + rate.seconds)


# Identities


def username_canonical(username: str) -> str:
    """Return the form of a typed login name that names an account: NFKC, trimmed, casefolded.

    accounts' login lookup (UserManager.get_by_natural_key) uses it too: whatever a name is
    dressed in, the lock and the password check agree on which account it is.
    """
    name = unicodedata.normalize("NFKC", username)
    # str.strip() drops every Unicode whitespace (\xa0, \u3000, \t, \n...).
    return unicodedata.normalize("NFKC", name.strip().casefold()).strip()


def username_ident(username: str) -> str | None:
    """Return the counter ident of a typed login name, or None for one naming nobody."""
    name = username_canonical(username)
    if not name:
        return None
    # Hashed: a cache key must be safe whatever characters the client sent.
    return "name:" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()


@functools.lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs)


def _address(text: str):
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_ip(request) -> str:
    """Return the client's address: REMOTE_ADDR, or X-Forwarded-For from trusted proxies.

    X-Forwarded-For is believed only when REMOTE_ADDR is in TRUSTED_PROXIES; then it is
    read right to left past trusted addresses and the first untrusted one is the client
    (what a client wrote on the left is never reached). An unreadable entry stops the walk
    at the last trusted hop, so garbage cannot mint fresh counters.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    client = _address(remote)
    if client is None:
        return remote
    trusted = [client]
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop for hop in forwarded.split(",") if hop.strip()]
    while any(trusted[-1] in network for network in networks):
        if not hops:
            break
        hop = _address(hops.pop())
        if hop is None:
            break
        trusted.append(hop)
    return str(trusted[-1])


def ip_ident(request) -> str:
    """Return the counter ident of the request's client address."""
    client = client_ip(request)
    address = _address(client)
    if address is not None and address.version == 6:
        return f"ip:{ipaddress.ip_network(f'{address}/{_IPV6_PREFIX}', strict=False)}"
    return f"ip:{client}"


def request_ident(request, *, scope: str) -> str:
    """Return who a request counts as in `scope`: the signed-in user, else the client IP."""
    if scope in ("register", "token_ip"):
        return ip_ident(request)
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return ip_ident(request)


# Charging from views


def _refuse(request, waits: list[int | None]) -> None:
    over = [wait for wait in waits if wait is not None]
    if over:
        request.rate_limited_for = max(over)
        raise RateLimited(max(over))


def limit_request(request, *, scope: str) -> None:
    """Count the request in `scope`; raise RateLimited (a ValidationError) when it is over."""
    _refuse(request, [limit_charge(scope=scope, ident=request_ident(request, scope=scope))])


def limit_login(request, *, username) -> None:
    """Count a sign-in attempt per client address and per account; raise RateLimited if over.

    The same two counters as POST /api/v1/auth/token (TokenIpThrottle, TokenUsernameThrottle).
    """
    waits = [limit_charge(scope="token_ip", ident=ip_ident(request))]
    ident = username_ident(username) if isinstance(username, str) else None
    if ident is not None:
        waits.append(limit_charge(scope="token_username", ident=ident))
    _refuse(request, waits)


def _too_many(request, retry_after: int) -> HttpResponse:
    if is_htmx(request):
        response = HttpResponse(RATE_LIMITED, status=429, content_type="text/plain")
    else:
        response = render(request, "429.html", {"message": RATE_LIMITED}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def limited(scope: str):
    """Count a view's writes (not GET or HEAD) in `scope`; over the limit answer 429 instead."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in _SAFE_METHODS:
                try:
                    limit_request(request, scope=scope)
                except RateLimited as error:
                    return _too_many(request, error.retry_after)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def limit_status(view):
    """Answer 429 with Retry-After when the view showed a form refused by a rate limit.

    The view charges with limit_request / limit_login and shows RateLimited as a form error
    (it is a ValidationError); this turns the page it renders into the 429 it is.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        retry_after = getattr(request, "rate_limited_for", None)
        if retry_after is not None and response.status_code == 200:
            response.status_code = 429
            response["Retry-After"] = str(retry_after)
        return response

    return wrapper
