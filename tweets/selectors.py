"""Reads for tweets. Every query here goes through `tweet_visible_q`, the one rule."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Func,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.db.models.query import get_related_populators

from accounts.models import User
from social.selectors import Viewer, user_content_visible, user_visible_q
from twitterclone.pagination import (
    Key,
    Page,
    cursor_decode,
    cursor_encode,
    keyset_before_sql,
    keyset_page,
    limit_clean,
)

from .models import PLAIN_RETWEET, Like, Tweet
from .visibility import _single_tweet_q

# The rule's public name stays tweets.selectors.tweet_visible_q (docs/architecture.md).
from .visibility import tweet_visible_q as tweet_visible_q


def tweet_own_visible_q(*, viewer: Viewer) -> Q:
    """Match the tweets `viewer` may see by their own author and flag, originals aside.

    The whole rule for tweets that are not plain retweets (tweet_visible_q adds the original's
    check), without the join to the original: for reads over tweets with text (trending).
    """
    return _single_tweet_q(viewer=viewer, prefix="")


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
)


class _IdInArray(Func):
    """`id = ANY(array)`: a row whose id is in an array column (mentions hold user ids)."""

    template = "(%(expressions)s))"
    arg_joiner = " = ANY("
    output_field = BooleanField()


def _with_related(queryset: QuerySet, *, viewer: Viewer) -> QuerySet:
    """Fetch authors and originals in the same query and annotate, for the viewer:

    - `viewer_liked` / `viewer_retweeted` of what the row shows (a plain retweet shows its
      original, so the flags are about the original);
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
        _IdInArray(F("pk"), mentions), user_visible_q(viewer=viewer)
    ).order_by("pk")
    # One subquery, "id:username" per account (usernames never hold a colon): half the work
    # of an array of ids beside an array of names, on every row of every page.
    entry = Concat(Cast("pk", TextField()), Value(":"), "username", output_field=TextField())
    queryset = queryset.annotate(mentioned=ArraySubquery(mentioned.values(entry=entry)))
    if not viewer.is_authenticated:
        return queryset.annotate(viewer_liked=Value(False), viewer_retweeted=Value(False))
    return queryset.annotate(
        viewer_liked=Exists(Like.objects.filter(user_id=viewer.pk, tweet_id=OuterRef("shown_id"))),
        viewer_retweeted=Exists(
            Tweet.objects.filter(
                PLAIN_RETWEET, user_id=viewer.pk, original_tweet_id=OuterRef("shown_id")
            )
        ),
    )


def tweet_cards(queryset: QuerySet, *, viewer: Viewer) -> QuerySet:
    """Return `queryset` with what a tweet card shows to `viewer`, for other apps' lists."""
    return _with_related(queryset, viewer=viewer)


def tweet_get_visible(*, viewer: Viewer, tweet_id: int) -> Tweet:
    """Return tweet `tweet_id` if `viewer` may see it; raise Tweet.DoesNotExist otherwise."""
    tweet = _visible_tweets(viewer=viewer, ids=[tweet_id]).get(tweet_id)
    if tweet is None:
        raise Tweet.DoesNotExist
    return tweet


# A user's newest tweets from idx_tweets_user_created; the page query then applies the rule.
USER_KEYS_SQL = """
    SELECT created_at, id FROM tweets
    WHERE user_id = %(user_id)s {replies} {before}
    ORDER BY created_at DESC, id DESC LIMIT %(count)s
"""


def tweets_of_user(
    *,
    viewer: Viewer,
    user: User,
    include_replies: bool = False,
    cursor: str | None = None,
    limit: int = 20,
) -> Page:
    """Return a page of `user`'s tweets and retweets, newest first.

    Raise User.DoesNotExist when `viewer` may not see them (404, never 403).
    """
    if not user_content_visible(viewer=viewer, user=user):
        raise User.DoesNotExist
    replies = "" if include_replies else "AND reply_to_tweet_id IS NULL"

    def keys_of(before: Key | None, count: int) -> list[Key]:
        params = {"user_id": user.pk, "count": count}
        if before is not None:
            params.update(before_at=before[0], before_id=before[1])
        sql = USER_KEYS_SQL.format(replies=replies, before=keyset_before_sql(before, "id"))
        with connection.cursor() as db:
            db.execute(sql, params)
            return db.fetchall()

    return tweets_page_from_keys(viewer=viewer, keys_of=keys_of, cursor=cursor, limit=limit)


# The page query, compiled once per kind of viewer. Django compiles the one visibility rule
# (`_with_related(...visible_to(viewer))`) for a stand-in viewer and a stand-in id; the SQL
# and the compiler are kept, and each page runs them with the real viewer id and an id array.
# The rule is still written once; only the ORM's per-request compile (several ms) goes away.
_STAND_IN_VIEWER = -8_000_000_000_000_001
_STAND_IN_IDS = -8_000_000_000_000_002


@dataclass(frozen=True)
class _CompiledPage:
    sql: str
    params: tuple
    compiler: object  # django.db.models.sql.compiler.SQLCompiler, used to build the objects


_compiled_pages: dict[tuple[bool, bool], _CompiledPage] = {}


def _compiled_page(viewer: Viewer) -> _CompiledPage:
    kind = (viewer.is_authenticated, bool(viewer.is_authenticated and viewer.is_staff))
    if kind not in _compiled_pages:
        stand_in = User(pk=_STAND_IN_VIEWER, is_staff=kind[1]) if kind[0] else AnonymousUser()
        queryset = _with_related(
            Tweet.objects.filter(pk__in=[_STAND_IN_IDS]).visible_to(stand_in), viewer=stand_in
        )
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        quote = compiler.connection.ops.quote_name
        id_list = f"{quote(Tweet._meta.db_table)}.{quote('id')} IN (%s)"
        if sql.count(id_list) != 1 or params.count(_STAND_IN_IDS) != 1:
            raise RuntimeError("the compiled page query changed shape; update _compiled_page")
        sql = sql.replace(id_list, id_list.replace("IN (%s)", "= ANY(%s)"))
        _compiled_pages[kind] = _CompiledPage(sql=sql, params=tuple(params), compiler=compiler)
    return _compiled_pages[kind]


def _visible_tweets(*, viewer: Viewer, ids: list[int]) -> dict[int, Tweet]:
    """Return the tweets among `ids` that `viewer` may see, as _with_related builds them."""
    compiled = _compiled_page(viewer)
    substitutes = {_STAND_IN_VIEWER: getattr(viewer, "pk", None), _STAND_IN_IDS: ids}
    params = [substitutes.get(p, p) if isinstance(p, int) else p for p in compiled.params]
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, params)
        rows = cursor.fetchall()
    return {tweet.pk: tweet for tweet in _objects_from_rows(compiled.compiler, rows)}


def _objects_from_rows(compiler, rows: list[tuple]) -> list[Tweet]:
    """Build Tweet objects (with select_related and annotations) the way ModelIterable does."""
    db = compiler.using
    klass_info, select = compiler.klass_info, compiler.select
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    populators = get_related_populators(klass_info, select, db)
    objects = []
    for row in compiler.results_iter([rows]):
        tweet = Tweet.from_db(db, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, tweet)
        for name, position in compiler.annotation_col_map.items():
            setattr(tweet, name, row[position])
        objects.append(tweet)
    return objects


# A page short after the rule asks for more keys at most this many times.
MAX_FILL_ROUNDS = 10


def tweets_page_from_keys(
    *,
    viewer: Viewer,
    keys_of: Callable[[Key | None, int], list[Key]],
    cursor: str | None,
    limit: int,
) -> Page:
    """Return a page of the tweets whose keys `keys_of(before, count)` gives, newest first.

    The keys are candidates; the compiled page query applies the visibility rule to them in
    one query. A page short after filtering asks for more keys; it never repeats or skips.
    """
    limit = limit_clean(limit)
    before = cursor_decode(cursor) if cursor else None
    items: list[Tweet] = []
    item_keys: list[Key] = []
    for _ in range(MAX_FILL_ROUNDS):
        keys = keys_of(before, limit + 1)
        visible = _visible_tweets(viewer=viewer, ids=[pk for _, pk in keys])
        for key in keys:
            if key[1] in visible:
                items.append(visible[key[1]])
                item_keys.append(key)
        if len(items) > limit or len(keys) <= limit:
            break
        before = keys[-1]
    if len(items) > limit:
        return Page(items=items[:limit], next_cursor=cursor_encode(*item_keys[limit - 1]))
    if len(keys) > limit:
        # Out of rounds with most candidates hidden: a short page that resumes where it stopped.
        return Page(items=items, next_cursor=cursor_encode(*keys[-1]))
    return Page(items=items, next_cursor=None)


def tweet_replies(
    *, viewer: Viewer, tweet: Tweet, cursor: str | None = None, limit: int = 20
) -> Page:
    """Return a page of the visible replies to `tweet`, newest first."""
    queryset = Tweet.objects.filter(reply_to_id=tweet.pk).visible_to(viewer)
    return keyset_page(_with_related(queryset, viewer=viewer), cursor=cursor, limit=limit)


def tweet_replies_unseen(*, viewer: Viewer, tweet: Tweet, replies: Page, first_page: bool) -> int:
    """Return how many replies to `tweet` the viewer may not see, once `replies` is the last page.

    reply_count counts every reply, seen or not (docs/api.md), so a thread page says why it
    shows fewer. Before the last page it is 0. A last page that is also the first holds every
    visible reply; a later one costs one count, made only by who paged to the very end.
    """
    if replies.next_cursor or not tweet.reply_count:
        return 0
    if first_page:
        seen = len(replies.items)
    else:
        seen = Tweet.objects.filter(reply_to_id=tweet.pk).visible_to(viewer).count()
    # A reply posted or deleted since the tweet was read may leave the two a step apart.
    return max(0, tweet.reply_count - seen)


def tweets_by_hashtag(
    *, viewer: Viewer, tag: str, cursor: str | None = None, limit: int = 20
) -> Page:
    """Return a page of visible tweets carrying #`tag` (GIN on hashtags), newest first."""
    if "\x00" in tag:
        return Page()  # PostgreSQL refuses NUL in text; no tweet can carry such a tag
    queryset = Tweet.objects.filter(hashtags__contains=[tag.lower().lstrip("#")]).visible_to(viewer)
    return keyset_page(_with_related(queryset, viewer=viewer), cursor=cursor, limit=limit)


def tweets_mentioning(
    *, viewer: Viewer, user: User, cursor: str | None = None, limit: int = 20
) -> Page:
    """Return a page of visible tweets that @mention `user` (GIN on mentions), newest first."""
    queryset = Tweet.objects.filter(mentions__contains=[user.pk]).visible_to(viewer)
    return keyset_page(_with_related(queryset, viewer=viewer), cursor=cursor, limit=limit)


def tweets_recent(*, viewer: Viewer, cursor: str | None = None, limit: int = 20) -> Page:
    """Return a page of the newest tweets `viewer` may see (explore; idx_tweets_created)."""
    queryset = Tweet.objects.visible_to(viewer)
    return keyset_page(_with_related(queryset, viewer=viewer), cursor=cursor, limit=limit)


MAX_THREAD_DEPTH = 50


@dataclass
class Thread:
    ancestors: list[Tweet]  # oldest first: the conversation leading to the tweet
    tweet: Tweet
    replies: Page  # direct replies, newest first


def tweet_context(
    *, viewer: Viewer, tweet_id: int, cursor: str | None = None, limit: int = 20
) -> Thread:
    """Return a tweet with the visible tweets it replies to and a page of its visible replies.

    Ancestors come from one recursive query over reply_to (primary-key lookups, at most
    MAX_THREAD_DEPTH levels); ancestors the viewer may not see are left out, never shown.
    Raise Tweet.DoesNotExist when the viewer may not see the tweet itself.
    """
    tweet = tweet_get_visible(viewer=viewer, tweet_id=tweet_id)
    with connection.cursor() as db:
        db.execute(
            """
            WITH RECURSIVE chain (id, parent_id, depth) AS (
                SELECT id, reply_to_tweet_id, 0 FROM tweets WHERE id = %(id)s
                UNION ALL
                SELECT t.id, t.reply_to_tweet_id, chain.depth + 1
                FROM tweets t JOIN chain ON t.id = chain.parent_id
                WHERE chain.depth < %(max_depth)s
            )
            SELECT id FROM chain WHERE depth > 0 ORDER BY depth DESC
            """,
            {"id": tweet.pk, "max_depth": MAX_THREAD_DEPTH},
        )
        ancestor_ids = [row[0] for row in db.fetchall()]
    visible = _with_related(
        Tweet.objects.filter(pk__in=ancestor_ids).visible_to(viewer), viewer=viewer
    ).in_bulk()
    return Thread(
        ancestors=[visible[pk] for pk in ancestor_ids if pk in visible],
        tweet=tweet,
        replies=tweet_replies(viewer=viewer, tweet=tweet, cursor=cursor, limit=limit),
    )


def tweets_liked_by(
    *, viewer: Viewer, user: User, cursor: str | None = None, limit: int = 20
) -> Page:
    """Return a page of the visible tweets `user` liked, most recent like first.

    Keyset by like time (idx_likes_user_created); each tweet passes the visibility rule.
    Raise User.DoesNotExist when `viewer` may not see `user`'s lists (404, never 403).
    """
    if not user_content_visible(viewer=viewer, user=user):
        raise User.DoesNotExist
    queryset = (
        Tweet.objects.alias(own_like=FilteredRelation("likes", condition=Q(likes__user_id=user.pk)))
        .filter(own_like__user_id=user.pk)
        .annotate(liked_at=F("own_like__created_at"))
        .visible_to(viewer)
    )
    return keyset_page(
        _with_related(queryset, viewer=viewer), order=("liked_at", "id"), cursor=cursor, limit=limit
    )
