"""Reads for tweets. Every query here goes through `tweet_visible_q`, the one rule."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import (
    Case,
    CharField,
    F,
    FilteredRelation,
    Q,
    Value,
    When,
)

from accounts.models import User
from social.selectors import Viewer, unmuted_q, user_content_visible
from twitterclone.pagination import (
    Key,
    Page,
    cursor_decode,
    cursor_encode,
    keyset_before_sql,
    keyset_page,
    limit_clean,
)
from twitterclone.replicas import read_connection

from .cards import tweet_cards, tweets_by_ids, tweets_visible_ids
from .models import Tweet
from .visibility import _single_tweet_q, tweet_unmuted_q

# The rule's public name stays tweets.selectors.tweet_visible_q (docs/architecture.md).
from .visibility import tweet_visible_q as tweet_visible_q


def tweet_own_visible_q(*, viewer: Viewer) -> Q:
    """Match the tweets `viewer` may see by their own author and flag, originals aside.

    The whole rule for tweets that are not plain retweets (tweet_visible_q adds the original's
    check), without the join to the original: for reads over tweets with text (trending).
    """
    return _single_tweet_q(viewer=viewer, prefix="")


def tweet_get_visible(*, viewer: Viewer, tweet_id: int) -> Tweet:
    """Return tweet `tweet_id` if `viewer` may see it; raise Tweet.DoesNotExist otherwise."""
    tweet = tweets_by_ids(viewer=viewer, ids=[tweet_id]).get(tweet_id)
    if tweet is None:
        raise Tweet.DoesNotExist
    return tweet


def tweet_get_visible_posted(*, viewer: User, tweet: Tweet) -> Tweet:
    """Return `tweet`, just written by `viewer` (services.tweet_create), as tweet_get_visible does.

    Raise Tweet.DoesNotExist if the rule hides it from its author (suspended meanwhile). The
    rule decides by the ids-only statement; what the page statement would add for a tweet
    that quotes nobody and mentions nobody is what the write knows: its author is `viewer`,
    it shows itself (no original), no accounts to name, and the viewer's flags are false
    (nobody has liked, retweeted or bookmarked a tweet before its id was returned). A quote
    (its original, with its own author, counts and `quote_visible`) or a tweet that mentions
    accounts (the rule names only those that exist for the viewer) is read back whole.
    """
    if tweet.original_tweet_id is not None or tweet.mentions or tweet.user_id != viewer.pk:
        return tweet_get_visible(viewer=viewer, tweet_id=tweet.pk)
    if tweet.pk not in tweets_visible_ids(viewer=viewer, ids=[tweet.pk]):
        raise Tweet.DoesNotExist
    tweet.user = viewer
    tweet.original_tweet = None
    tweet.shown_id = tweet.pk
    tweet.quote_visible = False
    tweet.mentioned = []
    tweet.viewer_liked = tweet.viewer_retweeted = tweet.viewer_bookmarked = False
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
        with read_connection().cursor() as db:
            db.execute(sql, params)
            return db.fetchall()

    return tweets_page_from_keys(viewer=viewer, keys_of=keys_of, cursor=cursor, limit=limit)


# A page short after the rule asks for more keys at most this many times.
MAX_FILL_ROUNDS = 10


def tweets_page_from_keys(
    *,
    viewer: Viewer,
    keys_of: Callable[[Key | None, int], list[Key]],
    cursor: str | None,
    limit: int,
    unmuted: bool = False,
) -> Page:
    """Return a page of the tweets whose keys `keys_of(before, count)` gives, newest first.

    The keys are candidates; the compiled page query applies the visibility rule to them in
    one query (and, with `unmuted`, the viewer's mutes: tweets_by_ids). A page short after
    filtering asks for more keys; it never repeats or skips.
    """
    limit = limit_clean(limit)
    before = cursor_decode(cursor) if cursor else None
    items: list[Tweet] = []
    item_keys: list[Key] = []
    for _ in range(MAX_FILL_ROUNDS):
        keys = keys_of(before, limit + 1)
        visible = tweets_by_ids(viewer=viewer, ids=[pk for _, pk in keys], unmuted=unmuted)
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
    """Return a page of the visible replies to `tweet`, newest first.

    Replies the viewer's mutes would drop from a list stay, marked (`viewer_muted`: "account"
    for a muted author, "word" for a muted word, "" otherwise) for the thread to collapse.
    """
    queryset = tweet_cards(
        Tweet.objects.filter(reply_to_id=tweet.pk).visible_to(viewer), viewer=viewer
    )
    if viewer.is_authenticated:
        muted = Case(
            When(user_id=viewer.pk, then=Value("")),
            When(~unmuted_q(viewer=viewer, prefix="user__"), then=Value(MutedBy.ACCOUNT)),
            When(~tweet_unmuted_q(viewer=viewer), then=Value(MutedBy.WORD)),
            default=Value(""),
            output_field=CharField(),
        )
    else:
        muted = Value("", output_field=CharField())
    return keyset_page(queryset.annotate(viewer_muted=muted), cursor=cursor, limit=limit)


class MutedBy:
    ACCOUNT = "account"
    WORD = "word"


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
    """Return a page of visible tweets carrying #`tag` (GIN on hashtags), newest first.

    Not the viewer's muted accounts' or words' tweets (tweet_unmuted_q).
    """
    if "\x00" in tag:
        return Page()  # PostgreSQL refuses NUL in text; no tweet can carry such a tag
    queryset = (
        Tweet.objects.filter(hashtags__contains=[tag.lower().lstrip("#")])
        .visible_to(viewer)
        .filter(tweet_unmuted_q(viewer=viewer))
    )
    return keyset_page(tweet_cards(queryset, viewer=viewer), cursor=cursor, limit=limit)


def tweets_mentioning(
    *, viewer: Viewer, user: User, cursor: str | None = None, limit: int = 20
) -> Page:
    """Return a page of visible tweets that @mention `user` (GIN on mentions), newest first."""
    queryset = Tweet.objects.filter(mentions__contains=[user.pk]).visible_to(viewer)
    return keyset_page(tweet_cards(queryset, viewer=viewer), cursor=cursor, limit=limit)


def tweets_recent(*, viewer: Viewer, cursor: str | None = None, limit: int = 20) -> Page:
    """Return a page of the newest tweets `viewer` may see (explore; idx_tweets_created).

    Not the viewer's muted accounts' or words' tweets (tweet_unmuted_q).
    """
    queryset = Tweet.objects.visible_to(viewer).filter(tweet_unmuted_q(viewer=viewer))
    return keyset_page(tweet_cards(queryset, viewer=viewer), cursor=cursor, limit=limit)


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
    with read_connection().cursor() as db:
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
    visible = tweet_cards(
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
        tweet_cards(queryset, viewer=viewer), order=("liked_at", "id"), cursor=cursor, limit=limit
    )


# The owner's bookmarks, newest bookmark first, from idx_bookmarks_user_created. Bookmark's
# foreign key to tweets has no reverse accessor (related_name="+"), so the list is built like
# a user's tweets: keys from the index, then the compiled page query applies the rule.
BOOKMARK_KEYS_SQL = """
    SELECT created_at, tweet_id FROM bookmarks
    WHERE user_id = %(user_id)s {before}
    ORDER BY created_at DESC, tweet_id DESC LIMIT %(count)s
"""


def bookmarks_list(*, viewer: Viewer, cursor: str | None = None, limit: int = 20) -> Page:
    """Return a page of the tweets `viewer` bookmarked that they may still see, newest first.

    Keyset by bookmark time. A bookmarked tweet the viewer may no longer see (its author
    protected the account or removed the viewer, a block, a suspension) is left out, not
    deleted: it shows again when access returns. Empty for a signed-out viewer.
    """
    if not viewer.is_authenticated:
        return Page()

    def keys_of(before: Key | None, count: int) -> list[Key]:
        params = {"user_id": viewer.pk, "count": count}
        if before is not None:
            params.update(before_at=before[0], before_id=before[1])
        sql = BOOKMARK_KEYS_SQL.format(before=keyset_before_sql(before, "tweet_id"))
        with read_connection().cursor() as db:
            db.execute(sql, params)
            return db.fetchall()

    return tweets_page_from_keys(viewer=viewer, keys_of=keys_of, cursor=cursor, limit=limit)
