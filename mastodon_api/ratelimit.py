"""Mastodon's rate-limit headers and 429 answer over the project's own throttles.

Nothing is counted here: the view's DRF throttles (twitterclone.api, adapters over
twitterclone.limits: the same rates, keys and counters as the project's API and HTML forms)
have charged the request; this reads where its counter stands (limits.limit_peek) and says
so in Mastodon's headers:

- X-RateLimit-Limit: requests allowed in the window,
- X-RateLimit-Remaining: requests left in it,
- X-RateLimit-Reset: when it closes (ISO 8601).

Only endpoints that are limited carry them (writes: statuses per "post", the rest per
"write"); reads are not limited and carry none. Over the limit: 429 with
{"error": "Too many requests"} and Retry-After.
"""

from datetime import UTC, datetime

from twitterclone import limits

TOO_MANY_REQUESTS = "Too many requests"


def _iso(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def headers_add(view, request, response) -> None:
    """Set X-RateLimit-* on `response` from the view's throttles (the tightest one)."""
    states = []
    for throttle in view.get_throttles():
        scope = getattr(throttle, "scope", "")
        ident = throttle.ident(request) if scope and hasattr(throttle, "ident") else None
        if ident is None:
            continue
        state = limits.limit_peek(scope=scope, ident=ident)
        if state is not None:
            states.append(state)
    if not states:
        return
    tightest = min(states, key=lambda state: state.remaining)
    response["X-RateLimit-Limit"] = str(tightest.limit)
    response["X-RateLimit-Remaining"] = str(tightest.remaining)
    response["X-RateLimit-Reset"] = _iso(tightest.reset)
