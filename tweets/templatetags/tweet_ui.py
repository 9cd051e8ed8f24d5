"""Presentation helpers for tweet and profile templates: linked text, times, avatars, cursors."""

import re
import zlib
from datetime import datetime, timedelta

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from social.selectors import ProfileAccess
from tweets.services import HASHTAG_RE, MENTION_RE
from tweets.visibility import tweet_shareable

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
