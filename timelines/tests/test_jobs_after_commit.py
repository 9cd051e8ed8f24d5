"""Timeline jobs run after the commit that queued them, and see committed rows only."""

import pytest
from django.db import connections, transaction
from django_tasks.signals import task_started

from accounts.tests.factories import user_create
from social.services import follow_create
from timelines import tasks
from timelines.models import HomeTimelineEntry
from timelines.services import timeline_rebuild
from tweets.models import Tweet
from tweets.services import tweet_create
from tweets.tests.factories import post


def _timeline_of(owner) -> set[int]:
    return set(
        HomeTimelineEntry.objects.filter(owner_id=owner.pk).values_list("tweet_id", flat=True)
    )


def _seen_from_another_connection(tweet_id: int) -> bool:
    """Whether a second database connection (another session, as a worker's) sees the tweet."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            table = other.ops.quote_name(Tweet._meta.db_table)
            cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s", [tweet_id])
            return cursor.fetchone() is not None
    finally:
        other.close()


@pytest.fixture
def fan_outs_started():
    """Record, for each fan-out job as it starts, its tweet and what another session sees."""
    started: list[tuple[int, bool]] = []

    def record(sender, task_result, **kwargs):
        if task_result.task.module_path == tasks.timeline_fan_out.module_path:
            tweet_id = task_result.args[0]
            started.append((tweet_id, _seen_from_another_connection(tweet_id)))

    task_started.connect(record)
    yield started
    task_started.disconnect(record)


@pytest.fixture
def follower_and_author():
    follower, author = user_create(), user_create()
    follow_create(follower=follower, followee=author)
    timeline_rebuild(owner_id=follower.pk)  # a built timeline, so the fan-out writes to it
    return follower, author


@pytest.mark.django_db(transaction=True)
def test_fan_out_starts_after_the_commit_and_another_session_sees_the_tweet(
    follower_and_author, fan_outs_started
):
    follower, author = follower_and_author

    tweet = tweet_create(author=author, content="committed first")

    assert fan_outs_started == [(tweet.pk, True)]
    assert tweet.pk in _timeline_of(follower)


@pytest.mark.django_db(transaction=True)
def test_fan_out_waits_for_the_outer_transaction_and_never_runs_if_it_rolls_back(
    follower_and_author, fan_outs_started
):
    follower, author = follower_and_author

    with transaction.atomic():
        kept = tweet_create(author=author, content="kept")
        assert fan_outs_started == []  # still inside the transaction: nothing ran yet
    assert fan_outs_started == [(kept.pk, True)]

    with pytest.raises(RuntimeError), transaction.atomic():
        tweet_create(author=author, content="rolled back")
        raise RuntimeError
    assert fan_outs_started == [(kept.pk, True)]
    assert _timeline_of(follower) == {kept.pk}
    assert not HomeTimelineEntry.objects.exclude(tweet_id=kept.pk).exists()


@pytest.mark.django_db
def test_in_a_plain_test_a_service_jobs_wait_until_it_has_returned(
    follower_and_author, fan_outs_started
):
    """No shortcut runs the job inside the service's transaction; the factory runs it after."""
    follower, author = follower_and_author

    unwrapped = tweet_create(author=author, content="nobody committed")
    assert fan_outs_started == []
    assert unwrapped.pk not in _timeline_of(follower)

    tweet = post(author, "posted by the factory")
    assert [tweet_id for tweet_id, _ in fan_outs_started] == [tweet.pk]
    assert tweet.pk in _timeline_of(follower)
