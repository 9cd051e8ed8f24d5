"""Reads for tweets. Every query here goes through `tweet_visible_q`, the one rule."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise

from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Collate, Lower
from django.db.models.query import get_related_populators
from django.utils import timezone

from accounts.models import User
from social.selectors import Viewer, user_content_visible, user_listed_q
from twitterclone.pagination import (
    CURSOR_INVALID,
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


@dataclass(frozen=True)
class TrendingTag:
    tag: str
    authors: int  # distinct authors using it in the recent window
    authors_before: int  # distinct authors in the day before the window


def hashtags_trending(*, hours: int = 3, limit: int = 10) -> list[TrendingTag]:
    """Return the tags most used by distinct authors lately, compared with the day before.

    Only tweets anyone may see count (public, active authors; not hidden), so a trend never
    reveals a protected or private account's words. The score is the recent number of
    distinct authors over the day-before rate scaled to the same window (plus one, so new
    tags rank by their own count). Served by idx_tweets_created over the last 24 h + window.
    """
    with connection.cursor() as db:
        db.execute(
            """
            WITH windowed AS (
                SELECT tag, t.user_id, t.created_at >= now() - make_interval(hours => %(h)s)
                    AS recent
                FROM tweets t
                JOIN users u ON u.id = t.user_id
                CROSS JOIN LATERAL unnest(t.hashtags) AS tag
                WHERE t.created_at >= now() - make_interval(hours => %(h)s + 24)
                  AND NOT t.is_hidden AND u.is_active AND u.privacy = 'public'
            ),
            counted AS (
                SELECT tag,
                       count(DISTINCT user_id) FILTER (WHERE recent) AS authors,
                       count(DISTINCT user_id) FILTER (WHERE NOT recent) AS authors_before
                FROM windowed GROUP BY tag
            )
            SELECT tag, authors, authors_before FROM counted
            WHERE authors > 0
            ORDER BY authors::float / (1 + authors_before * %(h)s / 24.0) DESC, authors DESC, tag
            LIMIT %(limit)s
            """,
            {"h": hours, "limit": limit},
        )
        return [TrendingTag(*row) for row in db.fetchall()]


# Search (DESIGN "API contract": GET /search). Tweets by PostgreSQL full-text search, users by
# name prefix; both through the visibility rule, so private accounts never show to strangers.

# The expression idx_tweets_content_fts indexes: a query must repeat it exactly to use it.
CONTENT_VECTOR = SearchVector("content", config="english")
MAX_QUERY_LENGTH = 100
# For the one search statement (one round trip), as its transaction's settings:
# - no JIT: the later windows' sorts give the statement a large total cost though they rarely
#   run, and compiling it took 0.9 s against a 90 ms search;
# - no parallel plans: a Parallel Append would not run the windows in order, and on a busy
#   machine starting workers costs more (5-15 ms a Gather) than the bitmap scans they share;
# - nested loops only: every join is a key lookup for at most a few thousand matches, but the
#   planner guesses ~3,300 for any word outside its statistics and then hashed all 100,000
#   users (20 ms seq scan) for a rare word's 861 matches.
SEARCH_PLANNER_SETTINGS = (
    "SELECT set_config('jit', 'off', true),"
    " set_config('max_parallel_workers_per_gather', '0', true),"
    " set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)"
)
# Recency windows, newest first, measured back from the page's upper end (the cursor, or now):
# 6 hours for a page of 20 (wider in proportion for more rows: 12 days for the admin's 1,001),
# then 4 times wider each until the last holds `count` matches of a word with
# SEARCH_WINDOW_ROWS a day (about 0.02 % of tweets at 110,000 tweets a day).
SEARCH_FIRST_WINDOW = timedelta(hours=6)
SEARCH_WINDOW_ROWS = 25


def _search_windows(count: int) -> list[timedelta]:
    """Return the windows for the `count` newest matches: 6 h and 1 d for a page of 20.

    Each window costs a scan of idx_tweets_content_fts if it runs, so more rows start wider.
    """
    windows = [SEARCH_FIRST_WINDOW * max(1, count / 21)]
    while windows[-1] < timedelta(days=max(1, count / SEARCH_WINDOW_ROWS)):
        windows.append(windows[-1] * 4)
    return windows


# Sorting by this instead of created_at keeps PostgreSQL from walking idx_tweets_created.
_NOT_INDEXED_CREATED_AT = ExpressionWrapper(
    F("created_at") + Value(timedelta(0)), output_field=DateTimeField()
)


def tweet_search_q(*, query: str) -> Q:
    """Match the tweets whose text matches `query` (web-search syntax), on the indexed vector.

    The queryset must alias CONTENT_VECTOR as `content_vector` (tweets_search_newest does).
    """
    return Q(content_vector=SearchQuery(query, config="english", search_type="websearch"))


class _IdAmong(Func):
    """`id = ANY(ARRAY(subquery))`: the subquery runs once, as an InitPlan, before the joins.

    As `id IN (subquery)` the planner costed the page's joins with the windows' (large, rarely
    spent) cost included, and at that size it found a nested loop over all 100,000 users as
    good as a primary-key lookup (paths within 1 % are equal): 440 ms instead of 90.
    """

    template = "(%(expressions)s))"
    arg_joiner = " = ANY("
    output_field = BooleanField()


def tweets_search_newest(
    *, queryset: QuerySet, query: str, count: int, before: Key | None = None
) -> Func:
    """Return a condition matching the `count` newest tweets of `queryset` matching `query`.

    Only tweets older than `before` (a keyset cursor's key), if given. `queryset` carries its
    own filters (the visibility rule for tweets_search, the list filters in the admin).

    One statement: a UNION ALL of the search over recency windows (the last 6 hours before
    the upper end, the rest of that day, for more rows also 4, 16... days, then all older),
    each newest first and LIMITed, the whole LIMITed. A plain Append runs a window only while
    the rows so far are fewer than `count`; the windows are disjoint and each in order, so
    the ids are the `count` newest matches. In the first window the planner walks
    idx_tweets_created for a common word (stops after a page) or BitmapAnds
    idx_tweets_content_fts with the window's range of idx_tweets_created (no to_tsvector per
    row, no fetching every match to sort it). A later window runs only when the word had
    fewer than `count` matches in the windows before it, so it is not common there: its rows
    come from the full-text index and are sorted, never a walk (which, for a word rarer than
    the planner thinks, reads the whole window through to_tsvector: 45 s for an absent word
    at 10 M tweets). The last window is wide enough that all older matches are sorted only
    for a word with fewer than about SEARCH_WINDOW_ROWS matches a day in it.
    """
    matching = queryset.alias(content_vector=CONTENT_VECTOR).filter(tweet_search_q(query=query))
    if before is None:
        upper = timezone.now()
    else:
        upper = before[0]
        # The plain bound lets the index seek; the row comparison breaks ties by id.
        matching = matching.filter(
            Q(created_at__lt=before[0]) | Q(created_at=before[0], id__lt=before[1]),
            created_at__lte=before[0],
        )
    bounds = [upper - window for window in _search_windows(count)]
    ranges = [Q(created_at__gte=bounds[0])]
    ranges += [Q(created_at__gte=low, created_at__lt=high) for high, low in pairwise(bounds)]
    ranges.append(Q(created_at__lt=bounds[-1]))
    newest_first = [F("created_at").desc(), F("id").desc()]
    sorted_first = [_NOT_INDEXED_CREATED_AT.desc(), F("id").desc()]
    branches = [
        matching.filter(window).order_by(*(sorted_first if n else newest_first)).values("pk")
        for n, window in enumerate(ranges)
    ]
    branches = [branch[:count] for branch in branches]
    newest = branches[0].union(*branches[1:], all=True)[:count]
    return _IdAmong(F("pk"), ArraySubquery(newest))


def tweets_search(
    *, viewer: Viewer, query: str, cursor: str | None = None, limit: int = 20
) -> Page:
    """Return a page of visible tweets matching `query` (web-search syntax), newest first.

    `query` reads like a search box: words, "a phrase", or, -word (websearch_to_tsquery, which
    never fails on syntax). Stop words alone ("the") match nothing. One query for the page:
    the newest matches the viewer may see (tweets_search_newest), then their cards.
    """
    limit = limit_clean(limit)
    before = cursor_decode(cursor) if cursor else None
    if "\x00" in query:
        return Page()  # PostgreSQL refuses NUL in text; no tweet can contain it
    newest = tweets_search_newest(
        queryset=Tweet.objects.visible_to(viewer), query=query, count=limit + 1, before=before
    )
    queryset = Tweet.objects.filter(newest)
    with transaction.atomic(), connection.cursor() as db:
        db.execute(SEARCH_PLANNER_SETTINGS)
        return keyset_page(_with_related(queryset, viewer=viewer), cursor=cursor, limit=limit)


_USER_CURSOR_SALT = "twitterclone.cursor.users_search"
# Byte order (COLLATE "C"): a prefix is then a range of the C-collated name indexes
# (idx_users_username_prefix, idx_users_display_name_prefix) and pages follow that order.
USERNAME_SORT = Collate(Lower("username"), "C")
DISPLAY_NAME_SORT = Collate(Lower("display_name"), "C")


def users_search(*, viewer: Viewer, query: str, cursor: str | None = None, limit: int = 20) -> Page:
    """Return a page of users whose username or display name starts with `query` (any case).

    Ordered by username, so an exact username comes first; a leading "@" is ignored. Only
    users that may be listed to `viewer` (user_listed_q): private accounts only for viewers
    who may see them, blocked and suspended accounts never.
    """
    prefix = query.strip().removeprefix("@").lower()
    limit = limit_clean(limit)
    if not prefix or "\x00" in prefix:
        return Page()
    queryset = (
        User.objects.alias(username_sort=USERNAME_SORT, display_name_sort=DISPLAY_NAME_SORT)
        .filter(Q(username_sort__startswith=prefix) | Q(display_name_sort__startswith=prefix))
        .filter(user_listed_q(viewer=viewer))
    )
    if cursor:
        queryset = queryset.filter(username_sort__gt=_user_cursor_decode(cursor))
    rows = list(queryset.order_by("username_sort")[: limit + 1])
    if len(rows) <= limit:
        return Page(items=rows)
    rows = rows[:limit]
    return Page(items=rows, next_cursor=_user_cursor_encode(rows[-1].username.lower()))


def _user_cursor_encode(username_lower: str) -> str:
    return signing.dumps(username_lower, salt=_USER_CURSOR_SALT)


def _user_cursor_decode(cursor: str) -> str:
    try:
        username_lower = signing.loads(cursor, salt=_USER_CURSOR_SALT)
    except signing.BadSignature:
        raise ValidationError({"cursor": [CURSOR_INVALID]}) from None
    if not isinstance(username_lower, str):
        raise ValidationError({"cursor": [CURSOR_INVALID]})
    return username_lower


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
