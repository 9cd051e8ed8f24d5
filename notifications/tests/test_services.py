"""Every notification type is made by its job after the commit and undone with its cause."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Privacy
from accounts.tests.factories import user_create
from notifications import services, tasks
from notifications.models import Notification, NotificationSettings
from social.services import block_create, privacy_set
from tweets.models import Tweet
from tweets.services import like_create, like_delete, tweet_create, tweet_delete
from tweets.tests.factories import committed, post

from .helpers import (
    approve,
    cancel,
    follow,
    like,
    reject,
    retweet,
    rows,
    unfollow,
    unlike,
    unretweet,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana():
    return user_create(username="ana")


@pytest.fixture
def bob():
    return user_create(username="bob")


def test_like_notifies_the_author_and_unlike_deletes_it(ana, bob):
    tweet = post(ana, "hello")
    like(user=bob, tweet_id=tweet.pk)
    assert rows(ana) == [("like", bob.pk, tweet.pk)]
    unlike(user=bob, tweet_id=tweet.pk)
    assert rows(ana) == []


def test_like_of_a_retweet_notifies_the_original_author(ana, bob):
    carl = user_create()
    tweet = post(ana, "hello")
    retweet(user=carl, tweet_id=tweet.pk)
    the_retweet = Tweet.objects.get(user=carl, original_tweet=tweet)
    like(user=bob, tweet_id=the_retweet.pk)
    assert rows(ana) == [("like", bob.pk, tweet.pk), ("retweet", carl.pk, tweet.pk)]
    assert rows(carl) == []


def test_no_notification_when_you_like_your_own_tweet(ana):
    tweet = post(ana, "hello")
    like(user=ana, tweet_id=tweet.pk)
    assert rows(ana) == []


def test_retweet_notifies_and_unretweet_deletes(ana, bob):
    tweet = post(ana, "hello")
    retweet(user=bob, tweet_id=tweet.pk)
    assert rows(ana) == [("retweet", bob.pk, tweet.pk)]
    unretweet(user=bob, tweet_id=tweet.pk)
    assert rows(ana) == []


def test_deleting_the_retweet_itself_deletes_its_notification(ana, bob):
    tweet = post(ana, "hello")
    retweet(user=bob, tweet_id=tweet.pk)
    the_retweet = Tweet.objects.get(user=bob, original_tweet=tweet)
    committed(tweet_delete)(tweet=the_retweet, actor=bob)
    assert rows(ana) == []


def test_reply_notifies_the_author_with_reply_not_mention(ana, bob):
    tweet = post(ana, "hello")
    reply = post(bob, "@ana hi back", reply_to_id=tweet.pk)
    assert rows(ana) == [("reply", bob.pk, reply.pk)]


def test_quote_notifies_the_quoted_author_and_mentions_the_rest(ana, bob):
    carl = user_create(username="carl")
    tweet = post(ana, "hello")
    quote = post(bob, "look @ana @carl @bob", quote_of_id=tweet.pk)
    assert rows(ana) == [("quote", bob.pk, quote.pk)]
    assert rows(carl) == [("mention", bob.pk, quote.pk)]
    assert rows(bob) == []


def test_deleting_a_tweet_deletes_its_notifications_by_cascade(ana, bob):
    tweet = post(ana, "hello")
    reply = post(bob, "hi", reply_to_id=tweet.pk)
    like(user=bob, tweet_id=tweet.pk)
    committed(tweet_delete)(tweet=reply, actor=bob)
    assert rows(ana) == [("like", bob.pk, tweet.pk)]
    committed(tweet_delete)(tweet=tweet, actor=ana)
    assert rows(ana) == []


def test_follow_notifies_and_unfollow_deletes(ana, bob):
    follow(follower=bob, followee=ana)
    assert rows(ana) == [("follow", bob.pk, None)]
    unfollow(follower=bob, followee=ana)
    assert rows(ana) == []


def test_request_then_approval_turns_into_follow_and_accepted(ana, bob):
    privacy_set(user=ana, privacy=Privacy.PROTECTED)
    follow(follower=bob, followee=ana)
    assert rows(ana) == [("follow_request", bob.pk, None)]
    request_id = Notification.objects.get(recipient=ana).pk
    approve(owner=ana, requester=bob)
    # The row the owner saw is kept (same id) and now says "followed you".
    assert Notification.objects.get(recipient=ana).pk == request_id
    assert rows(ana) == [("follow", bob.pk, None)]
    assert rows(bob) == [("follow_accepted", ana.pk, None)]
    unfollow(follower=bob, followee=ana)
    assert rows(ana) == [] and rows(bob) == []


@pytest.mark.parametrize("how", ["reject", "cancel", "unfollow", "block"])
def test_withdrawn_request_deletes_its_notification(ana, bob, how):
    privacy_set(user=ana, privacy=Privacy.PRIVATE)
    follow(follower=bob, followee=ana)
    assert rows(ana) == [("follow_request", bob.pk, None)]
    if how == "reject":
        reject(owner=ana, requester=bob)
    elif how == "cancel":
        cancel(requester=bob, target=ana)
    elif how == "unfollow":
        unfollow(follower=bob, followee=ana)
    else:
        committed(block_create)(blocker=ana, blocked=bob)
    assert rows(ana) == []


def test_turning_public_approves_pending_requests_with_notifications(ana, bob):
    privacy_set(user=ana, privacy=Privacy.PROTECTED)
    follow(follower=bob, followee=ana)
    committed(privacy_set)(user=ana, privacy=Privacy.PUBLIC)
    assert rows(ana) == [("follow", bob.pk, None)]
    assert rows(bob) == [("follow_accepted", ana.pk, None)]


def test_jobs_are_idempotent(ana, bob):
    tweet = post(ana, "hello")
    reply = post(bob, "@ana hi", reply_to_id=tweet.pk)
    like(user=bob, tweet_id=tweet.pk)
    follow(follower=bob, followee=ana)
    before = rows(ana)
    assert services.notifications_for_tweet(tweet_id=reply.pk) == 0
    assert services.notification_for_like(user_id=bob.pk, tweet_id=tweet.pk) == 0
    assert services.notification_for_follow(follower_id=bob.pk, followee_id=ana.pk) == 0
    tasks.notify_tweet.enqueue(reply.pk)
    assert rows(ana) == before


def test_a_job_that_runs_after_the_undo_writes_nothing(ana, bob):
    tweet = post(ana, "hello")
    # The like and the unlike both commit before the like's job runs.
    like_create(user=bob, tweet_id=tweet.pk)
    like_delete(user=bob, tweet_id=tweet.pk)
    assert services.notification_for_like(user_id=bob.pk, tweet_id=tweet.pk) == 0
    assert services.notification_for_follow(follower_id=bob.pk, followee_id=ana.pk) == 0
    assert services.notification_for_follow_request(requester_id=bob.pk, target_id=ana.pk) == 0
    assert services.notifications_for_tweet(tweet_id=10**12) == 0
    assert rows(ana) == []


def test_rolled_back_cause_queues_no_job(ana, bob, django_capture_on_commit_callbacks):
    tweet = post(ana, "hello")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationError),
    ):
        tweet_create(author=bob, content="", reply_to_id=tweet.pk)
    assert callbacks == [] and rows(ana) == []


def test_group_keys():
    at = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert services.group_key_for("like", 7, 3, at) == "like:7:2026-11-29"
    assert services.group_key_for("retweet", 7, 3, at) == "retweet:7:2026-11-29"
    # The UTC date, whatever the zone of the timestamp.
    later = (at + timedelta(hours=1)).astimezone(timezone.get_fixed_timezone(-120))
    assert services.group_key_for("like", 7, 3, later) == "like:7:2026-11-30"
    assert services.group_key_for("follow", None, 3, at) == "follow:2026-11-29"
    # Every other type is a group of one.
    assert services.group_key_for("reply", 9, 3, at) == "reply:9:3"
    assert services.group_key_for("follow_request", None, 3, at) == "follow_request::3"


def test_rows_get_their_group_keys(ana, bob):
    tweet = post(ana, "hello")
    like(user=bob, tweet_id=tweet.pk)
    reply = post(bob, "hi", reply_to_id=tweet.pk)
    follow(follower=bob, followee=ana)
    for row in Notification.objects.filter(recipient=ana):
        assert row.group_key == services.group_key_for(
            row.type, row.tweet_id, row.actor_id, row.created_at
        )
    assert Notification.objects.get(recipient=ana, type="reply").group_key == (
        f"reply:{reply.pk}:{bob.pk}"
    )


def test_mark_read_never_moves_backwards(ana, bob):
    tweet = post(ana, "hello")
    like(user=bob, tweet_id=tweet.pk)
    follow(follower=bob, followee=ana)
    first, second = sorted(Notification.objects.filter(recipient=ana).values_list("pk", flat=True))
    assert services.notifications_mark_read(user=ana, up_to_id=second) == second
    assert services.notifications_mark_read(user=ana, up_to_id=first) == second
    assert NotificationSettings.objects.get(user=ana).last_read_id == second


def test_mark_read_without_id_marks_everything_and_refuses_foreign_ids(ana, bob):
    tweet = post(ana, "hello")
    like(user=bob, tweet_id=tweet.pk)
    newest = Notification.objects.get(recipient=ana).pk
    assert services.notifications_mark_read(user=ana) == newest
    with pytest.raises(ValidationError) as error:
        services.notifications_mark_read(user=bob, up_to_id=newest)
    assert "up_to_id" in error.value.message_dict
    assert not NotificationSettings.objects.filter(user=bob).exists()
    # Nothing to mark: no row is written either.
    assert services.notifications_mark_read(user=bob) == 0
    assert not NotificationSettings.objects.filter(user=bob).exists()


@pytest.mark.parametrize("days", [0, 366, -1, True, "7", 1.5])
def test_policy_refuses_bad_days(ana, days):
    with pytest.raises(ValidationError) as error:
        services.notification_policy_update(user=ana, filter_new_accounts_days=days)
    assert "filter_new_accounts_days" in error.value.message_dict
    assert not NotificationSettings.objects.filter(user=ana).exists()


def test_policy_update_keeps_what_is_left_out(ana):
    services.notification_policy_update(user=ana, filter_not_following=True)
    row = services.notification_policy_update(user=ana, filter_new_accounts_days=30)
    assert (row.filter_not_following, row.filter_new_accounts_days) == (True, 30)
    row = services.notification_policy_update(user=ana, filter_new_accounts_days=None)
    assert (row.filter_not_following, row.filter_new_accounts_days) == (True, None)


def test_prune_deletes_old_rows_in_batches(ana, bob, settings):
    tweets = [post(ana, f"t{i}") for i in range(5)]
    for tweet in tweets:
        like(user=bob, tweet_id=tweet.pk)
    old = timezone.now() - timedelta(days=181)
    Notification.objects.filter(tweet__in=tweets[:3]).update(created_at=old)
    assert services.notifications_prune(days=180, batch=2) == 3
    assert len(rows(ana)) == 2
    Notification.objects.filter(recipient=ana).update(created_at=old)
    settings.NOTIFICATION_RETENTION_DAYS = 180
    call_command("prune_notifications", "--batch", "1")
    assert rows(ana) == []


def test_prune_refuses_bad_arguments():
    with pytest.raises(ValidationError):
        services.notifications_prune(days=0)
    with pytest.raises(ValidationError):
        services.notifications_prune(days=10, batch=0)
