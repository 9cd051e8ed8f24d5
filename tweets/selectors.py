"""Reads for tweets. Every query here goes through `tweet_visible_q`, the one rule."""

from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Value, When

from accounts.models import User
from social.models import UserFollows
from social.selectors import Viewer, content_visible_q, user_content_visible
from twitterclone.pagination import Page, keyset_page

from .models import PLAIN_RETWEET, Like, Tweet


def _single_tweet_q(*, viewer: Viewer, prefix: str) -> Q:
    """Match the tweet at `prefix` if its author's content is visible and it is not hidden."""
    condition = content_visible_q(viewer=viewer, prefix=f"{prefix}user__")
    if not (viewer.is_authenticated and viewer.is_staff):
        not_hidden = Q(**{f"{prefix}is_hidden": False})
        if viewer.is_authenticated:
            not_hidden |= Q(**{f"{prefix}user_id": viewer.pk})
        condition &= not_hidden
    return condition


def tweet_visible_q(*, viewer: Viewer) -> Q:
    """Match the tweets `viewer` may see.

    The author's account decides (DESIGN "Privacy"); a hidden tweet is seen by staff and its
    author; a plain retweet shows its original, so the original must pass the rule too. A
    reply is judged by its own author only; a quote shows "unavailable" for a hidden original.
    """
    return _single_tweet_q(viewer=viewer, prefix="") & (
        ~PLAIN_RETWEET | _single_tweet_q(viewer=viewer, prefix="original_tweet__")
    )


def _with_related(queryset: QuerySet, *, viewer: Viewer) -> QuerySet:
    """Fetch authors and originals in the same query and annotate, for the viewer:

    - `viewer_liked` / `viewer_retweeted` of what the row shows (a plain retweet shows its
      original, so the flags are about the original);
    - `quote_visible`: whether a quoted tweet passes the rule (else "unavailable").
    """
    quoted = Tweet.objects.filter(pk=OuterRef("original_tweet_id")).filter(
        _single_tweet_q(viewer=viewer, prefix="")
    )
    queryset = queryset.select_related("user", "original_tweet", "original_tweet__user").annotate(
        shown_id=Case(When(PLAIN_RETWEET, then=F("original_tweet_id")), default=F("pk")),
        quote_visible=Exists(quoted),
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
    queryset = Tweet.objects.filter(pk=tweet_id).visible_to(viewer)
    return _with_related(queryset, viewer=viewer).get()


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
    queryset = Tweet.objects.filter(user_id=user.pk).visible_to(viewer)
    if not include_replies:
        queryset = queryset.filter(reply_to__isnull=True)
    return keyset_page(_with_related(queryset, viewer=viewer), cursor=cursor, limit=limit)


def timeline_home(*, viewer: User, cursor: str | None = None, limit: int = 20) -> Page:
    """Return a page of the viewer's home timeline: own tweets and those of followed users."""
    followed = UserFollows.objects.filter(follower_id=viewer.pk).values("following_id")
    queryset = Tweet.objects.filter(Q(user_id__in=followed) | Q(user_id=viewer.pk)).visible_to(
        viewer
    )
    return keyset_page(_with_related(queryset, viewer=viewer), cursor=cursor, limit=limit)


def tweet_replies(
    *, viewer: Viewer, tweet: Tweet, cursor: str | None = None, limit: int = 20
) -> Page:
    """Return a page of the visible replies to `tweet`, newest first."""
    queryset = Tweet.objects.filter(reply_to_id=tweet.pk).visible_to(viewer)
    return keyset_page(_with_related(queryset, viewer=viewer), cursor=cursor, limit=limit)


def tweets_by_hashtag(
    *, viewer: Viewer, tag: str, cursor: str | None = None, limit: int = 20
) -> Page:
    """Return a page of visible tweets carrying #`tag` (GIN on hashtags), newest first."""
    queryset = Tweet.objects.filter(hashtags__contains=[tag.lower().lstrip("#")]).visible_to(viewer)
    return keyset_page(_with_related(queryset, viewer=viewer), cursor=cursor, limit=limit)
