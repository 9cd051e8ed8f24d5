"""Mastodon's entities (its documentation's field lists) built from the project's objects.

Nothing here decides who sees what: every tweet and account comes from a selector that applied
the visibility rule, and mentions are named through tweets.api.serializers.tweet_context (the
same rule the project's API uses).
"""

import re
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.urls import reverse

from accounts.models import Privacy, User
from media.api.serializers import absolute_media_url
from media.models import MAX_ALT_TEXT_LENGTH
from media.processing import PREVIEW_SIDE
from media.services import MAX_MEDIA_PER_TWEET
from social.selectors import ProfileAccess, Relationship
from tweets.models import MAX_CONTENT_LENGTH, Tweet
from tweets.templatetags.tweet_ui import linkify
from tweets.visibility import tweet_shareable

# The Mastodon API version clients see: Mastodon.py enables its methods by this number.
MASTODON_VERSION = "4.3.0"
SOURCE_URL = "https://example.invalid/twitterclone"
_RELATIVE_HREF = re.compile(r'href="/')
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def html(request, text: str) -> str:
    """Return `text` as Mastodon's HTML: escaped, linked (tweet_ui.linkify), one paragraph."""
    if not text:
        return ""
    base = request.build_absolute_uri("/")
    return "<p>" + _RELATIVE_HREF.sub(f'href="{base}', str(linkify(text))) + "</p>"


def _absolute(request, url: str) -> str:
    return request.build_absolute_uri(url) if url.startswith("/") else url


def avatar_url(request, user: User) -> str:
    src = user.avatar_src
    if src:
        return _absolute(request, src)
    # A letter avatar (mastodon_api.views.letter_avatar): clients need an image URL.
    return request.build_absolute_uri(reverse("mastodon-letter-avatar", kwargs={"pk": user.pk}))


def account(request, user: User) -> dict:
    """Mastodon's Account: https://docs.joinmastodon.org/entities/Account/.

    `user.access` (social.selectors.ProfileAccess, set by the view or the selector) says how
    much the viewer may see; without it the account is a visible tweet's author (the card).
    A private account the viewer does not follow is its handle only, as everywhere else.
    """
    url = request.build_absolute_uri(user.get_absolute_url())
    if getattr(user, "access", ProfileAccess.CARD) == ProfileAccess.MINIMAL:
        letter = request.build_absolute_uri(
            reverse("mastodon-letter-avatar", kwargs={"pk": user.pk})
        )
        return {
            **_account_fields(user, url, note="", avatar=letter, header=""),
            "display_name": "",
            "statuses_count": 0,
            "followers_count": 0,
            "following_count": 0,
        }
    avatar = avatar_url(request, user)
    header = _absolute(request, user.header_src) if user.header_src else ""
    return _account_fields(user, url, note=html(request, user.bio), avatar=avatar, header=header)


def _account_fields(user: User, url: str, *, note: str, avatar: str, header: str) -> dict:
    return {
        "id": str(user.pk),
        "username": user.username,
        "acct": user.username,
        "url": url,
        "uri": url,
        "display_name": user.display_name,
        "note": note,
        "avatar": avatar,
        "avatar_static": avatar,
        "avatar_description": "",
        "header": header,
        "header_static": header,
        "header_description": "",
        "locked": user.privacy != Privacy.PUBLIC,
        "fields": [],
        "emojis": [],
        "bot": False,
        "group": False,
        "discoverable": user.privacy == Privacy.PUBLIC,
        "indexable": user.privacy == Privacy.PUBLIC,
        "noindex": user.privacy != Privacy.PUBLIC,
        "hide_collections": False,
        "show_media": True,
        "show_media_replies": True,
        "show_featured": False,
        # Collections do not exist here: nobody may feature the account.
        "feature_approval": {"automatic": [], "manual": [], "current_user": "denied"},
        "created_at": _iso(user.created_at),
        "last_status_at": None,
        "statuses_count": user.tweets_count,
        "followers_count": user.followers_count,
        "following_count": user.following_count,
        "roles": [],
    }


def credential_account(request, user: User) -> dict:
    """Account with `source` (verify_credentials): the viewer's own raw note and privacy."""
    data = account(request, user)
    data["source"] = {
        "note": user.bio,
        "fields": [],
        "privacy": "public" if user.privacy == Privacy.PUBLIC else "private",
        "sensitive": False,
        "language": "",
        "follow_requests_count": 0,
    }
    return data


def relationship(user: User, rel: Relationship) -> dict:
    """Mastodon's Relationship from social.selectors.relationship_get."""
    return {
        "id": str(user.pk),
        "following": rel.following,
        "showing_reblogs": rel.following,
        "notifying": False,
        "languages": None,
        "followed_by": rel.followed_by,
        "blocking": rel.blocking,
        "blocked_by": False,
        "muting": rel.muting,
        "muting_notifications": rel.muting,
        "muting_expires_at": None,  # a mute here is forever
        "requested": rel.requested,
        "requested_by": False,
        "domain_blocking": False,
        "endorsed": False,
        "note": "",
    }


def _meta(width: int, height: int) -> dict:
    return {
        "width": width,
        "height": height,
        "size": f"{width}x{height}",
        "aspect": width / height if height else 1,
    }


def _preview_size(width: int, height: int) -> tuple[int, int]:
    """The preview's size: the original fitted to PREVIEW_SIDE (media.processing._fit)."""
    if max(width, height) <= PREVIEW_SIDE:
        return width, height
    scale = PREVIEW_SIDE / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _attachment(request, item: dict) -> dict:
    """Mastodon's MediaAttachment: https://docs.joinmastodon.org/entities/MediaAttachment/.

    An animated GIF is stored and served as a GIF (never converted to a video), so its type
    is "image": a client shows it with an image element, which animates it; Mastodon's
    "gifv" would make clients play the URL as a video.
    """
    url = absolute_media_url(request, item["file"])
    preview = absolute_media_url(request, item["preview"])
    width, height = item["width"], item["height"]
    return {
        "id": str(item["id"]),
        "type": "image",
        "url": url,
        "preview_url": preview,
        "remote_url": None,
        "preview_remote_url": None,
        "text_url": None,
        "meta": {
            "original": _meta(width, height),
            "small": _meta(*_preview_size(width, height)),
            "focus": {"x": 0.0, "y": 0.0},
        },
        "description": item["alt_text"] or None,
        "blurhash": item["blurhash"] or None,
    }


def upload_attachment(request, upload) -> dict:
    """A MediaAttachment for an upload that is not posted yet (POST /api/v2/media)."""
    return _attachment(request, upload.as_media())


class StatusContext:
    """What rendering a list of statuses needs once: the request and the mentions' names."""

    def __init__(
        self,
        request,
        mention_usernames: dict[int, str],
        reply_authors: dict[int, int] | None = None,
    ):
        self.request = request
        self.mention_usernames = mention_usernames
        # The author of each replied-to status, read once for the page (None: read per status).
        self.reply_authors = reply_authors


def _visibility(author: User) -> str:
    # A protected or private account's tweets reach approved followers only: Mastodon's private.
    return "public" if author.privacy == Privacy.PUBLIC else "private"


def status(context: StatusContext, tweet: Tweet) -> dict:
    """Mastodon's Status: https://docs.joinmastodon.org/entities/Status/."""
    request = context.request
    reblog = None
    shown = tweet
    if tweet.is_plain_retweet:
        original = tweet.original_tweet
        # The row's flags are about what it shows: the original (as in the project's API).
        for flag in ("viewer_liked", "viewer_retweeted", "viewer_bookmarked"):
            setattr(original, flag, getattr(tweet, flag, False))
        reblog = status(context, original)
        shown = original
    url = request.build_absolute_uri(tweet.get_absolute_url())
    names = context.mention_usernames
    mentions = [
        {
            "id": str(pk),
            "username": names[pk],
            "acct": names[pk],
            "url": request.build_absolute_uri(reverse("profile", kwargs={"username": names[pk]})),
        }
        for pk in shown.mentions
        if pk in names
    ]
    tags = [
        {"name": tag, "url": request.build_absolute_uri(reverse("hashtag", kwargs={"tag": tag}))}
        for tag in shown.hashtags
    ]
    quote = None
    if tweet.is_quote and getattr(tweet, "quote_visible", False):
        quote = {"state": "accepted", "quoted_status": status(context, tweet.original_tweet)}
    return {
        "id": str(tweet.pk),
        "uri": url,
        "url": url,
        "created_at": _iso(tweet.created_at),
        "account": account(request, tweet.user),
        "content": "" if reblog else html(request, tweet.content),
        "visibility": _visibility(tweet.user),
        "sensitive": bool(shown.sensitive),
        "spoiler_text": "",
        "media_attachments": [] if reblog else [_attachment(request, m) for m in tweet.media],
        "application": None,
        "mentions": mentions,
        "tags": tags,
        "emojis": [],
        "reblogs_count": shown.retweet_count,
        "favourites_count": shown.like_count,
        "replies_count": shown.reply_count,
        "quotes_count": 0,
        "in_reply_to_id": str(tweet.reply_to_id) if tweet.reply_to_id else None,
        "in_reply_to_account_id": _reply_author(context, tweet),
        "reblog": reblog,
        "quote": quote,
        "quote_approval": _quote_approval(context, shown),
        "poll": None,
        "card": None,
        "language": None,
        "text": None,
        "edited_at": None,
        "favourited": bool(getattr(tweet, "viewer_liked", False)),
        "reblogged": bool(getattr(tweet, "viewer_retweeted", False)),
        "muted": bool(getattr(tweet, "viewer_muted", "")),
        "bookmarked": bool(getattr(tweet, "viewer_bookmarked", False)),
        "pinned": False,
        "filtered": [],
        "tagged_collections": [],
    }


def notification(context: StatusContext, item, kind: str) -> dict:
    """Mastodon's Notification for a row of notifications.selectors.notifications_page."""
    request = context.request
    return {
        "id": str(item.pk),
        "type": kind,
        "created_at": _iso(item.created_at),
        "group_key": f"ungrouped-{item.pk}",
        "account": account(request, item.actor),
        "status": status(context, item.tweet) if item.tweet is not None else None,
    }


def _reply_author(context: StatusContext, tweet: Tweet) -> str | None:
    if not tweet.reply_to_id:
        return None
    if context.reply_authors is not None:
        author = context.reply_authors.get(tweet.reply_to_id)
        return str(author) if author is not None else None
    reply_to = getattr(tweet, "reply_to", None)
    return str(reply_to.user_id) if reply_to is not None else None


def _quote_approval(context: StatusContext, tweet: Tweet) -> dict:
    """Who may quote `tweet`: anyone when it may be shared (tweets.visibility), else nobody."""
    if not tweet_shareable(tweet=tweet):
        return {"automatic": [], "manual": [], "current_user": "denied"}
    signed_in = context.request.user.is_authenticated
    return {
        "automatic": ["public"],
        "manual": [],
        "current_user": "automatic" if signed_in else "unknown",
    }


def _limits() -> dict:
    return {
        "statuses": {
            "max_characters": MAX_CONTENT_LENGTH,
            "max_media_attachments": MAX_MEDIA_PER_TWEET,
            "characters_reserved_per_url": 23,
        },
        "media_attachments": {
            "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
            "image_size_limit": settings.MEDIA_MAX_UPLOAD_BYTES,
            "image_matrix_limit": 16777216,
            "video_size_limit": 0,
            "video_frame_rate_limit": 0,
            "video_matrix_limit": 0,
            "description_limit": MAX_ALT_TEXT_LENGTH,
        },
        "polls": {
            "max_options": 0,
            "max_characters_per_option": 0,
            "min_expiration": 0,
            "max_expiration": 0,
        },
        "accounts": {"max_featured_tags": 0, "max_pinned_statuses": 0},
    }


def streaming_url(request) -> str:
    """Where clients open the streaming API (mastodon_api.streaming): a ws(s):// origin.

    STREAM_URL (the ASGI process's origin) when set, else this host: a proxy routes
    /api/v1/streaming to the ASGI process (docs/scaling.md "Live updates"). Clients speaking
    Server-Sent Events (Mastodon.py, toot) turn it back into http(s).
    """
    base = settings.STREAM_URL.rstrip("/") or f"{request.scheme}://{request.get_host()}"
    scheme, _, rest = base.partition("://")
    return ("wss" if scheme == "https" else "ws") + "://" + rest


def instance_v1(request, *, user_count: int, status_count: int) -> dict:
    """Mastodon's V1::Instance (deprecated by Mastodon, still read by clients)."""
    host = request.get_host()
    return {
        "uri": host,
        "title": "twitterclone",
        "short_description": "A Twitter-like social network.",
        "description": "A Twitter-like social network.",
        "email": "",
        "version": MASTODON_VERSION,
        "urls": {"streaming_api": streaming_url(request)},
        "stats": {"user_count": user_count, "status_count": status_count, "domain_count": 1},
        "thumbnail": None,
        "languages": ["en"],
        "registrations": True,
        "approval_required": False,
        "invites_enabled": False,
        "configuration": _limits(),
        "contact_account": None,
        "rules": [],
    }


def instance_v2(request, *, active_month: int) -> dict:
    """Mastodon's Instance: https://docs.joinmastodon.org/entities/Instance/."""
    host = request.get_host()
    config = _limits()
    config["urls"] = {"streaming": streaming_url(request), "status": None}
    config["translation"] = {"enabled": False}
    config["vapid"] = {"public_key": ""}
    return {
        "domain": host,
        "title": "twitterclone",
        "version": MASTODON_VERSION,
        "source_url": SOURCE_URL,
        "description": "A Twitter-like social network.",
        "wrapstodon": None,
        "usage": {"users": {"active_month": active_month}},
        "thumbnail": {"url": request.build_absolute_uri("/favicon.ico")},
        "icon": [],
        "languages": ["en"],
        "configuration": config,
        "registrations": {"enabled": True, "approval_required": False, "message": None},
        "api_versions": {"mastodon": 2},
        "contact": {"email": "", "account": None},
        "rules": [],
    }


def error_text(data) -> str:
    """One sentence for Mastodon's {"error": ...} from a DRF error body."""
    if isinstance(data, dict):
        if "detail" in data and len(data) == 1:
            return str(data["detail"])
        parts = []
        for name, messages in data.items():
            if isinstance(messages, list | tuple):
                messages = " ".join(str(m) for m in messages)
            parts.append(str(messages) if name == "non_field_errors" else f"{name}: {messages}")
        return "Validation failed: " + "; ".join(parts)
    if isinstance(data, list):
        return " ".join(str(item) for item in data)
    return str(data)


def notification_group(group, type: str) -> dict:
    """Mastodon's NotificationGroup from notifications.selectors.NotificationGroup.

    The group is represented by its newest visible member (the selector's head), so
    `most_recent_notification_id`, `page_max_id` and `page_min_id` are all its id; the count
    is capped at 100 (notifications.selectors.GROUP_COUNT_CAP).
    """
    data = {
        "group_key": group.group_key,
        "notifications_count": group.actors_count,
        "type": type,
        "most_recent_notification_id": str(group.id),
        "page_min_id": str(group.id),
        "page_max_id": str(group.id),
        "latest_page_notification_at": _iso(group.latest_at),
        "sample_account_ids": [str(actor.pk) for actor in group.actors],
    }
    if group.tweet is not None:  # optional in Mastodon's documentation: absent, not null
        data["status_id"] = str(group.tweet.pk)
    return data


def marker(row, last_read_id: int) -> dict:
    """Mastodon's Marker: https://docs.joinmastodon.org/entities/Marker/."""
    return {
        "last_read_id": str(last_read_id),
        "version": row.version,
        "updated_at": _iso(row.updated_at) if row.updated_at else _iso(_EPOCH),
    }


def tag(request, name: str, history: list | None = None) -> dict:
    """Mastodon's Tag: https://docs.joinmastodon.org/entities/Tag/."""
    return {
        # Tags have no table here: the (lower-cased) name is the id, a string as documented.
        "id": name,
        "name": name,
        "url": request.build_absolute_uri(reverse("hashtag", kwargs={"tag": name})),
        "history": history or [],
        "following": False,
    }


def trending_tag(request, trend) -> dict:
    """A Tag with `history` from search.selectors.TrendingTag.

    Mastodon's history is one entry a day, newest first; here the trend's two windows: the
    recent one (today) and the day before, each counting distinct authors (`uses` and
    `accounts` alike: the project counts authors, not uses).
    """
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    history = [
        {"day": str(int(day.timestamp())), "uses": str(n), "accounts": str(n)}
        for day, n in (
            (today, trend.authors),
            (today - timedelta(days=1), trend.authors_before),
        )
    ]
    return tag(request, trend.tag, history)


def suggestion(request, user: User) -> dict:
    """Mastodon's Suggestion (v2): the project's who-to-follow (friends of friends, then
    the most followed), so `sources` names both kinds."""
    return {
        "source": "global",
        "sources": ["friends_of_friends", "most_followed"],
        "account": account(request, user),
    }


def preferences(user: User) -> dict:
    """Mastodon's Preferences: a status has its author's privacy, images follow `sensitive`."""
    return {
        "posting:default:visibility": "public" if user.privacy == Privacy.PUBLIC else "private",
        "posting:default:sensitive": False,
        "posting:default:language": None,
        "posting:default:quote_policy": "public" if user.privacy == Privacy.PUBLIC else "nobody",
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
        "reading:autoplay:gifs": False,
    }
