"""Discovery documents: NodeInfo 2.0, WebFinger for local accounts, host-meta.

Read-only, public and cheap: the usage counts are cached for COUNTS_SECONDS (counting ten
million tweets on every request would be a sequential scan). WebFinger answers local
accounts that exist for a signed-out visitor (social.selectors.user_get_profile, the same
rule as the profile page), 404 for anything else. This server does not federate:
NodeInfo lists no protocols, and WebFinger's `self` link is the account's JSON in the
Mastodon API (not an ActivityPub actor).
"""

import tomllib
from datetime import timedelta
from functools import cache as memoize
from pathlib import Path
from urllib.parse import unquote

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.views.decorators.http import require_safe

from accounts.models import User
from social.selectors import user_get_profile
from tweets.models import Tweet

NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/2.0"
NODEINFO_TYPE = f'application/json; profile="{NODEINFO_SCHEMA}#"'
SOFTWARE_NAME = "twitterclone"  # NodeInfo: ^[a-z0-9-]+$
COUNTS_KEY = "mastodon:instance-counts"
COUNTS_SECONDS = 600
RESOURCE_REQUIRED = "resource is required: acct:username@host"
PROFILE_PAGE = "http://webfinger.net/rel/profile-page"


@memoize
def software_version() -> str:
    """The project's version (pyproject.toml)."""
    try:
        with open(Path(__file__).parents[1] / "pyproject.toml", "rb") as handle:
            return tomllib.load(handle)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "0.0.0"


def instance_counts() -> dict[str, int]:
    """Active accounts, those signed in this month and half year, and visible posts (cached)."""
    counts = cache.get(COUNTS_KEY)
    if counts is None:
        now = timezone.now()
        active = User.objects.filter(is_active=True)
        counts = {
            "users": active.count(),
            "month": active.filter(last_login__gte=now - timedelta(days=30)).count(),
            "halfyear": active.filter(last_login__gte=now - timedelta(days=180)).count(),
            "posts": Tweet.objects.filter(is_hidden=False).count(),
        }
        cache.set(COUNTS_KEY, counts, COUNTS_SECONDS)
    return counts


def _public(response):
    # Read by other servers' and web clients' scripts (WebFinger requires CORS).
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def nodeinfo_index(request):
    """GET /.well-known/nodeinfo: where the NodeInfo 2.0 document is."""
    href = request.build_absolute_uri(reverse("mastodon-nodeinfo"))
    return _public(JsonResponse({"links": [{"rel": NODEINFO_SCHEMA, "href": href}]}))


@require_safe
def nodeinfo(request):
    """GET /nodeinfo/2.0: software, protocols (none: no federation), usage, registrations."""
    counts = instance_counts()
    body = {
        "version": "2.0",
        "software": {"name": SOFTWARE_NAME, "version": software_version()},
        "protocols": [],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": True,
        "usage": {
            "users": {
                "total": counts["users"],
                "activeMonth": counts["month"],
                "activeHalfyear": counts["halfyear"],
            },
            "localPosts": counts["posts"],
        },
        "metadata": {"nodeName": "twitterclone"},
    }
    return _public(JsonResponse(body, content_type=NODEINFO_TYPE))


def _username_of(request, resource: str) -> str | None:
    """The local username `resource` names (acct:name@this-host or a profile URL), or None."""
    resource = unquote(resource.strip())
    host = request.get_host().lower()
    if resource.lower().startswith("acct:"):
        name, _, domain = resource[5:].lstrip("@").partition("@")
        hosts = {host, host.rsplit(":", 1)[0]}
        return name if domain.lower() in hosts and name else None
    base = request.build_absolute_uri("/")
    if resource.startswith(base):
        name = resource[len(base) :].strip("/").removeprefix("@")
        return name if name and "/" not in name else None
    return None


@require_safe
def webfinger(request):
    """GET /.well-known/webfinger?resource=acct:name@host: a local account's JRD, else 404."""
    resource = request.GET.get("resource", "")
    if not resource:
        return _public(JsonResponse({"error": RESOURCE_REQUIRED}, status=400))
    username = _username_of(request, resource)
    try:
        if username is None:
            raise User.DoesNotExist
        user = user_get_profile(viewer=AnonymousUser(), username=username)
    except User.DoesNotExist:
        return _public(JsonResponse({"error": "Record not found"}, status=404))
    profile = request.build_absolute_uri(user.get_absolute_url())
    account = request.build_absolute_uri(f"/api/v1/accounts/{user.pk}")
    body = {
        "subject": f"acct:{user.username}@{request.get_host()}",
        "aliases": [profile],
        "links": [
            {"rel": PROFILE_PAGE, "type": "text/html", "href": profile},
            {"rel": "self", "type": "application/json", "href": account},
        ],
    }
    return _public(JsonResponse(body, content_type="application/jrd+json"))


@require_safe
def host_meta(request):
    """GET /.well-known/host-meta: the WebFinger template (XRD), for older clients."""
    template = request.build_absolute_uri("/.well-known/webfinger") + "?resource={uri}"
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template="{escape(template)}"/>\n'
        "</XRD>\n"
    )
    return _public(HttpResponse(xml, content_type="application/xrd+xml; charset=utf-8"))
