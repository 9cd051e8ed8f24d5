"""What a tweet card shows, for a viewer: the author, the original, the viewer's flags.

Two ways to the same objects. `tweet_cards(queryset)` adds it to any queryset (the ORM lists:
replies, hashtags, search). `tweets_by_ids(ids)` is the hot path under every page of keys
(home, a user's tweets): one statement, compiled by the ORM once and run many times.
"""

import json

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    JSONField,
    OuterRef,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat

from accounts.models import User
from social.selectors import Viewer, user_visible_q
from twitterclone.expressions import EqualsAny
from twitterclone.replicas import read_alias
from twitterclone.statements import SENTINELS, Statement, statement

from .models import PLAIN_RETWEET, Bookmark, Like, Tweet
from .visibility import _single_tweet_q, tweet_unmuted_q

_UNSHOWN = (
    "password",
    "last_login",
    "is_superuser",
    "is_staff",
    "email",
    "bio",
    "created_at",
    "updated_at",
    "followers_count",
    "following_count",
    "tweets_count",
    "header_file",
)


def tweet_cards(queryset: QuerySet, *, viewer: Viewer) -> QuerySet:
    """Return `queryset` with what a tweet card shows to `viewer`, in the same query:

    - the author, the original and its author (select_related, the unshown columns deferred);
    - `viewer_liked` / `viewer_retweeted` / `viewer_bookmarked` of what the row shows (a plain
      retweet shows its original, so the flags are about the original);
    - `quote_visible`: whether a quoted tweet passes the rule (else "unavailable").
    """
    # The rule on the original already joined for select_related: no subquery to plan.
    quote_visible = ExpressionWrapper(
        _single_tweet_q(viewer=viewer, prefix="original_tweet__"), output_field=BooleanField()
    )
    queryset = queryset.select_related("user", "original_tweet", "original_tweet__user")
    # A tweet card shows its author's name, handle, badge and avatar: leave the rest of the
    # user rows (password hash, e-mail, bio, counters...) in the database.
    queryset = queryset.defer(
        *(f"{author}__{field}" for author in ("user", "original_tweet__user") for field in _UNSHOWN)
    ).annotate(
        shown_id=Case(When(PLAIN_RETWEET, then=F("original_tweet_id")), default=F("pk")),
        quote_visible=Coalesce(quote_visible, Value(False)),
    )
    # The accounts this row @mentions (its own and its original's) that exist for the viewer,
    # in id order: the serializer names them without a query of its own, and
    # the compiled page query (below) compiles the rule for them once, not per request.
    mentions = Func(
        OuterRef("mentions"), OuterRef("original_tweet__mentions"), function="array_cat"
    )
    mentioned = User.objects.filter(
        EqualsAny(F("pk"), mentions), user_visible_q(viewer=viewer)
    ).order_by("pk")
    # One subquery, "id:username" per account (usernames never hold a colon): half the work
    # of an array of ids beside an array of names, on every row of every page.
    entry = Concat(Cast("pk", TextField()), Value(":"), "username", output_field=TextField())
    queryset = queryset.annotate(mentioned=ArraySubquery(mentioned.values(entry=entry)))
    if not viewer.is_authenticated:
        return queryset.annotate(
            viewer_liked=Value(False), viewer_retweeted=Value(False), viewer_bookmarked=Value(False)
        )
    return queryset.annotate(
        viewer_liked=Exists(Like.objects.filter(user_id=viewer.pk, tweet_id=OuterRef("shown_id"))),
        viewer_retweeted=Exists(
            Tweet.objects.filter(
                PLAIN_RETWEET, user_id=viewer.pk, original_tweet_id=OuterRef("shown_id")
            )
        ),
        viewer_bookmarked=Exists(
            Bookmark.objects.filter(user_id=viewer.pk, tweet_id=OuterRef("shown_id"))
        ),
    )


# The page query, compiled once per set of viewer inputs and run many times
# (twitterclone.statements): a page of keys needs the same statement every time, with another
# viewer id and another id array. The columns are a `values_list` of named fields, so rows
# are turned back into model objects with the documented `Model.from_db` and related-object
# assignment: no compiler internals.
_IDS = SENTINELS[0]


# What a row holds, in order: the tweet, its author, the original, the original's author
# (each the model's loaded fields, in model order, for Model.from_db), then the annotations.
_PAGE_TWEET = [field.attname for field in Tweet._meta.concrete_fields]
_PAGE_AUTHOR = [field.attname for field in User._meta.concrete_fields if field.name not in _UNSHOWN]
_PAGE_ANNOTATIONS = (
    "shown_id",
    "quote_visible",
    "mentioned",
    "viewer_liked",
    "viewer_retweeted",
    "viewer_bookmarked",
)


def _page_columns() -> list[str]:
    return [
        *_PAGE_TWEET,
        *(f"user__{name}" for name in _PAGE_AUTHOR),
        *(f"original_tweet__{name}" for name in _PAGE_TWEET),
        *(f"original_tweet__user__{name}" for name in _PAGE_AUTHOR),
        *_PAGE_ANNOTATIONS,
    ]


def _page_statement(viewer: Viewer, *, unmuted: bool = False) -> Statement:
    def build(stand_in) -> None:
        ids = Value([_IDS], output_field=ArrayField(BigIntegerField()))
        queryset = Tweet.objects.filter(EqualsAny(F("pk"), ids)).visible_to(stand_in)
        if unmuted:
            # In the statement, not after it: a page short of muted tweets fetches more keys.
            queryset = queryset.filter(tweet_unmuted_q(viewer=stand_in))
        list(tweet_cards(queryset, viewer=stand_in).values_list(*_page_columns()))

    return statement(page_statement_key(unmuted=unmuted), viewer, build)


def page_statement_key(*, unmuted: bool) -> tuple:
    """The statement cache's key for the page statement (`unmuted`: a list surface)."""
    return ("tweets.cards.page", unmuted)


def tweets_by_ids(*, viewer: Viewer, ids: list[int], unmuted: bool = False) -> dict[int, Tweet]:
    """Return the tweets among `ids` that `viewer` may see, by id, built as tweet_cards does.

    With `unmuted`, only those the viewer's mutes and muted words leave in a list (home).
    """
    rows = _page_statement(viewer, unmuted=unmuted).run(viewer, ids)
    return {tweet.pk: tweet for tweet in _objects_from_rows(rows)}


# Columns the raw statement returns as the database's text (jsonb): decoded as the ORM would.
_PAGE_JSON = [
    index for index, field in enumerate(Tweet._meta.concrete_fields) if isinstance(field, JSONField)
]


def _decoded(values: tuple) -> tuple:
    if not _PAGE_JSON or values[0] is None:
        return values
    values = list(values)
    for index in _PAGE_JSON:
        if isinstance(values[index], str):
            values[index] = json.loads(values[index])
    return tuple(values)


def _visible_statement(viewer: Viewer, *, unmuted: bool) -> Statement:
    def build(stand_in) -> None:
        ids = Value([_IDS], output_field=ArrayField(BigIntegerField()))
        queryset = Tweet.objects.filter(EqualsAny(F("pk"), ids)).visible_to(stand_in)
        if unmuted:
            queryset = queryset.filter(tweet_unmuted_q(viewer=stand_in))
        list(queryset.values_list("id"))

    return statement(("tweets.cards.visible", unmuted), viewer, build)


def tweets_visible_ids(*, viewer: Viewer, ids: list[int]) -> set[int]:
    """Return which of `ids` `viewer` may see: the rule of tweets_by_ids, ids only."""
    return {row[0] for row in _visible_statement(viewer, unmuted=False).run(viewer, ids)}


def tweet_viewers(*, tweet_id: int, viewers: list, unmuted: bool = False) -> set[int]:
    """Return the ids of `viewers` who may see `tweet_id` (with `unmuted`, in a list).

    The rule of tweets_by_ids, for many viewers at once: one statement per kind of viewer
    (Statement.run_for_viewers), not one per viewer.
    """
    kinds: dict[int, tuple[Statement, list[int]]] = {}
    for viewer in viewers:
        compiled = _visible_statement(viewer, unmuted=unmuted)
        kinds.setdefault(id(compiled), (compiled, []))[1].append(viewer.pk)
    seen = set()
    for compiled, viewer_ids in kinds.values():
        seen.update(row[0] for row in compiled.run_for_viewers(viewer_ids, [tweet_id]))
    return seen


def _objects_from_rows(rows: list[tuple]) -> list[Tweet]:
    """Build the tweets of page rows (see _page_columns) with Model.from_db."""
    db = read_alias()
    tweet_end = len(_PAGE_TWEET)
    author_end = tweet_end + len(_PAGE_AUTHOR)
    original_end = author_end + tweet_end
    annotations_at = original_end + len(_PAGE_AUTHOR)
    original_pk = _PAGE_TWEET.index("id") + author_end
    objects = []
    for row in rows:
        tweet = Tweet.from_db(db, _PAGE_TWEET, _decoded(row[:tweet_end]))
        tweet.user = User.from_db(db, _PAGE_AUTHOR, row[tweet_end:author_end])
        if row[original_pk] is None:
            tweet.original_tweet = None
        else:
            original = Tweet.from_db(db, _PAGE_TWEET, _decoded(row[author_end:original_end]))
            original.user = User.from_db(db, _PAGE_AUTHOR, row[original_end:annotations_at])
            tweet.original_tweet = original
        for name, value in zip(_PAGE_ANNOTATIONS, row[annotations_at:], strict=True):
            setattr(tweet, name, value)
        objects.append(tweet)
    return objects
