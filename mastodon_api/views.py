"""Mastodon-compatible client API (docs/api.md "Mastodon-compatible API").

Each view parses Mastodon's parameters, calls the project's services and selectors (the same
rules as the HTML pages and the project's own API) and renders Mastodon's entities. Errors are
{"error": "..."} with Mastodon's status codes: 401 without a valid token, 403 for a missing
scope, 404 for anything the viewer may not see, 422 for bad input.
"""

import zlib
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils.html import escape
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework import exceptions, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from notifications.selectors import notifications_page
from social import services as social_services
from social.selectors import (
    profile_access,
    profile_visible_q,
    relationship_get,
    user_get_profile,
    user_visible_q,
)
from timelines.selectors import timeline_home
from tweets import selectors as tweet_selectors
from tweets import services as tweet_services
from tweets.api.serializers import tweet_context
from tweets.models import Tweet
from twitterclone.api import PostThrottle, WriteThrottle, exception_handler
from twitterclone.pagination import Page, cursor_encode

from . import cors, discovery, entities, idempotency, oauth, ratelimit, scopes

DEFAULT_LIMIT = 20
MAX_LIMIT = 40
# min_id / since_id walk back from the newest page at most this many pages.
MAX_WALK_PAGES = 10
NOT_FOUND = "Record not found"
UNAUTHORIZED = "The access token is invalid"
FORBIDDEN = "This action is outside the authorized scopes"

NOTIFICATION_TYPES = {
    # project type -> Mastodon type
    "mention": "mention",
    "reply": "mention",
    "quote": "quote",
    "like": "favourite",
    "retweet": "reblog",
    "follow": "follow",
    "follow_request": "follow_request",
    # follow_accepted has no Mastodon type (Mastodon does not notify it): left out.
}


class MastodonAuthentication(OAuth2Authentication):
    """A django-oauth-toolkit bearer token; a bad one is 401, never silently anonymous."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            if request.META.get("HTTP_AUTHORIZATION", "").lower().startswith("bearer "):
                raise exceptions.AuthenticationFailed(UNAUTHORIZED)
            return None
        user, token = result
        if user is None:  # client_credentials: the app itself, no account
            return AnonymousUser(), token
        if not user.is_active:
            raise exceptions.AuthenticationFailed(UNAUTHORIZED)
        return user, token


class ScopePermission(BasePermission):
    """The view's `scopes[method]`: None (public read), or the sub-scope it needs."""

    def has_permission(self, request, view):
        required = view.scopes.get(request.method)
        if required is None:
            return True
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated(UNAUTHORIZED)
        if not scopes.scope_granted(set(request.auth.scope.split()), required):
            raise exceptions.PermissionDenied(FORBIDDEN)
        return True


class MastodonView(APIView):
    authentication_classes = [MastodonAuthentication]
    permission_classes = [ScopePermission]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    schema = None  # not part of the project's OpenAPI schema (docs/api.md covers it)
    scopes: dict[str, str | None] = {}

    def get_exception_handler(self):
        return mastodon_exception_handler

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        ratelimit.headers_add(self, request, response)
        return cors.cors_headers(request, response)


def mastodon_exception_handler(exc, context):
    response = exception_handler(exc, context)
    if response is None:
        return None
    code = response.status_code
    if isinstance(exc, DjangoValidationError | exceptions.ValidationError) and code == 400:
        code = 422
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        code = 401
    message = NOT_FOUND if code == 404 else entities.error_text(response.data)
    if isinstance(exc, exceptions.Throttled):
        message = ratelimit.TOO_MANY_REQUESTS
    response.data = {"error": message}
    response.status_code = code
    return response


# Parameters.


def _int(value, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise exceptions.ValidationError({name: ["must be a number"]}) from None
    if not 0 <= number < 2**63:
        raise exceptions.ValidationError({name: ["out of range"]})
    return number


def _limit(request, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> int:
    limit = _int(request.query_params.get("limit"), "limit") or default
    return max(1, min(limit, maximum))


def _list_param(data, name: str) -> list:
    if hasattr(data, "getlist"):
        values = data.getlist(f"{name}[]") or data.getlist(name)
    else:
        values = data.get(f"{name}[]", data.get(name, []))
    if isinstance(values, str | int):
        values = [values]
    return list(values or [])


def _bool(value) -> bool:
    return str(value).lower() in {"1", "true", "on", "yes"}


# Paging: Mastodon's max_id / since_id / min_id over the selectors' keyset cursors.


def _tweet_cursor(max_id: int) -> str | None:
    """The selectors' cursor for "older than status max_id" (its time and id)."""
    row = Tweet.objects.filter(pk__lt=max_id).order_by("-pk").values_list("created_at", "pk")[:1]
    if not row:
        return cursor_encode(datetime(1970, 1, 1, tzinfo=UTC), 0)
    # Only the time is read here, never the row: the page that follows applies the rule.
    created_at = Tweet.objects.filter(pk=max_id).values_list("created_at", flat=True).first()
    return cursor_encode(created_at or row[0][0], max_id if created_at else row[0][1] + 1)


def _id_cursor(max_id: int) -> str:
    # Notification pages key on the id alone (notifications.selectors.notifications_page).
    return cursor_encode(datetime(1970, 1, 1, tzinfo=UTC), max_id)


def paged(request, fetch, *, cursor_for=_tweet_cursor) -> tuple[list, dict]:
    """Return (items, Link header) for `fetch(cursor, limit) -> Page`, newest first."""
    limit = _limit(request)
    params = request.query_params
    max_id = _int(params.get("max_id"), "max_id")
    since_id = _int(params.get("since_id"), "since_id")
    min_id = _int(params.get("min_id"), "min_id")
    lower = min_id if min_id is not None else since_id
    cursor = cursor_for(max_id) if max_id is not None else None
    if lower is None:
        items = fetch(cursor, limit).items
    else:
        items, pages = [], 0
        while pages < MAX_WALK_PAGES:
            page: Page = fetch(cursor, limit)
            pages += 1
            newer = [item for item in page.items if item.pk > lower]
            items.extend(newer)
            if len(newer) < len(page.items) or not page.next_cursor:
                break
            if since_id is not None and min_id is None and len(items) >= limit:
                break
            cursor = page.next_cursor
        items = items[-limit:] if min_id is not None else items[:limit]
    return items, _link_header(request, items)


def _link_header(request, items) -> dict:
    if not items:
        return {}
    base = request.build_absolute_uri(request.path)
    rest = {
        k: v for k, v in request.query_params.items() if k not in {"max_id", "min_id", "since_id"}
    }
    next_url = f"{base}?{urlencode({**rest, 'max_id': items[-1].pk})}"
    prev_url = f"{base}?{urlencode({**rest, 'min_id': items[0].pk})}"
    return {"Link": f'<{next_url}>; rel="next", <{prev_url}>; rel="prev"'}


def statuses_response(request, tweets, headers=None, code=status.HTTP_200_OK) -> Response:
    context = entities.StatusContext(request, tweet_context(request, tweets)["mention_usernames"])
    data = [entities.status(context, tweet) for tweet in tweets]
    return Response(data, status=code, headers=headers)


def status_response(request, tweet, code=status.HTTP_200_OK) -> Response:
    context = entities.StatusContext(request, tweet_context(request, [tweet])["mention_usernames"])
    return Response(entities.status(context, tweet), status=code)


def _visible_tweet(request, pk) -> Tweet:
    return tweet_selectors.tweet_get_visible(viewer=request.user, tweet_id=_int(pk, "id") or 0)


def _visible_user(request, pk) -> User:
    """An account by id if it exists for the viewer (social.selectors.user_visible_q)."""
    return User.objects.filter(user_visible_q(viewer=request.user)).get(pk=_int(pk, "id") or 0)


def _profile(request, user: User) -> User:
    """`user` with `.access`: how much of the profile the viewer may see (404 if nothing)."""
    user.access = profile_access(viewer=request.user, user=user)
    return user


def _profile_by_id(request, pk) -> User:
    """An account whose profile answers the viewer (social.selectors.profile_visible_q).

    As on the profile page: someone who blocked the account still sees its card, to lift
    the block; the account it blocked gets 404.
    """
    user = User.objects.filter(profile_visible_q(viewer=request.user)).get(pk=_int(pk, "id") or 0)
    return _profile(request, user)


# Apps and instance.


class AppsApi(MastodonView):
    scopes = {"POST": None}

    def post(self, request):
        data = request.data
        name = str(data.get("client_name") or "").strip()
        redirect_uris = _list_param(data, "redirect_uris")
        if len(redirect_uris) == 1 and isinstance(redirect_uris[0], str):
            redirect_uris = redirect_uris[0].split()
        errors = {}
        if not name:
            errors["client_name"] = ["can't be blank"]
        if not redirect_uris:
            errors["redirect_uris"] = ["can't be blank"]
        requested = str(data.get("scopes") or "read").split()
        allowed = scopes.scopes_setting()
        if any(scope not in allowed for scope in requested):
            errors["scopes"] = ["is invalid"]
        if errors:
            raise exceptions.ValidationError(errors)
        application, secret = oauth.application_create(
            name=name, redirect_uris=redirect_uris, scopes_registered=requested
        )
        website = str(data.get("website") or "") or None
        return Response(
            {
                "id": str(application.pk),
                "name": application.name,
                "website": website,
                "scopes": requested,
                "redirect_uri": redirect_uris[0],
                "redirect_uris": redirect_uris,
                "client_id": application.client_id,
                "client_secret": secret,
                "client_secret_expires_at": 0,
                "vapid_key": "",
            }
        )


class InstanceApi(MastodonView):
    scopes = {"GET": None}
    version = 1

    def get(self, request):
        # Cached counts (discovery.instance_counts): counting every tweet takes seconds at
        # 10M, and clients read the instance at every start.
        counts = discovery.instance_counts()
        if self.version == 2:
            return Response(entities.instance_v2(request, active_month=counts["month"]))
        return Response(
            entities.instance_v1(request, user_count=counts["users"], status_count=counts["posts"])
        )


def letter_avatar(request, pk: int) -> HttpResponse:
    """A letter avatar (SVG) for an account with no image: clients need an avatar URL."""
    user = User.objects.filter(pk=pk, is_active=True).only("username").first()
    letter = (user.username[:1] if user else "?").upper()
    hue = zlib.crc32(letter.encode()) % 360
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" viewBox="0 0 120 120">'
        f'<rect width="120" height="120" fill="hsl({hue},55%,45%)"/>'
        '<text x="60" y="80" font-size="64" text-anchor="middle" fill="#fff" '
        f'font-family="sans-serif">{escape(letter)}</text></svg>'
    )
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


# Accounts.


class VerifyCredentialsApi(MastodonView):
    scopes = {"GET": "read:accounts"}

    def get(self, request):
        return Response(entities.credential_account(request, request.user))


class AccountApi(MastodonView):
    scopes = {"GET": None}

    def get(self, request, pk):
        return Response(entities.account(request, _profile_by_id(request, pk)))


class AccountLookupApi(MastodonView):
    scopes = {"GET": None}

    def get(self, request):
        acct = str(request.query_params.get("acct", "")).lstrip("@").split("@")[0]
        user = user_get_profile(viewer=request.user, username=acct)
        return Response(entities.account(request, _profile(request, user)))


class AccountStatusesApi(MastodonView):
    scopes = {"GET": None}

    def get(self, request, pk):
        user = _visible_user(request, pk)
        params = request.query_params
        if _bool(params.get("pinned", "")):
            return Response([])
        include_replies = not _bool(params.get("exclude_replies", ""))
        only_media = _bool(params.get("only_media", ""))
        exclude_reblogs = _bool(params.get("exclude_reblogs", ""))

        def fetch(cursor, limit):
            return tweet_selectors.tweets_of_user(
                viewer=request.user,
                user=user,
                include_replies=include_replies,
                cursor=cursor,
                limit=limit,
            )

        items, headers = paged(request, fetch)
        # Filters over the page the rule already built (a shorter page, documented).
        if exclude_reblogs:
            items = [t for t in items if not t.is_plain_retweet]
        if only_media:
            items = [t for t in items if t.media]
        return statuses_response(request, items, headers)


class RelationshipsApi(MastodonView):
    scopes = {"GET": "read:follows"}

    def get(self, request):
        ids = [_int(pk, "id") for pk in _list_param(request.query_params, "id")][:MAX_LIMIT]
        users = User.objects.filter(user_visible_q(viewer=request.user), pk__in=ids).in_bulk()
        return Response(
            [
                entities.relationship(
                    users[pk], relationship_get(viewer=request.user, user=users[pk])
                )
                for pk in ids
                if pk in users
            ]
        )


class FollowApi(MastodonView):
    scopes = {"POST": "write:follows"}
    throttle_classes = [WriteThrottle]
    follow = True

    def post(self, request, pk):
        user = _visible_user(request, pk)
        if self.follow:
            social_services.follow_create(follower=request.user, followee=user)
        else:
            social_services.follow_delete(follower=request.user, followee=user)
            social_services.follow_request_cancel(requester=request.user, target=user)
        rel = relationship_get(viewer=request.user, user=user)
        return Response(entities.relationship(user, rel))


# Statuses.


class StatusCreateApi(MastodonView):
    scopes = {"POST": "write:statuses"}
    throttle_classes = [PostThrottle]

    def post(self, request):
        key = request.headers.get("Idempotency-Key")
        # The same key again (even at the same moment): the status it posted (idempotency).
        with idempotency.idempotency_claim(user_id=request.user.pk, key=key) as claim:
            if claim.earlier is not None:
                try:
                    return status_response(request, _visible_tweet(request, claim.earlier))
                except Tweet.DoesNotExist:
                    pass
            data = request.data
            media_ids = [_int(pk, "media_ids") for pk in _list_param(data, "media_ids")]
            tweet = tweet_services.tweet_create(
                author=request.user,
                content=str(data.get("status") or ""),
                reply_to_id=_int(data.get("in_reply_to_id"), "in_reply_to_id"),
                quote_of_id=_int(data.get("quoted_status_id"), "quoted_status_id"),
                media_ids=media_ids,
                sensitive=_bool(data.get("sensitive", False)),
            )
            claim.remember(tweet.pk)
        return status_response(request, _visible_tweet(request, tweet.pk))


class StatusApi(MastodonView):
    scopes = {"GET": None, "DELETE": "write:statuses"}

    def get(self, request, pk):
        return status_response(request, _visible_tweet(request, pk))

    def delete(self, request, pk):
        tweet = _visible_tweet(request, pk)
        response = status_response(request, tweet)
        tweet_services.tweet_delete(tweet=tweet, actor=request.user)
        return response


class StatusContextApi(MastodonView):
    scopes = {"GET": None}

    def get(self, request, pk):
        thread = tweet_selectors.tweet_context(
            viewer=request.user, tweet_id=_int(pk, "id") or 0, limit=MAX_LIMIT * 2
        )
        tweets = [*thread.ancestors, *reversed(thread.replies.items)]
        context = entities.StatusContext(
            request, tweet_context(request, tweets)["mention_usernames"]
        )
        return Response(
            {
                "ancestors": [entities.status(context, t) for t in thread.ancestors],
                "descendants": [
                    entities.status(context, t) for t in reversed(thread.replies.items)
                ],
            }
        )


class StatusActionApi(MastodonView):
    """favourite, reblog, bookmark and their undo: the service, then the status as it is now."""

    throttle_classes = [WriteThrottle]
    ACTIONS = {
        "favourite": ("write:favourites", tweet_services.like_create),
        "unfavourite": ("write:favourites", tweet_services.like_delete),
        "reblog": ("write:statuses", tweet_services.retweet_create),
        "unreblog": ("write:statuses", tweet_services.retweet_delete),
        "bookmark": ("write:bookmarks", tweet_services.bookmark_create),
        "unbookmark": ("write:bookmarks", tweet_services.bookmark_delete),
    }
    action = ""

    @property
    def scopes(self):
        return {"POST": self.ACTIONS[self.action][0]}

    def post(self, request, pk):
        tweet = _visible_tweet(request, pk)
        self.ACTIONS[self.action][1](user=request.user, tweet_id=tweet.pk)
        return status_response(request, _visible_tweet(request, tweet.pk))


# Timelines.


class HomeTimelineApi(MastodonView):
    scopes = {"GET": "read:statuses"}

    def get(self, request):
        items, headers = paged(
            request,
            lambda cursor, limit: timeline_home(viewer=request.user, cursor=cursor, limit=limit),
        )
        return statuses_response(request, items, headers)


class PublicTimelineApi(MastodonView):
    scopes = {"GET": None}

    def get(self, request):
        items, headers = paged(
            request,
            lambda cursor, limit: tweet_selectors.tweets_recent(
                viewer=request.user, cursor=cursor, limit=limit
            ),
        )
        return statuses_response(request, items, headers)


class TagTimelineApi(MastodonView):
    scopes = {"GET": None}

    def get(self, request, tag):
        items, headers = paged(
            request,
            lambda cursor, limit: tweet_selectors.tweets_by_hashtag(
                viewer=request.user, tag=tag, cursor=cursor, limit=limit
            ),
        )
        return statuses_response(request, items, headers)


# Notifications.


class NotificationsApi(MastodonView):
    scopes = {"GET": "read:notifications"}

    def get(self, request):
        wanted = set(_list_param(request.query_params, "types"))
        excluded = set(_list_param(request.query_params, "exclude_types"))
        types = [
            ours
            for ours, theirs in NOTIFICATION_TYPES.items()
            if (not wanted or theirs in wanted) and theirs not in excluded
        ]
        if not types:
            return Response([])

        def fetch(cursor, limit):
            return notifications_page(viewer=request.user, types=types, cursor=cursor, limit=limit)

        items, headers = paged(request, fetch, cursor_for=_id_cursor)
        tweets = [item.tweet for item in items if item.tweet is not None]
        context = entities.StatusContext(
            request, tweet_context(request, tweets)["mention_usernames"]
        )
        data = [
            {
                "id": str(item.pk),
                "type": NOTIFICATION_TYPES[item.type],
                "created_at": entities._iso(item.created_at),
                "group_key": f"ungrouped-{item.pk}",
                "account": entities.account(request, item.actor),
                "status": entities.status(context, item.tweet) if item.tweet is not None else None,
            }
            for item in items
        ]
        return Response(data, headers=headers)
