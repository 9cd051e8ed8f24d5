"""The nav's unread badge and the words of a grouped notification row."""

from django import template

from notifications.selectors import GROUP_COUNT_CAP, UNREAD_CAP, notifications_unread_count
from social.selectors import ProfileAccess

register = template.Library()

VERBS = {
    "like": "liked your tweet",
    "retweet": "retweeted your tweet",
    "follow": "followed you",
    "follow_request": "asked to follow you",
    "follow_accepted": "accepted your follow request",
    "mention": "mentioned you",
    "reply": "replied to your tweet",
    "quote": "quoted your tweet",
}


@register.inclusion_tag("notifications/_badge.html", takes_context=True)
def unread_badge(context):
    """Render the unread count for the nav (one query, signed-in pages only; "99+")."""
    request = context.get("request")
    user = getattr(request, "user", None)
    count = notifications_unread_count(viewer=user) if user and user.is_authenticated else 0
    shown = f"{UNREAD_CAP - 1}+" if count >= UNREAD_CAP else str(count)
    return {"count": count, "shown": shown}


@register.filter
def actor_name(user) -> str:
    """The name a row gives an actor: the handle only for a private account kept minimal."""
    if getattr(user, "access", None) == ProfileAccess.MINIMAL:
        return f"@{user.username}"
    return user.name


@register.filter
def group_sentence(group) -> str:
    """Return "ana and 12 others liked your tweet" for a grouped row (escaped by the caller)."""
    first = actor_name(group.actors[0]) if group.actors else "Someone"
    others = group.actors_count - 1
    if others <= 0:
        who = first
    elif group.actors_count >= GROUP_COUNT_CAP:
        who = f"{first} and {GROUP_COUNT_CAP - 1}+ others"
    elif others == 1:
        who = f"{first} and 1 other"
    else:
        who = f"{first} and {others} others"
    return f"{who} {VERBS.get(group.type, group.type)}"
