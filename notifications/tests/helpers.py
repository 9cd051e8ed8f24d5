"""Shared helpers for the notification tests: the graph and tweets through the services."""

from accounts.models import User
from notifications.models import Notification
from social.services import (
    follow_create,
    follow_delete,
    follow_request_approve,
    follow_request_cancel,
    follow_request_reject,
    mute_create,
    muted_word_create,
)
from tweets.services import like_create, like_delete, retweet_create, retweet_delete
from tweets.tests.factories import committed

follow = committed(follow_create)
unfollow = committed(follow_delete)
approve = committed(follow_request_approve)
reject = committed(follow_request_reject)
cancel = committed(follow_request_cancel)
like = committed(like_create)
unlike = committed(like_delete)
retweet = committed(retweet_create)
unretweet = committed(retweet_delete)


def rows(recipient: User) -> list[tuple]:
    """Return (type, actor id, tweet id) of every stored row of `recipient`, newest first."""
    return list(
        Notification.objects.filter(recipient=recipient)
        .order_by("-id")
        .values_list("type", "actor_id", "tweet_id")
    )


def mute(muter: User, muted: User) -> None:
    mute_create(muter=muter, muted=muted)


def mute_word(user: User, phrase: str) -> None:
    muted_word_create(user=user, phrase=phrase)
