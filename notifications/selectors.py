"""Reads for notifications: the one rule decides, in SQL, which rows a recipient sees.

A row shows when its actor exists for the recipient and is not muted, its tweet (if any) is
visible to the recipient and left in by their mutes and muted words, and the recipient's
policy (NotificationSettings) lets it through. All of it is a WHERE clause, so a page is
never short and the unread count counts exactly what the list shows.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    CharField,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Now

from accounts.models import Privacy, User
from social.models import UserFollows
from social.selectors import ProfileAccess, content_visible_q, unmuted_q, user_visible_q
from tweets.cards import tweets_by_ids
from tweets.models import Tweet
from tweets.visibility import tweet_unmuted_q
from twitterclone.expressions import EqualsAny
from twitterclone.pagination import Page, cursor_decode, cursor_encode, limit_clean
from twitterclone.replicas import read_alias
from twitterclone.statements import SENTINELS, statement

from .models import Notification, NotificationSettings, NotificationType

T = NotificationType
# The Mentions tab; from an account the recipient follows these always pass the policy.
MENTION_TYPES = (T.MENTION, T.REPLY, T.QUOTE)
# The unread count stops here: the nav shows "99+" past 99.
UNREAD_CAP = 100
# For the grouped page's statement, as its transaction's settings (see _group_heads).
PLANNER_SETTINGS = "SELECT set_config('jit', 'off', true)"
# A group counts its visible members up to here ("ana and 99+ others"): the count stays a
# bounded walk of idx_notifications_group however many liked one tweet in a day.
GROUP_COUNT_CAP = 100
GROUP_ACTORS_SHOWN = 3
# Likes and retweets are about the recipient's own tweet (notifications.services), which its
# author always sees and never mutes (tweets.visibility): the rule checks their actor only.
ABOUT_OWN_TWEET = (T.LIKE, T.RETWEET)
# What a user card shows of an actor.
_ACTOR_FIELDS = (
    "id",
    "username",
    "display_name",
    "verified",
    "profile_image_url",
    "avatar_file",
    "privacy",
)

BEFORE, IDS = SENTINELS

TYPES_INVALID = "Types must be a comma-separated list of: {types}."


def _policy_q(*, viewer: User) -> Q:
    """Match rows the recipient's policy lets through (no settings row: everything)."""
    own = NotificationSettings.objects.filter(user_id=viewer.pk)
    followed = Exists(
        UserFollows.objects.filter(follower_id=viewer.pk, following_id=OuterRef("actor_id"))
    )
    # Uncorrelated, so PostgreSQL evaluates it once per statement (an InitPlan).
    drop_not_following = Exists(own.filter(filter_not_following=True)) & ~followed
    one_day = Value(timedelta(days=1), output_field=DurationField())
    cutoff = ExpressionWrapper(
        Now() - ExpressionWrapper(F("filter_new_accounts_days") * one_day, DurationField()),
        output_field=DateTimeField(),
    )
    drop_new = Exists(
        own.filter(filter_new_accounts_days__isnull=False)
        .annotate(cutoff=cutoff)
        .filter(cutoff__lt=OuterRef("actor__created_at"))
    )
    return ~(drop_not_following | drop_new) | (Q(type__in=MENTION_TYPES) & followed)


def _actor_shown_q(*, viewer: User) -> Q:
    """Match rows whose actor exists for the recipient, is not muted, and passes the policy."""
    actor = user_visible_q(viewer=viewer, prefix="actor__") & unmuted_q(
        viewer=viewer, prefix="actor__"
    )
    return actor & _policy_q(viewer=viewer)


def notification_visible_q(*, viewer: User) -> Q:
    """Match the notifications `viewer` (their recipient) sees: the one rule for every read."""
    tweet_shown = Exists(
        Tweet.objects.visible_to(viewer)
        .filter(tweet_unmuted_q(viewer=viewer))
        .filter(pk=OuterRef("tweet_id"))
    )
    # The cheap tests first: PostgreSQL evaluates an OR's arms in order and stops at the
    # first true one, so a like or retweet never probes its tweet's visibility.
    tweet_ok = Q(tweet__isnull=True) | Q(type__in=ABOUT_OWN_TWEET) | tweet_shown
    return _actor_shown_q(viewer=viewer) & tweet_ok


def _actor_access(*, viewer: User, prefix: str) -> Case:
    """How much of the actor's card the recipient may see (social.selectors.profile_access).

    The actor exists for the recipient (the rule let the row through), but a private account
    the recipient does not follow is shown by its handle only, as in every other list.
    """
    return Case(
        When(content_visible_q(viewer=viewer, prefix=prefix), then=Value(ProfileAccess.FULL)),
        When(Q(**{f"{prefix}privacy": Privacy.PRIVATE}), then=Value(ProfileAccess.MINIMAL)),
        default=Value(ProfileAccess.CARD),
        output_field=CharField(),
    )


def _visible(viewer: User) -> QuerySet:
    return Notification.objects.filter(recipient_id=viewer.pk).filter(
        notification_visible_q(viewer=viewer)
    )


def _marker(viewer: User) -> Coalesce:
    """The recipient's read marker as SQL (0 without a settings row)."""
    return Coalesce(
        Subquery(NotificationSettings.objects.filter(user_id=viewer.pk).values("last_read_id")),
        Value(0),
    )


def types_clean(types) -> list[str] | None:
    """Return the distinct valid types of `types` (a list or a comma-separated string)."""
    if types is None or types == "" or types == []:
        return None
    if isinstance(types, str):
        types = types.split(",")
    message = TYPES_INVALID.format(types=", ".join(NotificationType.values))
    if not isinstance(types, list | tuple) or not types:
        raise ValidationError({"types": [message]})
    cleaned = [item.strip() if isinstance(item, str) else item for item in types]
    if any(item not in NotificationType.values for item in cleaned):
        raise ValidationError({"types": [message]})
    # Sorted: one statement per set of types, whatever order they were asked in.
    return sorted(set(cleaned))


@dataclass
class NotificationGroup:
    """One grouped row: the newest visible member stands for the group (its id is the key)."""

    id: int
    group_key: str
    type: str
    latest_at: datetime
    unread: bool
    tweet_id: int | None
    actor_ids: list[int]
    actors_count: int
    actors: list[User] = field(default_factory=list)
    tweet: Tweet | None = None


def notifications_page(
    *,
    viewer: User,
    types=None,
    grouped: bool = False,
    cursor: str | None = None,
    limit: int = 20,
) -> Page:
    """Return a page of `viewer`'s notifications newest first, flat or grouped.

    Flat items are Notification rows with `actor`, `tweet` (a tweet card or None) and
    `unread`; grouped items are NotificationGroup. Raise ValidationError for bad `types`,
    `limit` or `cursor`.
    """
    types = types_clean(types)
    limit = limit_clean(limit)
    before_id = cursor_decode(cursor)[1] if cursor else None
    shape = (tuple(types or ()), before_id is not None, limit)
    if grouped:
        items = _group_heads(viewer, shape, types=types, before_id=before_id, limit=limit)
    else:
        items = _flat_rows(viewer, shape, types=types, before_id=before_id, limit=limit)
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_cursor = cursor_encode(last.latest_at if grouped else last.created_at, last.id)
    _attach_tweets(viewer, items)
    return Page(items=items, next_cursor=next_cursor)


def _rows(viewer: User, *, types: list[str] | None, before_id: int | None) -> QuerySet:
    """The recipient's visible rows (of `types`), below the cursor's id (a sentinel here)."""
    rows = _visible(viewer)
    if types:
        rows = rows.filter(type__in=types)
    if before_id is not None:
        rows = rows.filter(id__lt=BEFORE)
    return rows


_FLAT_COLUMNS = (
    "id",
    "actor_id",
    "type",
    "tweet_id",
    "group_key",
    "created_at",
    *(f"actor__{name}" for name in _ACTOR_FIELDS if name != "id"),
    # Annotations last, in the order they are annotated: the statement's column order.
    "unread",
    "actor_access",
)


def _flat_rows(viewer: User, shape: tuple, *, types, before_id, limit: int) -> list:
    """Return up to limit + 1 notifications with their actors, newest first."""

    def build(stand_in) -> list:
        # Keyset on idx_notifications_recipient (recipient, id desc).
        rows = _rows(stand_in, types=types, before_id=before_id).annotate(
            unread=ExpressionWrapper(Q(id__gt=_marker(stand_in)), BooleanField()),
            actor_access=_actor_access(viewer=stand_in, prefix="actor__"),
        )
        return list(rows.order_by("-id").values_list(*_FLAT_COLUMNS)[: limit + 1])

    items = []
    for row in statement(("flat", *shape), viewer, build).run(viewer, before_id):
        values = dict(zip(_FLAT_COLUMNS, row, strict=True))
        actor = User(
            id=values["actor_id"],
            **{name: values[f"actor__{name}"] for name in _ACTOR_FIELDS if name != "id"},
        )
        actor.access = values["actor_access"]
        item = Notification(
            recipient_id=viewer.pk,
            **{name: values[name] for name in _FLAT_COLUMNS[:6]},
        )
        item.actor = actor
        item.unread = values["unread"]
        items.append(item)
    return items


def _group_heads(viewer: User, shape: tuple, *, types, before_id, limit: int) -> list:
    """Return up to limit + 1 groups, each one by its newest visible member, newest first.

    A group is represented by its head: a visible row with no visible member of its group
    above it. That does not depend on the cursor, so every group has one place in the order
    and never appears on two pages (its older members below the cursor are not heads).
    The members of a group are read from idx_notifications_group (recipient, group_key,
    id desc): a correlated ARRAY(SELECT actor_id ... ORDER BY id DESC LIMIT 100) is what a
    LATERAL with a LIMIT would be, evaluated for the page's heads only, each a short index
    walk that stops at the cap. The first three are the actors shown, its length is the
    (capped) count: one subquery gives both, so a group costs one walk, not two.
    """

    def build(stand_in) -> list:
        # A group's members share its type and tweet (notifications.grouping), which the row
        # they are compared with has passed: only their actors and the policy differ.
        members = Notification.objects.filter(
            _actor_shown_q(viewer=stand_in),
            recipient_id=stand_in.pk,
            group_key=OuterRef("group_key"),
        )
        # A scalar subquery, not NOT EXISTS: PostgreSQL turns NOT EXISTS into an anti-join
        # whose inner side is every visible row of the recipient, matched by a join filter
        # (quadratic: minutes at 200,000 rows); a scalar subquery stays a per-row probe of
        # idx_notifications_group (recipient, group_key, id > this id), newest first.
        newer = members.filter(id__gt=OuterRef("id")).order_by("-id").values("id")[:1]
        heads = (
            _rows(stand_in, types=types, before_id=before_id)
            .annotate(newer_member=Subquery(newer))
            .filter(newer_member__isnull=True)
            .annotate(
                member_actor_ids=ArraySubquery(
                    members.order_by("-id").values("actor_id")[:GROUP_COUNT_CAP]
                ),
                unread=ExpressionWrapper(Q(id__gt=_marker(stand_in)), BooleanField()),
            )
        )
        return list(
            heads.order_by("-id").values_list(
                "id", "group_key", "type", "created_at", "tweet_id", "member_actor_ids", "unread"
            )[: limit + 1]
        )

    heads = statement(("grouped", *shape), viewer, build)
    alias = read_alias()  # the request's read connection (a replica for GETs)
    with transaction.atomic(using=alias), connections[alias].cursor() as db:
        # Its estimated cost is that of walking every row (the planner cannot know a page
        # of heads comes soon), enough for JIT, which compiled it for seconds.
        db.execute(PLANNER_SETTINGS)
        rows = heads.run(viewer, before_id)
    groups = [
        NotificationGroup(
            id=pk,
            group_key=group_key,
            type=type,
            latest_at=created_at,
            unread=unread,
            tweet_id=tweet_id,
            actor_ids=member_actor_ids[:GROUP_ACTORS_SHOWN],
            actors_count=len(member_actor_ids),
        )
        for pk, group_key, type, created_at, tweet_id, member_actor_ids, unread in rows
    ]
    actor_ids = sorted({pk for group in groups[:limit] for pk in group.actor_ids})
    actors = _actors(viewer, actor_ids) if actor_ids else {}
    for group in groups:
        group.actors = [actors[pk] for pk in group.actor_ids if pk in actors]
    return groups


def _actors(viewer: User, ids: list[int]) -> dict[int, User]:
    """Return the actors shown by a page of groups, each with `.access` for the recipient."""

    def build(stand_in) -> list:
        among = Value([IDS], output_field=ArrayField(BigIntegerField()))
        users = User.objects.filter(EqualsAny(F("pk"), among)).annotate(
            access=_actor_access(viewer=stand_in, prefix="")
        )
        return list(users.values_list(*_ACTOR_FIELDS, "access"))

    actors = {}
    for *values, access in statement(("actors",), viewer, build).run(viewer, None, ids):
        user = User(**dict(zip(_ACTOR_FIELDS, values, strict=True)))
        user.access = access
        actors[user.pk] = user
    return actors


def _attach_tweets(viewer: User, items: list) -> None:
    """Give each item its tweet card (one query for the page), None for the follow types.

    tweets.cards.tweets_by_ids is tweet_cards' statement compiled once: the same cards,
    without compiling the visibility rule again on every page.
    """
    ids = sorted({item.tweet_id for item in items if item.tweet_id is not None})
    cards = tweets_by_ids(viewer=viewer, ids=ids) if ids else {}
    for item in items:
        item.tweet = cards.get(item.tweet_id) if item.tweet_id is not None else None


def notifications_unread_count(*, viewer: User) -> int:
    """Return how many visible notifications of `viewer` are unread, counted up to 100."""
    if not viewer.is_authenticated:
        return 0

    def build(stand_in) -> int:
        # count() of a slice is SELECT count(*) FROM (... LIMIT 100): a bounded walk.
        unread = _visible(stand_in).filter(id__gt=_marker(stand_in))
        return unread[:UNREAD_CAP].count()

    ((count,),) = statement(("unread",), viewer, build).run(viewer)
    return count


def notification_settings_get(*, user: User) -> NotificationSettings:
    """Return `user`'s settings row, or an unsaved default (reads never write)."""
    row = NotificationSettings.objects.filter(user_id=user.pk).first()
    return row if row is not None else NotificationSettings(user_id=user.pk)
