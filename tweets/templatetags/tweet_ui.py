"""Presentation helpers for tweet and profile templates: linked text, times, avatars, cursors."""

import re
import zlib
from datetime import datetime, timedelta

from django import template
from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from accounts.models import User
from social.selectors import ProfileAccess
from tweets.models import Tweet
from tweets.services import HASHTAG_RE, MENTION_RE
from tweets.visibility import tweet_shareable
from twitterclone.render_cache import RenderCache, render_caches_on

register = template.Library()

URL_RE = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")
# One pass over the raw text: a URL first, so a #fragment inside it is not a hashtag.
_TOKEN_RE = re.compile(
    f"(?P<url>{URL_RE.pattern})|(?P<tag>{HASHTAG_RE.pattern})|(?P<mention>{MENTION_RE.pattern})"
)


def _plain(text: str) -> str:
    return escape(text).replace("\n", "<br>")


@register.filter(is_safe=True)
def linkify(content: str) -> SafeString:
    """Escape tweet or bio text, then link its URLs, #hashtags and @mentions.

    The raw text is split into tokens first and every piece is escaped on its own, so
    markup in the text can never become markup in the page (nor an entity a hashtag).
    """
    content = str(content or "")
    pieces, position = [], 0
    for match in _TOKEN_RE.finditer(content):
        pieces.append(_plain(content[position : match.start()]))
        text = match.group(0)
        if match.group("url"):
            pieces.append(
                format_html('<a href="{}" rel="nofollow noopener noreferrer">{}</a>', text, text)
            )
        elif match.group("tag"):
            url = reverse("hashtag", kwargs={"tag": text[1:].lower()})
            pieces.append(format_html('<a class="hashtag" href="{}">{}</a>', url, text))
        else:
            url = reverse("profile", kwargs={"username": text[1:]})
            pieces.append(format_html('<a class="mention" href="{}">{}</a>', url, text))
        position = match.end()
    pieces.append(_plain(content[position:]))
    return mark_safe("".join(pieces))  # every piece above is escaped or built by format_html


def relative_time(moment: datetime, now: datetime | None = None) -> str:
    """Return a short age like Twitter's: "now", "42s", "3m", "2h", "Nov 3", "Nov 3, 2023"."""
    now = now or timezone.now()
    age = now - moment
    if age < timedelta(seconds=10):
        return "now"
    if age < timedelta(minutes=1):
        return f"{int(age.total_seconds())}s"
    if age < timedelta(hours=1):
        return f"{int(age.total_seconds() // 60)}m"
    if age < timedelta(days=1):
        return f"{int(age.total_seconds() // 3600)}h"
    local = timezone.localtime(moment)
    day = f"{local:%b} {local.day}"
    return day if local.year == timezone.localtime(now).year else f"{day}, {local.year}"


@register.simple_tag
def reltime(moment: datetime) -> SafeString:
    """Render a <time> with the machine-readable moment, the full date as title, a short age."""
    local = timezone.localtime(moment)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        moment.isoformat(),
        f"{local:%H:%M} · {local:%b} {local.day}, {local.year}",
        relative_time(moment),
    )


AVATAR_SIZES = {"s": 32, "m": 48, "l": 96}


@register.simple_tag
def avatar(user, size: str = "m") -> SafeString:
    """Render the user's picture, or their initial in a circle of a colour their id picks."""
    # 30 % lightness: a white initial is at least 4.7:1 on every hue (45 % was 2.3:1 on yellow).
    pixels = AVATAR_SIZES.get(size, 48)
    # A person listed at "minimal" access (social.selectors) shows no more than the handle.
    minimal = getattr(user, "access", None) == ProfileAccess.MINIMAL
    # The uploaded avatar (media), else the URL field; a letter when neither is set.
    src = user.avatar_src
    if src and not minimal:
        return format_html(
            '<img class="avatar avatar-{}" src="{}" alt="" width="{}" height="{}" '
            'loading="lazy" referrerpolicy="no-referrer">',
            size,
            src,
            pixels,
            pixels,
        )
    hue = zlib.crc32(str(user.pk).encode()) % 360
    initial = ((user.username if minimal else user.display_name) or user.username or "?")[:1]
    initial = initial.upper()
    return format_html(
        '<span class="avatar avatar-{} avatar-fallback" style="background:hsl({},55%,30%)" '
        'aria-hidden="true">{}</span>',
        size,
        hue,
        initial,
    )


@register.simple_tag(takes_context=True)
def page_url(context, cursor: str) -> str:
    """Return the current path with its query string, `cursor` replaced."""
    request = context["request"]
    query = request.GET.copy()
    query["cursor"] = cursor
    return f"{request.path}?{query.urlencode()}"


@register.filter
def shareable(tweet) -> bool:
    """Tell whether the action bar offers Retweet for `tweet` (the rule's tweet_shareable)."""
    return tweet_shareable(tweet=tweet)


# The tweet card cache (twitterclone/render_cache.py; docs/architecture.md "Render caches").
CARD_TEMPLATE = "tweets/_tweet.html"
# Where a cached card's forms take the response's own CSRF token: markup no escaped text can
# contain, so only the `{% csrf_token %}`s of the templates ever render it.
CSRF_SLOT = mark_safe("<!--csrf-token-->")
cards = RenderCache(getattr(settings, "RENDER_CACHE_CARDS", 5000))
_TWEET_COLUMNS = [field.attname for field in Tweet._meta.concrete_fields]
_USER_COLUMNS = [field.attname for field in User._meta.concrete_fields]
_FLAGS = ("quote_visible", "viewer_liked", "viewer_retweeted", "viewer_bookmarked")


def _frozen(value):
    return repr(value) if isinstance(value, list | dict) else value


def _columns(obj, names: list[str], extra: tuple[str, ...]) -> tuple | None:
    """The loaded columns of `obj` (deferred ones are None: the card never reads them)."""
    if obj is None:
        return None
    loaded = obj.__dict__
    return tuple(_frozen(loaded.get(name)) for name in names) + tuple(
        loaded.get(name) for name in extra
    )


def _card_key(context, tweet: Tweet) -> tuple:
    """Everything tweets/_tweet.html (and what it includes) reads, for this viewer."""
    request, user = context.get("request"), context.get("user")
    authenticated = bool(user is not None and user.is_authenticated)
    shown = tweet.original_tweet if tweet.is_plain_retweet else tweet
    original = tweet.original_tweet if tweet.original_tweet_id else None
    return (
        get_language(),
        get_script_prefix(),
        str(reltime(shown.created_at)),  # the age and the local date: the clock and zone
        authenticated,
        authenticated and shown.user_id == user.pk,
        context.get("next_url") or (request.get_full_path() if request is not None else ""),
        bool(context.get("focus")),
        _columns(tweet, _TWEET_COLUMNS, _FLAGS),
        _columns(tweet.user, _USER_COLUMNS, ("access",)),
        _columns(original, _TWEET_COLUMNS, ()),
        _columns(original.user if original is not None else None, _USER_COLUMNS, ("access",)),
    )


@register.simple_tag(takes_context=True)
def tweet_card(context, tweet: Tweet) -> SafeString:
    """Render tweets/_tweet.html for `tweet`, from the card cache when it holds this card.

    The same HTML as `{% include "tweets/_tweet.html" %}`, byte for byte but the CSRF
    tokens (masked afresh in every response either way).
    """
    template = context.template.engine.get_template(CARD_TEMPLATE)
    csrf_token = context.get("csrf_token")
    if (
        not render_caches_on()
        or not csrf_token
        or str(csrf_token) == "NOTPROVIDED"
        # A form's error is said once, in the response that answers that form.
        or context.get("action_error")
        or context.get("mute_error")
    ):
        with context.push(tweet=tweet):
            return template.render(context)
    key = _card_key(context, tweet)
    html = cards.get(key)
    if html is None:
        with context.push(tweet=tweet, csrf_token=CSRF_SLOT):
            html = str(template.render(context))
        cards.set(key, html)
    return mark_safe(html.replace(CSRF_SLOT, conditional_escape(str(csrf_token))))
