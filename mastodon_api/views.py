"""Mastodon-compatible client API (docs/api.md "Mastodon-compatible API").

Each view parses Mastodon's parameters, calls the project's services and selectors (the same
rules as the HTML pages and the project's own API) and renders Mastodon's entities. Errors are
{"error": "..."} with Mastodon's status codes: 401 without a valid token, 403 for a missing
scope, 404 for anything the viewer may not see, 422 for bad input.
"""

import base64
import zlib
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import HttpResponse
from django.utils.html import escape
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework import exceptions, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Privacy, User
from media.models import Use
from media.services import profile_image_set, upload_create
from notifications import services as notification_services
from notifications.selectors import notifications_page
from notifications.services import notification_settings_marker
from search import selectors as search_selectors
from search.selectors import hashtags_trending
from social import services as social_services
from social.selectors import (
    blocks_list,
    follow_requests_incoming,
    followers_list,
    following_list,
    mutes_list,
    profile_access,
    profile_visible_q,
    relationship_get,
    user_get_profile,
    user_visible_q,
)
from social.services import profile_settings_update
from social.suggestions import MAX_SUGGESTIONS, suggestions_for
from timelines.selectors import timeline_home
from tweets import selectors as tweet_selectors
from tweets import services as tweet_services
from tweets.api.serializers import tweet_context
from tweets.models import Tweet
from twitterclone.api import PostThrottle, WriteThrottle, exception_handler
from twitterclone.pagination import (
    CURSOR_INVALID,
    Page,
    cursor_bind,
    cursor_encode,
    cursor_unbind,
)

from . import cors, discovery, entities, idempotency, oauth, ratelimit, scopes
from .models import Timeline
from .selectors import following_ids, marker_get, tweet_likers, tweet_retweeters
from .services import marker_set

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


def paged(
    request, fetch, *, cursor_for=_tweet_cursor, default=DEFAULT_LIMIT, maximum=MAX_LIMIT
) -> tuple[list, dict]:
    """Return (items, Link header) for `fetch(cursor, limit) -> Page`, newest first."""
    limit = _limit(request, default, maximum)
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
            newer = [item for item in page.items if item.id > lower]
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
    rest = [
        (k, v)
        for k, values in request.query_params.lists()
        if k not in {"max_id", "min_id", "since_id"}
        for v in values
    ]
    next_url = f"{base}?{urlencode([*rest, ('max_id', items[-1].id)])}"
    prev_url = f"{base}?{urlencode([*rest, ('min_id', items[0].id)])}"
    return {"Link": f'<{next_url}>; rel="next", <{prev_url}>; rel="prev"'}


# The Account columns a tweet card leaves out (tweets.cards defers what the card does not
# show) or a notification's actor was not read with.
ACCOUNT_EXTRA_FIELDS = (
    "bio",
    "created_at",
    "header_file",
    "tweets_count",
    "followers_count",
    "following_count",
)


def _complete_accounts(users, *, built: bool = False) -> None:
    """Give `users` every column an Account shows, in one query for the whole page.

    Without it each deferred column is a query per author. `built`: the users were made from
    a selector's columns (notification actors), so every extra field is filled. They passed
    the rule already; this only reads their rows by id.
    """
    missing = {
        user.pk for user in users if built or set(ACCOUNT_EXTRA_FIELDS) & user.get_deferred_fields()
    }
    if not missing:
        return
    rows = User.objects.only(*ACCOUNT_EXTRA_FIELDS).in_bulk(missing)
    for user in users:
        row = rows.get(user.pk)
        if row is None:
            continue
        deferred = user.get_deferred_fields()
        for name in ACCOUNT_EXTRA_FIELDS:
            if built or name in deferred:
                setattr(user, name, getattr(row, name))


def _status_accounts(tweets) -> list[User]:
    """The authors a list of statuses renders: each status's, a reblog's or quote's original's."""
    users = []
    for tweet in tweets:
        users.append(tweet.user)
        if tweet.original_tweet_id and tweet.original_tweet is not None:
            users.append(tweet.original_tweet.user)
    return users


def status_context(request, tweets) -> "entities.StatusContext":
    """Everything a list of statuses needs once: mentions' names, the authors' columns."""
    _complete_accounts(_status_accounts(tweets))
    shown = [
        *tweets,
        *(t.original_tweet for t in tweets if t.original_tweet_id and t.original_tweet),
    ]
    reply_to_ids = {t.reply_to_id for t in shown if t.reply_to_id}
    # Only the author's id of each replied-to status, as the row holds it (Mastodon sends it).
    reply_authors = (
        dict(Tweet.objects.filter(pk__in=reply_to_ids).values_list("pk", "user_id"))
        if reply_to_ids
        else {}
    )
    names = tweet_context(request, tweets)["mention_usernames"]
    return entities.StatusContext(request, names, reply_authors)


def statuses_response(request, tweets, headers=None, code=status.HTTP_200_OK) -> Response:
    context = status_context(request, tweets)
    data = [entities.status(context, tweet) for tweet in tweets]
    return Response(data, status=code, headers=headers)


def status_response(request, tweet, code=status.HTTP_200_OK) -> Response:
    context = status_context(request, [tweet])
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
        context = status_context(request, tweets)
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


# Mastodon's page sizes for lists of notifications and of accounts.
LONG_DEFAULT_LIMIT = 40
LONG_MAX_LIMIT = 80


def _notification_types(request) -> list[str]:
    """The project's types for `types[]` and `exclude_types[]` (Mastodon's names).

    As Mastodon does, a type this server never sends (`poll`, `update`, ...) matches nothing
    and is not an error.
    """
    wanted = set(_list_param(request.query_params, "types"))
    excluded = set(_list_param(request.query_params, "exclude_types"))
    return [
        ours
        for ours, theirs in NOTIFICATION_TYPES.items()
        if (not wanted or theirs in wanted) and theirs not in excluded
    ]


def _notification(request, item, context) -> dict:
    return {
        "id": str(item.pk),
        "type": NOTIFICATION_TYPES[item.type],
        "created_at": entities._iso(item.created_at),
        "group_key": f"ungrouped-{item.pk}",
        "account": entities.account(request, item.actor),
        "status": entities.status(context, item.tweet) if item.tweet is not None else None,
    }


def notifications_response(request, items, headers=None) -> Response:
    _complete_accounts([item.actor for item in items], built=True)
    tweets = [item.tweet for item in items if item.tweet is not None]
    context = status_context(request, tweets)
    data = [_notification(request, item, context) for item in items]
    return Response(data, headers=headers)


def _visible_notification(request, pk):
    """The viewer's notification `pk` if the rule shows it (notifications_page), else 404."""
    wanted = _int(pk, "id") or 0
    page = notifications_page(
        viewer=request.user,
        types=list(NOTIFICATION_TYPES),
        cursor=_id_cursor(wanted + 1),
        limit=1,
    )
    if not page.items or page.items[0].pk != wanted:
        raise exceptions.NotFound(NOT_FOUND)
    return page.items[0]


class NotificationsApi(MastodonView):
    scopes = {"GET": "read:notifications"}

    def get(self, request):
        types = _notification_types(request)
        if not types:
            return Response([])

        def fetch(cursor, limit):
            return notifications_page(viewer=request.user, types=types, cursor=cursor, limit=limit)

        items, headers = paged(
            request,
            fetch,
            cursor_for=_id_cursor,
            default=LONG_DEFAULT_LIMIT,
            maximum=LONG_MAX_LIMIT,
        )
        return notifications_response(request, items, headers)


class NotificationApi(MastodonView):
    scopes = {"GET": "read:notifications"}

    def get(self, request, pk):
        return Response(
            notifications_response(request, [_visible_notification(request, pk)]).data[0]
        )


class NotificationDismissApi(MastodonView):
    scopes = {"POST": "write:notifications"}
    throttle_classes = [WriteThrottle]

    def post(self, request, pk):
        item = _visible_notification(request, pk)
        notification_services.notification_dismiss(user=request.user, notification_id=item.pk)
        return Response({})


class NotificationsClearApi(MastodonView):
    scopes = {"POST": "write:notifications"}
    throttle_classes = [WriteThrottle]

    def post(self, request):
        notification_services.notifications_clear(user=request.user)
        return Response({})


class GroupedNotificationsApi(MastodonView):
    """GET /api/v2/notifications: Mastodon's GroupedNotificationsResults.

    The groups are the project's (notifications.grouping: likes and reblogs of one status per
    UTC day, follows per UTC day, every other type alone), read with notifications_page's
    grouped selector; `grouped_types[]` and `expand_accounts` are ignored.
    """

    scopes = {"GET": "read:notifications"}

    def get(self, request):
        types = _notification_types(request)
        groups, headers = [], {}
        if types:

            def fetch(cursor, limit):
                return notifications_page(
                    viewer=request.user, types=types, grouped=True, cursor=cursor, limit=limit
                )

            groups, headers = paged(
                request,
                fetch,
                cursor_for=_id_cursor,
                default=LONG_DEFAULT_LIMIT,
                maximum=LONG_MAX_LIMIT,
            )
        accounts = {actor.pk: actor for group in groups for actor in group.actors}
        _complete_accounts(list(accounts.values()), built=True)
        tweets = {group.tweet.pk: group.tweet for group in groups if group.tweet is not None}
        context = status_context(request, list(tweets.values()))
        data = {
            "accounts": [entities.account(request, user) for user in accounts.values()],
            "statuses": [entities.status(context, tweet) for tweet in tweets.values()],
            "notification_groups": [
                entities.notification_group(group, NOTIFICATION_TYPES[group.type])
                for group in groups
            ],
        }
        return Response(data, headers=headers)


# Accounts: the graph.


def _cursor_paged(request, fetch, *, default=LONG_DEFAULT_LIMIT, maximum=LONG_MAX_LIMIT):
    """(items, Link header) for lists the selectors page by their own keyset cursor.

    Follows, blocks, mutes, likes and bookmarks are ordered by when the edge was made, not by
    an id a client knows: as Mastodon does for these lists, `max_id` is only what the `next`
    link carries (here the selector's signed cursor, bound to this list); no `prev` link.
    """
    limit = _limit(request, default, maximum)
    scope = request.path.rstrip("/")
    raw = request.query_params.get("max_id") or None
    cursor = cursor_unbind(_unarmor(raw), scope=scope) if raw else None
    page = fetch(cursor, limit)
    headers = {}
    if page.next_cursor:
        base = request.build_absolute_uri(request.path)
        rest = [
            (k, v)
            for k, values in request.query_params.lists()
            if k not in {"max_id", "min_id", "since_id"}
            for v in values
        ]
        token = _armor(cursor_bind(page.next_cursor, scope=scope))
        headers["Link"] = f'<{base}?{urlencode([*rest, ("max_id", token)])}>; rel="next"'
    return page.items, headers


def _armor(token: str) -> str:
    """The cursor in URL-safe base64: clients (Mastodon.py) copy `max_id` out of the link
    without decoding it, so it must need no percent-encoding."""
    return base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")


def _unarmor(value: str) -> str:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise exceptions.ValidationError({"max_id": [CURSOR_INVALID]}) from None


def accounts_response(request, users, headers=None) -> Response:
    return Response([entities.account(request, user) for user in users], headers=headers)


def relationship_response(request, user: User) -> Response:
    return Response(entities.relationship(user, relationship_get(viewer=request.user, user=user)))


class AccountFollowersApi(MastodonView):
    """Followers or followings: the project's lists, 404 where its own API answers 404."""

    scopes = {"GET": None}
    following = False

    def get(self, request, pk):
        user = _visible_user(request, pk)
        selector = following_list if self.following else followers_list
        items, headers = _cursor_paged(
            request,
            lambda cursor, limit: selector(
                viewer=request.user, user=user, cursor=cursor, limit=limit
            ),
        )
        return accounts_response(request, items, headers)


class AccountSearchApi(MastodonView):
    scopes = {"GET": "read:accounts"}

    def get(self, request):
        query = str(request.query_params.get("q", ""))[:MAX_QUERY_LENGTH]
        limit = _limit(request, LONG_DEFAULT_LIMIT, LONG_MAX_LIMIT)
        offset = min(_int(request.query_params.get("offset"), "offset") or 0, MAX_OFFSET)
        users = _users_found(request, query, offset=offset, limit=limit)
        if _bool(request.query_params.get("following", "")):
            # A filter over the page the search found: a shorter page (documented).
            followed = set(following_ids(viewer=request.user, among=[user.pk for user in users]))
            users = [user for user in users if user.pk in followed]
        return accounts_response(request, users)


def _walk(fetch, *, offset: int, limit: int) -> list:
    """Items offset..offset+limit of a cursor-paged selector (Mastodon's `offset`)."""
    items, cursor = [], None
    while len(items) < offset + limit:
        page = fetch(cursor, min(100, offset + limit - len(items)))
        items.extend(page.items)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    return items[offset : offset + limit]


def _users_found(request, query: str, *, offset: int, limit: int) -> list[User]:
    users = _walk(
        lambda cursor, size: search_selectors.users_search(
            viewer=request.user, query=query, cursor=cursor, limit=size
        ),
        offset=offset,
        limit=limit,
    )
    own = _blocked_or_muted_named(request, query) if offset == 0 and limit > 0 else None
    if own is not None and all(user.pk != own.pk for user in users):
        users = [own, *users][:limit]
    return users


def _blocked_or_muted_named(request, query: str) -> User | None:
    """The account named exactly by `query` ("bob", "@bob", "bob@this-host") if the viewer
    blocked or muted it.

    People search leaves the accounts the viewer blocked or muted out (search.selectors.
    users_search), but clients find an account by searching its name before they unblock or
    unmute it (toot does): the exact name still finds it, for that viewer only, shown as much
    as its profile shows them (a private account stays a handle), as GET /api/v1/blocks does.
    """
    if not request.user.is_authenticated:
        return None
    username, _, host = query.strip().removeprefix("@").partition("@")
    hosts = {request.get_host().lower(), request.get_host().split(":")[0].lower()}
    if host and host.lower() not in hosts:
        return None
    try:
        user = user_get_profile(viewer=request.user, username=username)
    except User.DoesNotExist:
        return None
    relationship = relationship_get(viewer=request.user, user=user)
    if not (relationship.blocking or relationship.muting):
        return None
    user.access = profile_access(viewer=request.user, user=user)
    return user


class AccountActionApi(MastodonView):
    """block, unblock, mute, unmute, remove_from_followers: the service, then the Relationship.

    Mute's `notifications` and `duration` are ignored: a mute here is forever and always
    hides the account's notifications (social.selectors.unmuted_q).
    """

    throttle_classes = [WriteThrottle]
    ACTIONS = {
        "block": "write:blocks",
        "unblock": "write:blocks",
        "mute": "write:mutes",
        "unmute": "write:mutes",
        "remove_from_followers": "write:follows",
    }
    action = ""

    @property
    def scopes(self):
        return {"POST": self.ACTIONS[self.action]}

    def post(self, request, pk):
        me = request.user
        if self.action in {"block", "unblock", "unmute"}:
            # As the project's API: whoever the viewer blocked can be blocked again, unblocked
            # or unmuted (social.selectors.user_get_blockable, user_get_profile).
            user = _profile_by_id(request, pk)
        else:
            user = _visible_user(request, pk)
        if self.action == "block":
            social_services.block_create(blocker=me, blocked=user)
        elif self.action == "unblock":
            social_services.block_delete(blocker=me, blocked=user)
        elif self.action == "mute":
            social_services.mute_create(muter=me, muted=user)
        elif self.action == "unmute":
            social_services.mute_delete(muter=me, muted=user)
        else:
            social_services.follower_remove(user=me, follower=user)
        return relationship_response(request, user)


class UpdateCredentialsApi(MastodonView):
    """PATCH /api/v1/accounts/update_credentials: the same rules as the project's PATCH /me.

    `display_name`, `note` (the bio), `locked` (true: protected, unless already private;
    false: public), `avatar` and `header` (multipart images through the media app: checked,
    re-encoded, cropped square or 3:1). Other fields (`fields_attributes`, `bot`,
    `discoverable`, `source[...]`) are ignored. A bad value anywhere writes nothing.
    """

    scopes = {"PATCH": "write:accounts"}
    throttle_classes = [WriteThrottle]

    def patch(self, request):
        data = request.data
        user = request.user
        privacy = None
        if "locked" in data:
            locked = _bool(data.get("locked"))
            if not locked:
                privacy = Privacy.PUBLIC
            elif user.privacy == Privacy.PUBLIC:
                privacy = Privacy.PROTECTED
        files = {use: request.FILES.get(use) for use in (Use.AVATAR, Use.HEADER)}
        with transaction.atomic():
            user = profile_settings_update(
                user=user,
                display_name=_text(data, "display_name"),
                bio=_text(data, "note"),
                privacy=privacy,
            )
            for use, file in files.items():
                if file is not None:
                    upload = upload_create(owner=user, file=file)
                    user = profile_image_set(user=user, upload_id=upload.pk, use=use)
        return Response(entities.credential_account(request, user))


def _text(data, name: str) -> str | None:
    if name not in data:
        return None
    value = data.get(name)
    if not isinstance(value, str):
        raise exceptions.ValidationError({name: ["must be text"]})
    return value


class FollowRequestsApi(MastodonView):
    scopes = {"GET": "read:follows"}

    def get(self, request):
        items, headers = _cursor_paged(
            request,
            lambda cursor, limit: follow_requests_incoming(
                user=request.user, cursor=cursor, limit=limit
            ),
        )
        return accounts_response(request, items, headers)


class FollowRequestAnswerApi(MastodonView):
    scopes = {"POST": "write:follows"}
    throttle_classes = [WriteThrottle]
    approve = True

    def post(self, request, pk):
        requester = _visible_user(request, pk)
        answer = (
            social_services.follow_request_approve
            if self.approve
            else social_services.follow_request_reject
        )
        if not answer(owner=request.user, requester=requester):
            raise exceptions.NotFound(NOT_FOUND)
        return relationship_response(request, requester)


class BlocksApi(MastodonView):
    scopes = {"GET": "read:blocks"}

    def get(self, request):
        items, headers = _cursor_paged(
            request,
            lambda cursor, limit: blocks_list(user=request.user, cursor=cursor, limit=limit),
        )
        return accounts_response(request, items, headers)


class MutesApi(MastodonView):
    scopes = {"GET": "read:mutes"}

    def get(self, request):
        items, headers = _cursor_paged(
            request,
            lambda cursor, limit: mutes_list(viewer=request.user, cursor=cursor, limit=limit),
        )
        return accounts_response(request, items, headers)


class BookmarksApi(MastodonView):
    scopes = {"GET": "read:bookmarks"}

    def get(self, request):
        items, headers = _cursor_paged(
            request,
            lambda cursor, limit: tweet_selectors.bookmarks_list(
                viewer=request.user, cursor=cursor, limit=limit
            ),
            default=DEFAULT_LIMIT,
            maximum=MAX_LIMIT,
        )
        return statuses_response(request, items, headers)


class FavouritesApi(MastodonView):
    scopes = {"GET": "read:favourites"}

    def get(self, request):
        items, headers = _cursor_paged(
            request,
            lambda cursor, limit: tweet_selectors.tweets_liked_by(
                viewer=request.user, user=request.user, cursor=cursor, limit=limit
            ),
            default=DEFAULT_LIMIT,
            maximum=MAX_LIMIT,
        )
        return statuses_response(request, items, headers)


class StatusAccountsApi(MastodonView):
    """favourited_by and reblogged_by of a status the viewer may see."""

    scopes = {"GET": None}
    reblogged = False

    def get(self, request, pk):
        tweet = _visible_tweet(request, pk)
        selector = tweet_retweeters if self.reblogged else tweet_likers
        items, headers = _cursor_paged(
            request,
            lambda cursor, limit: selector(
                viewer=request.user, tweet=tweet, cursor=cursor, limit=limit
            ),
        )
        return accounts_response(request, items, headers)


# Markers.


class MarkersApi(MastodonView):
    scopes = {"GET": "read:statuses", "POST": "write:statuses"}

    def get(self, request):
        asked = _list_param(request.query_params, "timeline")
        return Response(
            {
                timeline: self._marker(request, marker_get(user=request.user, timeline=timeline))
                for timeline in Timeline.values
                if timeline in asked
            }
        )

    def post(self, request):
        data = request.data
        moves = {}
        for timeline in Timeline.values:
            value = data.get(timeline)
            if value is None and hasattr(data, "get"):
                value = data.get(f"{timeline}[last_read_id]")
            if isinstance(value, dict):
                value = value.get("last_read_id")
            if value is not None:
                moves[timeline] = _int(value, f"{timeline}[last_read_id]")
        answer = {}
        with transaction.atomic():
            for timeline, last_read_id in moves.items():
                marker = marker_set(user=request.user, timeline=timeline, last_read_id=last_read_id)
                answer[timeline] = self._marker(request, marker)
        return Response(answer)

    def _marker(self, request, marker) -> dict:
        last_read_id = marker.last_read_id
        if marker.timeline == Timeline.NOTIFICATIONS:
            last_read_id = notification_settings_marker(user=request.user)
        return entities.marker(marker, last_read_id)


# Search, trends, suggestions and the rest.

MAX_OFFSET = 1000
MAX_QUERY_LENGTH = 100
SEARCH_TYPES = {"accounts", "statuses", "hashtags"}


class SearchApi(MastodonView):
    """GET /api/v2/search over the project's search selectors (the visibility rule inside).

    accounts: name or username prefix (search.selectors.users_search); statuses: full text,
    newest first (tweets_search); hashtags: the tag itself, then trending tags that start
    with it, each only when a status the viewer may see carries it. `resolve`, `account_id`,
    `exclude_unreviewed`, `following` are ignored; `offset` walks the selectors' pages (at
    most 1000).
    """

    scopes = {"GET": None}

    def get(self, request):
        params = request.query_params
        query = str(params.get("q", "")).strip()[:MAX_QUERY_LENGTH]
        kind = params.get("type") or None
        if kind is not None and kind not in SEARCH_TYPES:
            raise exceptions.ValidationError({"type": ["is invalid"]})
        limit = _limit(request)
        offset = min(_int(params.get("offset"), "offset") or 0, MAX_OFFSET)
        answer = {"accounts": [], "statuses": [], "hashtags": []}
        if not query:
            return Response(answer)
        if kind in (None, "accounts"):
            users = _users_found(request, query, offset=offset, limit=limit)
            answer["accounts"] = [entities.account(request, user) for user in users]
        if kind in (None, "statuses"):
            tweets = _walk(
                lambda cursor, size: search_selectors.tweets_search(
                    viewer=request.user, query=query, cursor=cursor, limit=size
                ),
                offset=offset,
                limit=limit,
            )
            context = status_context(request, tweets)
            answer["statuses"] = [entities.status(context, tweet) for tweet in tweets]
        if kind in (None, "hashtags"):
            tags = self._hashtags(request, query)[offset : offset + limit]
            answer["hashtags"] = [entities.tag(request, name) for name in tags]
        return Response(answer)

    def _hashtags(self, request, query: str) -> list[str]:
        tag = query.removeprefix("#").lower()
        if not tag or not all(ch.isalnum() or ch == "_" for ch in tag):
            return []
        trending = [trend.tag for trend in hashtags_trending(limit=20)]
        candidates = [tag, *(name for name in trending if name.startswith(tag) and name != tag)]
        # Each tag only if the viewer may see a status carrying it (the rule, as the tag page).
        return [
            name
            for name in candidates
            if tweet_selectors.tweets_by_hashtag(viewer=request.user, tag=name, limit=1).items
        ]


class TrendingTagsApi(MastodonView):
    scopes = {"GET": None}

    def get(self, request):
        limit = _limit(request, default=10, maximum=20)
        offset = min(_int(request.query_params.get("offset"), "offset") or 0, 20)
        trends = hashtags_trending(limit=20)[offset : offset + limit]
        return Response([entities.trending_tag(request, trend) for trend in trends])


class SuggestionsApi(MastodonView):
    scopes = {"GET": "read:accounts"}

    def get(self, request):
        limit = _limit(request, LONG_DEFAULT_LIMIT, LONG_MAX_LIMIT)
        people = suggestions_for(viewer=request.user, limit=min(limit, MAX_SUGGESTIONS))
        return Response([entities.suggestion(request, person) for person in people])


class PreferencesApi(MastodonView):
    scopes = {"GET": "read:accounts"}

    def get(self, request):
        return Response(entities.preferences(request.user))


class CustomEmojisApi(MastodonView):
    scopes = {"GET": None}

    def get(self, request):
        return Response([])
