"""Reads only Mastodon's API asks for: who favourited and who reblogged a status.

Neither list is a new rule: a like shows where the liker's likes list would
(social.selectors.content_visible_q, as tweets.selectors.tweets_liked_by asks), and a reblog
is a tweet row that must pass the one visibility rule (Tweet.objects.visible_to) itself.
"""

from social.models import UserFollows
from social.selectors import Viewer, content_visible_q
from tweets.models import Like, Tweet
from twitterclone.pagination import Page, keyset_page

from .models import Marker


def tweet_likers(
    *, viewer: Viewer, tweet: Tweet, cursor: str | None = None, limit: int = 40
) -> Page:
    """Return a page of the accounts that liked `tweet` (visible to `viewer`), newest first.

    Only likers whose likes `viewer` may see: blocks either way, suspended accounts and the
    likes of a protected or private account the viewer does not follow are left out.
    """
    likes = (
        Like.objects.filter(tweet_id=tweet.pk)
        .filter(content_visible_q(viewer=viewer, prefix="user__"))
        .select_related("user")
    )
    page = keyset_page(likes, order=("created_at", "user_id"), cursor=cursor, limit=limit)
    return Page(items=[like.user for like in page.items], next_cursor=page.next_cursor)


def tweet_retweeters(
    *, viewer: Viewer, tweet: Tweet, cursor: str | None = None, limit: int = 40
) -> Page:
    """Return a page of the accounts whose plain retweet of `tweet` `viewer` may see."""
    retweets = (
        Tweet.objects.visible_to(viewer)
        .filter(original_tweet_id=tweet.pk, content="")
        .select_related("user")
    )
    page = keyset_page(retweets, cursor=cursor, limit=limit)
    return Page(items=[row.user for row in page.items], next_cursor=page.next_cursor)


def following_ids(*, viewer: Viewer, among: list[int]) -> list[int]:
    """Return which of the accounts `among` `viewer` follows, in one query."""
    if not viewer.is_authenticated or not among:
        return []
    follows = UserFollows.objects.filter(follower_id=viewer.pk, following_id__in=among)
    return list(follows.values_list("following_id", flat=True))


def marker_get(*, user, timeline: str) -> Marker:
    """Return `user`'s marker row for `timeline`, or an unsaved one at 0 (reads never write)."""
    row = Marker.objects.filter(user_id=user.pk, timeline=timeline).first()
    return row if row is not None else Marker(user_id=user.pk, timeline=timeline)
