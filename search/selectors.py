"""Search and discovery: tweets by full text, people by name prefix, trending hashtags.

Every read goes through the one visibility rule: `tweet_visible_q` (tweets.selectors) for
tweets, `tweet_own_visible_q` (the same rule where no plain retweet is counted) for trending,
`user_listed_q` (social.selectors) for people. Tweet cards come from tweets.cards.tweet_cards,
as on every other list.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.db.models import (
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Collate, Lower
from django.utils import timezone

from accounts.models import User
from social.selectors import Viewer, unmuted_q, user_listed_q
from tweets.cards import tweet_cards
from tweets.models import PLAIN_RETWEET, Tweet
from tweets.selectors import tweet_own_visible_q, tweet_unmuted_q
from twitterclone.expressions import EqualsAny
from twitterclone.pagination import CURSOR_INVALID, Page, cursor_decode, keyset_page, limit_clean
from twitterclone.replicas import read_alias

Key = tuple[datetime, int]


@dataclass(frozen=True)
class TrendingTag:
    tag: str
    authors: int  # distinct authors using it in the recent window
    authors_before: int  # distinct authors in the day before the window


def hashtags_trending(*, hours: int = 3, limit: int = 10) -> list[TrendingTag]:
    """Return the tags most used by distinct authors lately, compared with the day before.

    Trending is one list for everyone, so only the tweets anyone may see count: the rule for
    an anonymous viewer (public, active authors; not hidden), and a trend never reveals a
    protected or private account's words. The score
    is the recent number of distinct authors over the day-before rate scaled to the same
    window (plus one, so new tags rank by their own count). Served by idx_tweets_created over
    the last 24 h + window.
    """
    now = timezone.now()
    recent = Q(created_at__gte=now - timedelta(hours=hours))
    # unnest() in the select list: PostgreSQL groups by its output column (GROUP BY 1).
    tag = Func(F("hashtags"), function="unnest", output_field=TextField())
    score = ExpressionWrapper(
        Cast("authors", FloatField()) / (Value(1.0) + F("authors_before") * Value(hours / 24)),
        output_field=FloatField(),
    )
    rows = (
        # Plain retweets carry no tags; without them the rule needs no join to the original.
        Tweet.objects.exclude(PLAIN_RETWEET)
        .filter(tweet_own_visible_q(viewer=AnonymousUser()))
        .filter(created_at__gte=now - timedelta(hours=hours + 24))
        .annotate(tag=tag)
        .values("tag")
        .annotate(
            authors=Count("user_id", distinct=True, filter=recent),
            authors_before=Count("user_id", distinct=True, filter=~recent),
        )
        .filter(authors__gt=0)
        .order_by(score.desc(), F("authors").desc(), "tag")
        .values_list("tag", "authors", "authors_before")[:limit]
    )
    return [TrendingTag(*row) for row in rows]


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
    # `id = ANY(ARRAY(subquery))`: the subquery runs once, as an InitPlan, before the joins.
    # As `id IN (subquery)` the planner costed the page's joins with the windows' (large,
    # rarely spent) cost included, and at that size it found a nested loop over all 100,000
    # users as good as a primary-key lookup (paths within 1 % are equal): 440 ms instead of 90.
    return EqualsAny(F("pk"), ArraySubquery(newest))


def tweets_search(
    *, viewer: Viewer, query: str, cursor: str | None = None, limit: int = 20
) -> Page:
    """Return a page of visible tweets matching `query` (web-search syntax), newest first.

    `query` reads like a search box: words, "a phrase", or, -word (websearch_to_tsquery, which
    never fails on syntax). Stop words alone ("the") match nothing. Not the viewer's muted
    accounts' or words' tweets (tweet_unmuted_q). One query for the page:
    the newest matches the viewer may see (tweets_search_newest), then their cards.
    """
    limit = limit_clean(limit)
    before = cursor_decode(cursor) if cursor else None
    if "\x00" in query:
        return Page()  # PostgreSQL refuses NUL in text; no tweet can contain it
    # The viewer's mutes filter the matches before the newest are picked: pages stay full.
    searchable = Tweet.objects.visible_to(viewer).filter(tweet_unmuted_q(viewer=viewer))
    newest = tweets_search_newest(queryset=searchable, query=query, count=limit + 1, before=before)
    queryset = Tweet.objects.filter(newest)
    # On the connection the request reads from (a replica for GETs): SET LOCAL needs a
    # transaction there.
    alias = read_alias()
    with transaction.atomic(using=alias), connections[alias].cursor() as db:
        db.execute(SEARCH_PLANNER_SETTINGS)
        return keyset_page(tweet_cards(queryset, viewer=viewer), cursor=cursor, limit=limit)


_USER_CURSOR_SALT = "twitterclone.cursor.users_search"
# Byte order (COLLATE "C"): a prefix is then a range of the C-collated name indexes
# (idx_users_username_prefix, idx_users_display_name_prefix) and pages follow that order.
USERNAME_SORT = Collate(Lower("username"), "C")
DISPLAY_NAME_SORT = Collate(Lower("display_name"), "C")


def users_search(*, viewer: Viewer, query: str, cursor: str | None = None, limit: int = 20) -> Page:
    """Return a page of users whose username or display name starts with `query` (any case).

    Ordered by username, so an exact username comes first; a leading "@" is ignored. Only
    users that may be listed to `viewer` (user_listed_q): private accounts only for viewers
    who may see them, blocked and suspended accounts never, nor accounts the viewer muted.
    """
    prefix = query.strip().removeprefix("@").lower()
    limit = limit_clean(limit)
    if not prefix or "\x00" in prefix:
        return Page()
    queryset = (
        User.objects.alias(username_sort=USERNAME_SORT, display_name_sort=DISPLAY_NAME_SORT)
        .filter(Q(username_sort__startswith=prefix) | Q(display_name_sort__startswith=prefix))
        .filter(user_listed_q(viewer=viewer), unmuted_q(viewer=viewer))
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
