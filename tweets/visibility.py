"""The one visibility rule for tweets, as Q objects (DESIGN "Privacy").

Its own module so that the model's queryset (`Tweet.objects.visible_to`) and the selectors
share it without importing each other: it depends only on social's rule. tweets.selectors
re-exports `tweet_visible_q`, its public name.
"""

from django.contrib.postgres.aggregates import StringAgg
from django.db.models import BooleanField, F, Func, Q, Subquery, Value
from django.db.models.functions import Coalesce, Now

from accounts.models import Privacy
from social.models import MutedWord
from social.selectors import Viewer, content_visible_q, unmuted_q

# A plain retweet: points at an original and carries no text of its own.
PLAIN_RETWEET = Q(original_tweet__isnull=False, content="")


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


def tweet_shareable(*, tweet) -> bool:
    """Tell whether `tweet` (an original, not a plain retweet) may be retweeted or quoted.

    Only a public account's tweets travel to other people's followers (DESIGN "Privacy"); the
    retweet and quote services refuse the rest and the action bar shows no retweet button.
    """
    return tweet.user.privacy == Privacy.PUBLIC


class _MatchesPattern(Func):
    """`text ~* pattern`: PostgreSQL's case-insensitive regular-expression match."""

    template = "(%(expressions)s)"
    arg_joiner = " ~* "
    output_field = BooleanField()


def _words_muted_q(*, viewer: Viewer, content: str) -> Coalesce:
    """Match rows whose `content` holds one of `viewer`'s muted words that has not expired.

    The viewer's patterns are joined into one alternation by a subquery that does not depend
    on the row (an InitPlan: read once per statement), so each row costs one regular-expression
    match instead of a probe of muted_words and a match per word. No words: NULL, no match.
    """
    patterns = (
        MutedWord.objects.filter(user_id=viewer.pk)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=Now()))
        .values("user_id")
        .annotate(alternation=StringAgg("pattern", delimiter="|"))
        .values("alternation")
    )
    return Coalesce(_MatchesPattern(F(content), Subquery(patterns)), Value(False))


def tweet_unmuted_q(*, viewer: Viewer, prefix: str = "") -> Q:
    """Match the tweets at `prefix` that `viewer`'s mutes leave in their lists.

    Not part of the visibility rule: a muted tweet is still visible (its page, the author's
    profile); it leaves the muter's home timeline, search, hashtag pages and notifications.
    A tweet is muted when its author is muted or its text holds a muted word; a plain
    retweet also when its original is. The viewer's own tweets are never muted.
    """
    if not viewer.is_authenticated:
        return Q()
    own = Q(**{f"{prefix}user_id": viewer.pk})
    unmuted = unmuted_q(viewer=viewer, prefix=f"{prefix}user__") & ~_words_muted_q(
        viewer=viewer, content=f"{prefix}content"
    )
    original = f"{prefix}original_tweet__"
    original_unmuted = Q(**{f"{original}user_id": viewer.pk}) | unmuted_q(
        viewer=viewer, prefix=f"{original}user__"
    ) & ~_words_muted_q(viewer=viewer, content=f"{original}content")
    plain_retweet = Q(**{f"{original}isnull": False, f"{prefix}content": ""})
    return own | unmuted & (~plain_retweet | original_unmuted)
