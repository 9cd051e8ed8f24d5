"""Writes for tweets: post, delete, like, retweet; counters move with F() in one transaction.

One file on purpose (about 450 lines): every write here, reports and hiding included, takes its
row locks through the same helpers in the one order that keeps concurrent writes deadlock-free
(see "Every write here takes its row locks in one order" below); split, that order would span
modules and their private helpers would become an API.
"""

import re
from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.db.models import Count, F
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import User
from media import services as media_services
from media import storage as media_storage
from media.processing import Processed
from twitterclone.counters import counter_rebuild
from twitterclone.validators import reject_nul_bytes, text_clean, text_is_blank

from .models import (
    MAX_CONTENT_LENGTH,
    MAX_MEDIA_URLS,
    PLAIN_RETWEET,
    Bookmark,
    Like,
    Report,
    Tweet,
    tweet_fields,
)
from .selectors import tweet_get_visible
from .signals import (
    like_created,
    like_removed,
    retweet_removed,
    tweet_hidden,
    tweet_posted,
    tweets_deleted,
)
from .visibility import tweet_shareable

CONTENT_REQUIRED = "Write something first."
CONTENT_TOO_LONG = f"Tweets are at most {MAX_CONTENT_LENGTH} characters."
MEDIA_TOO_MANY = f"Attach at most {MAX_MEDIA_URLS} media URLs."
MEDIA_URL_INVALID = "Media must be http(s) URLs of at most 2,000 characters."
REPLY_TO_UNAVAILABLE = "The tweet you are replying to is not available."
QUOTE_UNAVAILABLE = "The tweet you are quoting is not available."
NOT_RETWEETABLE = "Tweets from protected or private accounts cannot be retweeted or quoted."
DELETE_FORBIDDEN = "Only the author or staff can delete a tweet."

MAX_MEDIA_URL_LENGTH = 2000
# A tag or mention starts a word; `#` or `@` glued to a word (e-mail, a#b) is not one.
# A word longer than the limit is no tag (not a truncated one); `@a@b.c` is an address.
HASHTAG_RE = re.compile(r"(?<![\w#])#(\w{1,100}+)(?!\w)")
MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{1,50}+)(?![\w@])")
_http_url = URLValidator(schemes=["http", "https"])


def hashtags_extract(content: str) -> list[str]:
    """Return the distinct #tags in `content`, lower-cased, in order of first appearance."""
    return list(dict.fromkeys(tag.lower() for tag in HASHTAG_RE.findall(content)))


def mentions_resolve(content: str) -> list[int]:
    """Return the ids of existing users @mentioned in `content`, in order of appearance.

    Suspended accounts and accounts that block the author are stored too: the row keeps
    keys and every read decides who exists for its viewer (tweets.api.serializers
    tweet_context, by social.selectors.user_visible_q). An account restored, or a block
    lifted, then shows its mentions again; dropping them here would answer the author
    differently for a real but hidden account than for a name nobody has.
    """
    names = list(dict.fromkeys(name.lower() for name in MENTION_RE.findall(content)))
    if not names:
        return []
    ids = dict(
        User.objects.annotate(username_lower=Lower("username"))
        .filter(username_lower__in=names)
        .values_list("username_lower", "pk")
    )
    return [ids[name] for name in names if name in ids]


def _validate_media(media_urls: list[str]) -> list[str]:
    if len(media_urls) > MAX_MEDIA_URLS:
        return [MEDIA_TOO_MANY]
    for url in media_urls:
        if not isinstance(url, str) or len(url) > MAX_MEDIA_URL_LENGTH:
            return [MEDIA_URL_INVALID]
        try:
            _http_url(url)
        except ValidationError:
            return [MEDIA_URL_INVALID]
    return []


def _target_of(tweet: Tweet) -> Tweet:
    """Return the tweet an action on `tweet` applies to: a plain retweet stands for its original."""
    return tweet.original_tweet if tweet.is_plain_retweet else tweet


def _retweetable_original(*, user: User, tweet: Tweet, error_field: str) -> Tweet:
    """Return the original behind `tweet` if `user` may retweet or quote it."""
    original = _target_of(tweet)
    if not tweet_shareable(tweet=original):
        raise ValidationError({error_field: [NOT_RETWEETABLE]})
    return original


@dataclass(frozen=True)
class Counts:
    like_count: int
    retweet_count: int
    reply_count: int


def _counts(tweet_id: int) -> Counts:
    row = Tweet.objects.filter(pk=tweet_id).values("like_count", "retweet_count", "reply_count")
    return Counts(**row.get())


def _lock_referenced(*, reply_to: Tweet | None, quote_of: Tweet | None) -> None:
    """Key-share lock the replied-to and quoted tweets; raise if one was deleted meanwhile.

    The foreign keys are checked only at commit, so a parent deleted after it was read would
    surface as an IntegrityError there. The lock waits for a concurrent tweet_delete (which
    holds FOR UPDATE) and then finds the row gone; it does not conflict with counter updates.
    """
    wanted = {tweet.pk for tweet in (reply_to, quote_of) if tweet is not None}
    if not wanted:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {Tweet._meta.db_table} WHERE id = ANY(%s) ORDER BY id FOR KEY SHARE",
            [sorted(wanted)],
        )
        present = {row[0] for row in cursor.fetchall()}
    errors = {}
    if reply_to is not None and reply_to.pk not in present:
        errors["reply_to_id"] = [REPLY_TO_UNAVAILABLE]
    if quote_of is not None and quote_of.pk not in present:
        errors["quote_of_id"] = [QUOTE_UNAVAILABLE]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def tweet_create(
    *,
    author: User,
    content: str,
    reply_to_id: int | None = None,
    quote_of_id: int | None = None,
    media_urls: list[str] | None = None,
    media_ids: list[int] | None = None,
    sensitive: bool = False,
) -> Tweet:
    """Post a tweet, a reply (`reply_to_id`) or a quote (`quote_of_id`), with uploads."""
    media_urls = list(media_urls or [])
    reject_nul_bytes(content=content, media_urls=media_urls)
    content = text_clean(text=content)
    errors: dict[str, list[str]] = {}
    if text_is_blank(text=content):
        errors["content"] = [CONTENT_REQUIRED]
    elif len(content) > MAX_CONTENT_LENGTH:
        errors["content"] = [CONTENT_TOO_LONG]
    if media_errors := _validate_media(media_urls):
        errors["media_urls"] = media_errors
    uploads = []
    try:
        # Locks the caller's own unattached uploads: a second post of them waits, then fails.
        uploads = media_services.uploads_claim(owner=author, upload_ids=list(media_ids or []))
    except ValidationError as error:
        errors.update(error.message_dict)

    reply_to = quote_of = None
    if reply_to_id is not None:
        try:
            # A plain retweet shows its original, so a reply to it answers the original.
            reply_to = _target_of(tweet_get_visible(viewer=author, tweet_id=reply_to_id))
        except Tweet.DoesNotExist:
            errors["reply_to_id"] = [REPLY_TO_UNAVAILABLE]
    if quote_of_id is not None:
        try:
            quoted = tweet_get_visible(viewer=author, tweet_id=quote_of_id)
            quote_of = _retweetable_original(user=author, tweet=quoted, error_field="quote_of_id")
        except Tweet.DoesNotExist:
            errors["quote_of_id"] = [QUOTE_UNAVAILABLE]
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    _lock_referenced(reply_to=reply_to, quote_of=quote_of)

    tweet = Tweet.objects.create(
        user=author,
        content=content,
        reply_to=reply_to,
        original_tweet=quote_of,
        media_urls=media_urls,
        hashtags=hashtags_extract(content),
        mentions=mentions_resolve(content),
        media=[upload.as_media() for upload in uploads],
        sensitive=bool(sensitive),
    )
    media_services.uploads_attach(uploads=uploads, tweet_id=tweet.pk)
    if reply_to is not None:
        Tweet.objects.filter(pk=reply_to.pk).update(reply_count=F("reply_count") + 1)
    _tweets_count_add({author.pk: 1})
    tweet_posted.send(
        sender=Tweet,
        tweet_id=tweet.pk,
        reply_to_id=tweet.reply_to_id,
        original_id=tweet.original_tweet_id,
        mention_ids=list(tweet.mentions),
    )
    return tweet


def tweet_create_with_images(
    *, author: User, images: list[tuple[Processed, str]], **kwargs
) -> Tweet:
    """Post a tweet with images processed from a form (media.services.upload_process).

    The uploads and the tweet commit together; when the post is refused, the files stored
    for it are deleted at once, so a refused form leaves nothing behind.
    """
    uploads = []
    try:
        with transaction.atomic():
            for processed, alt_text in images:
                uploads.append(
                    media_services.upload_store(
                        owner=author, processed=processed, alt_text=alt_text
                    )
                )
            return tweet_create(
                author=author, media_ids=[upload.pk for upload in uploads], **kwargs
            )
    except BaseException:
        media_storage.files_delete(names=[name for upload in uploads for name in upload.names()])
        raise


# Every write here takes its row locks in one order, so concurrent writes queue instead of
# deadlocking: tweets first, a parent or original before the tweets hanging off it (deleting
# a tweet reaches down to its replies, quotes, retweets and likes), users last, in id order.


def _lock_counted(*tweet_ids: int | None) -> set[int]:
    """Lock the tweets whose counters this write moves, in id order; return those that exist."""
    ids = sorted({pk for pk in tweet_ids if pk is not None})
    if not ids:
        return set()
    rows = Tweet.objects.filter(pk__in=ids).order_by("pk").select_for_update(no_key=True)
    return set(rows.values_list("pk", flat=True))


def _lock_target(tweet_id: int) -> None:
    """Lock the tweet a like or retweet counts; raise Tweet.DoesNotExist if it was deleted."""
    if not _lock_counted(tweet_id):
        raise Tweet.DoesNotExist


def _lock_for_removal(tweet_id: int) -> Tweet:
    """Lock a tweet to delete it, after the tweets whose counters count it; return it fresh."""
    above = (
        Tweet.objects.filter(pk=tweet_id)
        .values_list("reply_to_id", "original_tweet_id", "content")
        .first()
    )
    if above is None:
        raise Tweet.DoesNotExist
    reply_to_id, original_tweet_id, content = above
    _lock_counted(reply_to_id, original_tweet_id if content == "" else None)
    # Re-read under the lock: a parent deleted meanwhile has set reply_to to NULL.
    return Tweet.objects.select_for_update().get(pk=tweet_id)


def _tweets_count_add(changes: dict[int, int]) -> None:
    """Move users' tweets_count; user rows are the last locks a write takes, in id order."""
    # One plain statement per user: the ORM's compile of this UPDATE cost a post more CPU
    # than running it (docs/performance.md "Posting made cheaper").
    with connection.cursor() as cursor:
        for user_id in sorted(changes):
            if changes[user_id]:
                cursor.execute(
                    f"UPDATE {User._meta.db_table} SET tweets_count = tweets_count + %s "
                    "WHERE id = %s",
                    [changes[user_id], user_id],
                )


def _tweet_remove(tweet: Tweet, *, retweets_removed: dict[int, int] | None = None) -> None:
    """Delete one tweet locked by _lock_for_removal and move every counter that counted it.

    `retweets_removed` maps the authors of plain retweets deleted along with it to how many.
    """
    if tweet.reply_to_id is not None:
        Tweet.objects.filter(pk=tweet.reply_to_id).update(reply_count=F("reply_count") - 1)
    if tweet.is_plain_retweet:
        Tweet.objects.filter(pk=tweet.original_tweet_id).update(
            retweet_count=F("retweet_count") - 1
        )
        retweet_removed.send(
            sender=Tweet, user_id=tweet.user_id, original_id=tweet.original_tweet_id
        )
    tweets_deleted.send(sender=Tweet, rows=[(tweet.pk, tweet.user_id, tweet.created_at)])
    if tweet.media:
        # The files go in a job after the commit (media.tasks).
        media_services.uploads_delete_for_tweets(tweet_ids=[tweet.pk])
    tweet.delete()
    losses = Counter(retweets_removed or {})
    losses[tweet.user_id] += 1
    _tweets_count_add({user_id: -count for user_id, count in losses.items()})


@transaction.atomic
def tweet_delete(*, tweet: Tweet, actor: User) -> None:
    """Delete `tweet`, its likes and its plain retweets; replies and quotes stay, detached."""
    if actor.pk != tweet.user_id and not actor.is_staff:
        raise PermissionDenied(DELETE_FORBIDDEN)
    # Locked first: a concurrent like, retweet or reply waits, then finds it gone.
    tweet = _lock_for_removal(tweet.pk)
    retweets = Tweet.objects.filter(PLAIN_RETWEET, original_tweet_id=tweet.pk)
    retweets_removed = _count_by_author(retweets)
    tweets_deleted.send(
        sender=Tweet, rows=list(retweets.values_list("pk", "user_id", "created_at"))
    )
    retweets.delete()
    _tweet_remove(tweet, retweets_removed=retweets_removed)


def _count_by_author(queryset) -> dict[int, int]:
    return dict(queryset.values("user_id").annotate(n=Count("pk")).values_list("user_id", "n"))


def _insert_ignore_returning(sql: str, params: list):
    """Run an INSERT ... ON CONFLICT DO NOTHING RETURNING x; return x, or None if no row.

    The foreign keys are deferred (checked at commit), so a target deleted after it was read
    is caught by the caller's _lock_target, not here.
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        return None if row is None else row[0]


def tweet_insert_row(tweet: Tweet) -> dict[str, object]:
    """Return `tweet`'s values by column for a raw INSERT: every column (tweet_fields) but id."""
    return {
        field.column: field.get_db_prep_save(getattr(tweet, field.attname), connection=connection)
        for field in tweet_fields()
        if not field.primary_key
    }


@transaction.atomic
def like_create(*, user: User, tweet_id: int) -> Counts:
    """Like a tweet `user` can see (idempotent); raise Tweet.DoesNotExist otherwise."""
    tweet = _target_of(tweet_get_visible(viewer=user, tweet_id=tweet_id))
    _lock_target(tweet.pk)
    inserted = _insert_ignore_returning(
        f"INSERT INTO {Like._meta.db_table} (user_id, tweet_id, created_at) "
        "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING RETURNING 1",
        [user.pk, tweet.pk, timezone.now()],
    )
    if inserted:
        Tweet.objects.filter(pk=tweet.pk).update(like_count=F("like_count") + 1)
        like_created.send(sender=Like, user_id=user.pk, tweet_id=tweet.pk)
    return _counts(tweet.pk)


@transaction.atomic
def like_delete(*, user: User, tweet_id: int) -> Counts:
    """Take back a like (idempotent); raise Tweet.DoesNotExist for an unseen tweet."""
    tweet = _target_of(tweet_get_visible(viewer=user, tweet_id=tweet_id))
    _lock_target(tweet.pk)
    deleted, _ = Like.objects.filter(user_id=user.pk, tweet_id=tweet.pk).delete()
    if deleted:
        Tweet.objects.filter(pk=tweet.pk).update(like_count=F("like_count") - 1)
        like_removed.send(sender=Like, user_id=user.pk, tweet_id=tweet.pk)
    return _counts(tweet.pk)


@transaction.atomic
def retweet_create(*, user: User, tweet_id: int) -> Counts:
    """Retweet a public tweet (idempotent; a retweet of a retweet retweets the original)."""
    tweet = tweet_get_visible(viewer=user, tweet_id=tweet_id)
    original = _retweetable_original(user=user, tweet=tweet, error_field="tweet")
    _lock_target(original.pk)
    # The partial unique index uniq_tweets_plain_retweet arbitrates concurrent retweets.
    # The model's defaults fill the other columns (created_at: the app's clock, as for any
    # tweet; now() would be the transaction's start).
    row = tweet_insert_row(Tweet(user_id=user.pk, original_tweet_id=original.pk))
    retweet_id = _insert_ignore_returning(
        f"INSERT INTO {Tweet._meta.db_table} ({', '.join(row)}) "
        f"VALUES ({', '.join(['%s'] * len(row))}) "
        "ON CONFLICT (user_id, original_tweet_id) WHERE original_tweet_id IS NOT NULL "
        "AND content = '' DO NOTHING RETURNING id",
        list(row.values()),
    )
    if retweet_id is not None:
        Tweet.objects.filter(pk=original.pk).update(retweet_count=F("retweet_count") + 1)
        _tweets_count_add({user.pk: 1})
        tweet_posted.send(
            sender=Tweet,
            tweet_id=retweet_id,
            reply_to_id=None,
            original_id=original.pk,
            mention_ids=[],
        )
    return _counts(original.pk)


@transaction.atomic
def retweet_delete(*, user: User, tweet_id: int) -> Counts:
    """Undo `user`'s retweet of the tweet (or of the original behind a retweet); idempotent."""
    original_id = _target_of(tweet_get_visible(viewer=user, tweet_id=tweet_id)).pk
    _lock_target(original_id)
    retweet = (
        Tweet.objects.filter(PLAIN_RETWEET, user_id=user.pk, original_tweet_id=original_id)
        .select_for_update()
        .first()
    )
    if retweet is not None:
        _tweet_remove(retweet)
    return _counts(original_id)


def tweet_counters_rebuild(*, dry_run: bool = False) -> dict[str, int]:
    """Recompute tweets_count and every tweet counter from the rows; return rows off."""
    sources = {
        ("users", "tweets_count"): "SELECT user_id AS id, count(*) AS n FROM tweets GROUP BY 1",
        ("tweets", "like_count"): "SELECT tweet_id AS id, count(*) AS n FROM likes GROUP BY 1",
        ("tweets", "retweet_count"): (
            "SELECT original_tweet_id AS id, count(*) AS n FROM tweets "
            "WHERE original_tweet_id IS NOT NULL AND content = '' GROUP BY 1"
        ),
        ("tweets", "reply_count"): (
            "SELECT reply_to_tweet_id AS id, count(*) AS n FROM tweets "
            "WHERE reply_to_tweet_id IS NOT NULL GROUP BY 1"
        ),
    }
    return {
        f"{table}.{column}": counter_rebuild(
            table=table, column=column, source_sql=sql, dry_run=dry_run
        )
        for (table, column), sql in sources.items()
    }


REPORT_REASON_REQUIRED = "Say what is wrong with this tweet."
REPORT_REASON_TOO_LONG = "Reasons are at most 500 characters."


@transaction.atomic
def report_create(*, reporter: User, tweet_id: int, reason: str) -> tuple[Report, bool]:
    """Report a tweet `reporter` can see; return (report, created).

    While the reporter's earlier report of the tweet is open, that report is returned and
    nothing is written. Raise Tweet.DoesNotExist for a tweet the reporter may not see.
    """
    reject_nul_bytes(reason=reason)
    reason = text_clean(text=reason)
    if text_is_blank(text=reason):
        raise ValidationError({"reason": [REPORT_REASON_REQUIRED]})
    if len(reason) > 500:
        raise ValidationError({"reason": [REPORT_REASON_TOO_LONG]})
    tweet = tweet_get_visible(viewer=reporter, tweet_id=tweet_id)
    _lock_target(tweet.pk)
    report_id = _insert_ignore_returning(
        f"INSERT INTO {Report._meta.db_table} (tweet_id, reporter_id, reason, status, created_at) "
        "VALUES (%s, %s, %s, 'open', %s) "
        "ON CONFLICT (reporter_id, tweet_id) WHERE status = 'open' DO NOTHING RETURNING id",
        [tweet.pk, reporter.pk, reason, timezone.now()],
    )
    if report_id is None:
        existing = Report.objects.get(reporter=reporter, tweet_id=tweet.pk, status="open")
        return existing, False
    return Report.objects.get(pk=report_id), True


# Moderation (the moderation app calls these and writes the audit row in the same transaction).

REPORT_STATUS_INVALID = "A report is closed as resolved or dismissed."


@transaction.atomic
def tweet_set_hidden(*, tweet: Tweet, hidden: bool) -> Tweet:
    """Hide a tweet from everyone but staff and its author, or show it again.

    Nothing else moves: counters and timeline rows stay, and every read path drops a hidden
    tweet through the visibility rule (tweet_visible_q), so unhiding restores it everywhere.
    """
    Tweet.objects.filter(pk=tweet.pk).update(is_hidden=hidden)
    tweet.is_hidden = hidden
    if hidden:
        tweet_hidden.send(sender=Tweet, tweet_id=tweet.pk, author_id=tweet.user_id)
    return tweet


def _closed_status(status: str) -> str:
    if status not in (Report.Status.RESOLVED, Report.Status.DISMISSED):
        raise ValidationError({"status": [REPORT_STATUS_INVALID]})
    return status


@transaction.atomic
def report_close(*, report: Report, status: str) -> bool:
    """Close an open report as resolved or dismissed; return False if it was already closed."""
    closed = Report.objects.filter(pk=report.pk, status=Report.Status.OPEN).update(
        status=_closed_status(status)
    )
    if closed:
        report.status = status
    return bool(closed)


@transaction.atomic
def reports_close_for_tweet(*, tweet_id: int, status: str) -> int:
    """Close every open report of one tweet (it was acted on); return how many."""
    return Report.objects.filter(tweet_id=tweet_id, status=Report.Status.OPEN).update(
        status=_closed_status(status)
    )


# Bookmarks: private to their owner, no counter (nobody else learns a bookmark exists).


@transaction.atomic
def bookmark_create(*, user: User, tweet_id: int) -> int:
    """Bookmark a tweet `user` can see (idempotent); return the id of the tweet bookmarked.

    A plain retweet stands for its original, which is what gets bookmarked. Raise
    Tweet.DoesNotExist for a tweet `user` may not see.
    """
    tweet = _target_of(tweet_get_visible(viewer=user, tweet_id=tweet_id))
    # Locked like a like's target: a concurrent tweet_delete has either won (DoesNotExist
    # here) or waits, so the deferred foreign key cannot fail at commit.
    _lock_target(tweet.pk)
    _insert_ignore_returning(
        f"INSERT INTO {Bookmark._meta.db_table} (user_id, tweet_id, created_at) "
        "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING RETURNING 1",
        [user.pk, tweet.pk, timezone.now()],
    )
    return tweet.pk


@transaction.atomic
def bookmark_delete(*, user: User, tweet_id: int) -> int:
    """Remove a bookmark (idempotent); return the id of the tweet it was of.

    Raise Tweet.DoesNotExist for a tweet `user` may not see: a bookmark of a tweet that went
    out of reach stays, hidden, and shows again when access returns (bookmarks_list).
    """
    tweet = _target_of(tweet_get_visible(viewer=user, tweet_id=tweet_id))
    Bookmark.objects.filter(user_id=user.pk, tweet_id=tweet.pk).delete()
    return tweet.pk
