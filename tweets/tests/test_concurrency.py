"""Concurrent writes keep rows and counters in step: real threads, real connections, commits."""

import threading
import time
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from accounts.models import User
from accounts.tests.factories import user_create
from social import services as social_services
from social.models import UserFollowers, UserFollows
from social.selectors import graph_mismatches
from social.services import follow_counters_rebuild, follow_create, follow_delete
from tweets import services as tweet_services
from tweets.models import Like, Tweet
from tweets.services import (
    QUOTE_UNAVAILABLE,
    REPLY_TO_UNAVAILABLE,
    like_create,
    like_delete,
    retweet_create,
    retweet_delete,
    tweet_counters_rebuild,
    tweet_create,
    tweet_delete,
)
from tweets.tests.factories import post

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 60


def _run_concurrently(calls: list[Callable[[], object]]) -> list[object]:
    """Start every call at once, each on its own thread and connection; return results.

    A call's exception is returned in its place, so tests can say which errors are allowed.
    """
    barrier = threading.Barrier(len(calls), timeout=TIMEOUT)
    results: list[object] = [None] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as error:
            results[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(index, call)) for index, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    return results


def _errors(results: list[object]) -> list[BaseException]:
    return [result for result in results if isinstance(result, BaseException)]


def _assert_counters_match_rows() -> None:
    assert set(tweet_counters_rebuild(dry_run=True).values()) == {0}
    assert set(follow_counters_rebuild(dry_run=True).values()) == {0}
    assert graph_mismatches().total == 0


def _wait_until_another_backend_waits_on_a_lock(timeout: float = 10) -> bool:
    """Return once a session on this test database is blocked on a row lock (or on timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.02)
    return False


# likes and retweets


def test_concurrent_likes_by_many_users_all_count():
    author = user_create(username="author")
    tweet = post(author)
    likers = [user_create(username=f"liker{n}") for n in range(20)]

    results = _run_concurrently(
        [lambda user=user: like_create(user=user, tweet_id=tweet.pk) for user in likers]
    )

    assert _errors(results) == []
    assert Like.objects.filter(tweet=tweet).count() == 20
    assert Tweet.objects.get(pk=tweet.pk).like_count == 20
    _assert_counters_match_rows()


def test_concurrent_double_likes_count_once_per_user():
    author = user_create(username="author")
    tweet = post(author)
    likers = [user_create(username=f"liker{n}") for n in range(10)]

    calls = [lambda user=user: like_create(user=user, tweet_id=tweet.pk) for user in likers]
    results = _run_concurrently(calls + calls)

    assert _errors(results) == []
    assert Like.objects.filter(tweet=tweet).count() == 10
    assert Tweet.objects.get(pk=tweet.pk).like_count == 10


def test_concurrent_retweets_by_one_user_make_one_retweet():
    author = user_create(username="author")
    retweeter = user_create(username="retweeter")
    tweet = post(author)

    results = _run_concurrently(
        [lambda: retweet_create(user=retweeter, tweet_id=tweet.pk) for _ in range(20)]
    )

    assert _errors(results) == []
    assert {result.retweet_count for result in results} == {1}
    assert Tweet.objects.filter(user=retweeter, original_tweet=tweet, content="").count() == 1
    assert Tweet.objects.get(pk=tweet.pk).retweet_count == 1
    assert User.objects.get(pk=retweeter.pk).tweets_count == 1
    _assert_counters_match_rows()

    results = _run_concurrently(
        [lambda: retweet_delete(user=retweeter, tweet_id=tweet.pk) for _ in range(10)]
    )

    assert _errors(results) == []
    assert not Tweet.objects.filter(user=retweeter).exists()
    assert Tweet.objects.get(pk=tweet.pk).retweet_count == 0
    assert User.objects.get(pk=retweeter.pk).tweets_count == 0


def test_deleting_a_tweet_while_it_is_liked_and_retweeted_leaves_nothing_behind():
    author = user_create(username="author")
    tweet = post(author)
    fans = [user_create(username=f"fan{n}") for n in range(8)]

    calls = [lambda: tweet_delete(tweet=tweet, actor=author) for _ in range(3)]
    for user in fans:
        calls.append(lambda user=user: like_create(user=user, tweet_id=tweet.pk))
        calls.append(lambda user=user: retweet_create(user=user, tweet_id=tweet.pk))
    results = _run_concurrently(calls)

    assert all(isinstance(error, Tweet.DoesNotExist) for error in _errors(results))
    assert not Tweet.objects.exists()
    assert not Like.objects.exists()
    assert set(User.objects.values_list("tweets_count", flat=True)) == {0}
    _assert_counters_match_rows()


def test_everything_at_once_on_one_tweet_keeps_counters_equal_to_rows():
    """Replies, quotes, likes, unlikes, retweets, unretweets and deletions race on one thread."""
    author = user_create(username="author")
    fans = [user_create(username=f"fan{n}") for n in range(5)]
    tweet = post(author)
    first_reply = tweet_create(author=fans[0], content="first", reply_to_id=tweet.pk)
    for fan in fans[:3]:
        like_create(user=fan, tweet_id=tweet.pk)
        retweet_create(user=fan, tweet_id=tweet.pk)

    calls = [
        lambda: tweet_delete(tweet=tweet, actor=author),
        lambda: tweet_delete(tweet=first_reply, actor=fans[0]),
    ]
    for fan in fans:
        calls += [
            lambda fan=fan: tweet_create(author=fan, content="re", reply_to_id=tweet.pk),
            lambda fan=fan: tweet_create(author=fan, content="qt", quote_of_id=tweet.pk),
            lambda fan=fan: like_create(user=fan, tweet_id=tweet.pk),
            lambda fan=fan: like_delete(user=fan, tweet_id=tweet.pk),
            lambda fan=fan: retweet_create(user=fan, tweet_id=tweet.pk),
            lambda fan=fan: retweet_delete(user=fan, tweet_id=tweet.pk),
        ]
    results = _run_concurrently(calls)

    for error in _errors(results):
        assert isinstance(error, Tweet.DoesNotExist | ValidationError), repr(error)
    assert not Tweet.objects.filter(pk__in=[tweet.pk, first_reply.pk]).exists()
    assert not Tweet.objects.filter(content="").exists()
    assert not Like.objects.exists()
    _assert_counters_match_rows()


def _delete_while(parent: Tweet, actor: User, action: Callable[[], object]) -> object:
    """Run `action` while `parent`'s deletion is in flight, then let the deletion commit."""
    deleted, release = threading.Event(), threading.Event()

    def delete_and_hold() -> None:
        with transaction.atomic():
            tweet_delete(tweet=parent, actor=actor)
            deleted.set()
            release.wait(TIMEOUT)

    outcome: list[object] = []

    def act() -> None:
        try:
            outcome.append(action())
        except BaseException as error:
            outcome.append(error)

    def closing(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            finally:
                connection.close()

        return run

    deleter = threading.Thread(target=closing(delete_and_hold))
    deleter.start()
    assert deleted.wait(TIMEOUT)
    actor_thread = threading.Thread(target=closing(act))
    actor_thread.start()
    # The action reads the parent (still committed) and then waits on its row lock.
    _wait_until_another_backend_waits_on_a_lock()
    release.set()
    deleter.join(TIMEOUT)
    actor_thread.join(TIMEOUT)
    assert not deleter.is_alive() and not actor_thread.is_alive()
    return outcome[0]


def test_replying_to_a_tweet_being_deleted_is_a_validation_error():
    author = user_create(username="author")
    replier = user_create(username="replier")
    parent = post(author)

    outcome = _delete_while(
        parent,
        author,
        lambda: tweet_create(author=replier, content="reply", reply_to_id=parent.pk),
    )

    assert isinstance(outcome, ValidationError), repr(outcome)
    assert outcome.message_dict == {"reply_to_id": [REPLY_TO_UNAVAILABLE]}
    assert not Tweet.objects.exists()
    assert User.objects.get(pk=replier.pk).tweets_count == 0
    _assert_counters_match_rows()


def test_quoting_a_tweet_being_deleted_is_a_validation_error():
    author = user_create(username="author")
    quoter = user_create(username="quoter")
    original = post(author)

    outcome = _delete_while(
        original,
        author,
        lambda: tweet_create(author=quoter, content="quote", quote_of_id=original.pk),
    )

    assert isinstance(outcome, ValidationError), repr(outcome)
    assert outcome.message_dict == {"quote_of_id": [QUOTE_UNAVAILABLE]}
    assert not Tweet.objects.exists()
    assert User.objects.get(pk=quoter.pk).tweets_count == 0
    _assert_counters_match_rows()


def test_liking_a_tweet_being_deleted_is_does_not_exist():
    author = user_create(username="author")
    fan = user_create(username="fan")
    tweet = post(author)

    outcome = _delete_while(tweet, author, lambda: like_create(user=fan, tweet_id=tweet.pk))

    assert isinstance(outcome, Tweet.DoesNotExist), repr(outcome)
    assert not Like.objects.exists()


def test_retweeting_a_tweet_being_deleted_is_does_not_exist():
    author = user_create(username="author")
    fan = user_create(username="fan")
    tweet = post(author)

    outcome = _delete_while(tweet, author, lambda: retweet_create(user=fan, tweet_id=tweet.pk))

    assert isinstance(outcome, Tweet.DoesNotExist), repr(outcome)
    assert not Tweet.objects.exists()
    assert User.objects.get(pk=fan.pk).tweets_count == 0


def _start(name: str, call: Callable[[], object], outcome: list[object]) -> threading.Thread:
    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as error:
            outcome.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def _interleave(monkeypatch, deletion: Callable[[], object], other: Callable[[], object]):
    """Run `deletion` (a tweet_delete) until it holds the tweet's lock, then `other` until it
    waits on a lock, then let both go on; return both outcomes.

    The pause is a patch of Python code between two statements of tweet_delete.
    """
    reached, release = threading.Event(), threading.Event()
    real_count_by_author = tweet_services._count_by_author

    def count_by_author(queryset):
        if threading.current_thread().name == "deleter":
            reached.set()
            release.wait(TIMEOUT)
        return real_count_by_author(queryset)

    monkeypatch.setattr(tweet_services, "_count_by_author", count_by_author)
    deleted: list[object] = []
    done: list[object] = []
    deleter = _start("deleter", deletion, deleted)
    assert reached.wait(TIMEOUT)
    other_thread = _start("other", other, done)
    _wait_until_another_backend_waits_on_a_lock()
    release.set()
    deleter.join(TIMEOUT)
    other_thread.join(TIMEOUT)
    assert not deleter.is_alive() and not other_thread.is_alive()
    return deleted[0], done[0]


def test_deleting_a_tweet_and_its_reply_at_once_never_deadlocks(monkeypatch):
    author = user_create(username="author")
    replier = user_create(username="replier")
    parent = post(author)
    reply = tweet_create(author=replier, content="reply", reply_to_id=parent.pk)

    deleted, other = _interleave(
        monkeypatch,
        lambda: tweet_delete(tweet=parent, actor=author),
        lambda: tweet_delete(tweet=reply, actor=replier),
    )

    assert (deleted, other) == (None, None)
    assert not Tweet.objects.exists()
    assert set(User.objects.values_list("tweets_count", flat=True)) == {0}
    _assert_counters_match_rows()


def test_deleting_a_tweet_while_it_is_unretweeted_never_deadlocks(monkeypatch):
    author = user_create(username="author")
    fan = user_create(username="fan")
    tweet = post(author)
    retweet_create(user=fan, tweet_id=tweet.pk)

    deleted, other = _interleave(
        monkeypatch,
        lambda: tweet_delete(tweet=tweet, actor=author),
        lambda: retweet_delete(user=fan, tweet_id=tweet.pk),
    )

    assert deleted is None
    assert other is None or isinstance(other, Tweet.DoesNotExist), repr(other)
    assert not Tweet.objects.exists()
    assert set(User.objects.values_list("tweets_count", flat=True)) == {0}
    _assert_counters_match_rows()


def test_deleting_a_plain_retweet_while_its_original_is_deleted_never_deadlocks(monkeypatch):
    author = user_create(username="author")
    fan = user_create(username="fan")
    tweet = post(author)
    retweet_create(user=fan, tweet_id=tweet.pk)
    plain_retweet = Tweet.objects.get(user=fan)

    deleted, other = _interleave(
        monkeypatch,
        lambda: tweet_delete(tweet=tweet, actor=author),
        lambda: tweet_delete(tweet=plain_retweet, actor=fan),
    )

    assert deleted is None
    assert other is None or isinstance(other, Tweet.DoesNotExist), repr(other)
    assert not Tweet.objects.exists()
    _assert_counters_match_rows()


def test_deleting_a_tweet_while_it_is_unliked_never_deadlocks(monkeypatch):
    author = user_create(username="author")
    fan = user_create(username="fan")
    tweet = post(author)
    like_create(user=fan, tweet_id=tweet.pk)

    deleted, other = _interleave(
        monkeypatch,
        lambda: tweet_delete(tweet=tweet, actor=author),
        lambda: like_delete(user=fan, tweet_id=tweet.pk),
    )

    assert deleted is None
    assert other is None or isinstance(other, Tweet.DoesNotExist), repr(other)
    assert not Tweet.objects.exists() and not Like.objects.exists()
    _assert_counters_match_rows()


def test_replying_to_a_tweet_whose_reply_is_being_deleted_never_deadlocks(monkeypatch):
    author = user_create(username="author")
    replier = user_create(username="replier")
    parent = post(author)
    first_reply = tweet_create(author=replier, content="first", reply_to_id=parent.pk)

    deleted, other = _interleave(
        monkeypatch,
        lambda: tweet_delete(tweet=first_reply, actor=replier),
        lambda: tweet_create(author=replier, content="second", reply_to_id=parent.pk),
    )

    assert deleted is None
    assert isinstance(other, Tweet), repr(other)
    assert Tweet.objects.get(pk=parent.pk).reply_count == 1
    assert User.objects.get(pk=replier.pk).tweets_count == 1
    _assert_counters_match_rows()


def test_deleting_tweets_retweeted_by_each_others_authors_never_deadlocks(monkeypatch):
    """Each deletion moves both authors' tweets_count; they must take the rows in one order."""
    users = [user_create(username=f"user{n}") for n in range(4)]
    tweets = [post(user) for user in users]
    for user in users:
        for tweet in tweets:
            if tweet.user_id != user.pk:
                retweet_create(user=user, tweet_id=tweet.pk)
    # Every deletion holds its tweet before any of them touches a user row.
    barrier = threading.Barrier(len(tweets), timeout=TIMEOUT)
    real_count_by_author = tweet_services._count_by_author

    def count_by_author(queryset):
        barrier.wait()
        return real_count_by_author(queryset)

    monkeypatch.setattr(tweet_services, "_count_by_author", count_by_author)

    results = _run_concurrently(
        [lambda tweet=tweet: tweet_delete(tweet=tweet, actor=tweet.user) for tweet in tweets]
    )

    assert results == [None] * len(tweets)
    assert not Tweet.objects.exists()
    assert set(User.objects.values_list("tweets_count", flat=True)) == {0}
    _assert_counters_match_rows()


# follows


def _assert_graph(target: User, expected_followers: set[int]) -> None:
    followers = set(UserFollowers.objects.filter(user=target).values_list("follower_id", flat=True))
    following = set(
        UserFollows.objects.filter(following=target).values_list("follower_id", flat=True)
    )
    assert followers == following == expected_followers
    assert User.objects.get(pk=target.pk).followers_count == len(expected_followers)
    _assert_counters_match_rows()


def test_concurrent_follows_and_unfollows_keep_counters_equal_to_rows():
    target = user_create(username="target")
    stayers = [user_create(username=f"stayer{n}") for n in range(8)]
    leavers = [user_create(username=f"leaver{n}") for n in range(6)]

    def follow(user):
        return lambda: follow_create(follower=user, followee=target)

    def unfollow(user):
        return lambda: follow_delete(follower=user, followee=target)

    def sequence(*steps):
        return lambda: [step() for step in steps]

    calls = []
    for user in stayers:
        # Two sessions per pair; each ends on a follow, so the pair ends up following.
        calls.append(sequence(follow(user), follow(user), follow(user)))
        calls.append(sequence(follow(user), unfollow(user), follow(user)))
    for user in leavers:
        calls.append(sequence(follow(user), unfollow(user)))
    results = _run_concurrently(calls)

    assert _errors(results) == []
    _assert_graph(target, {user.pk for user in stayers})
    for user in stayers:
        assert User.objects.get(pk=user.pk).following_count == 1
    for user in leavers:
        assert User.objects.get(pk=user.pk).following_count == 0


def test_concurrent_repeated_follow_of_one_pair_writes_one_edge():
    follower = user_create(username="follower")
    target = user_create(username="target")

    results = _run_concurrently(
        [lambda: follow_create(follower=follower, followee=target) for _ in range(20)]
    )

    assert _errors(results) == []
    assert set(results) == {social_services.FollowStatus.FOLLOWING}
    _assert_graph(target, {follower.pk})
    assert User.objects.get(pk=follower.pk).following_count == 1


def test_concurrent_unfollows_of_one_pair_remove_one_edge():
    follower = user_create(username="follower")
    target = user_create(username="target")
    follow_create(follower=follower, followee=target)

    results = _run_concurrently(
        [lambda: follow_delete(follower=follower, followee=target) for _ in range(20)]
    )

    assert _errors(results) == []
    assert results.count(True) == 1
    _assert_graph(target, set())
    assert User.objects.get(pk=follower.pk).following_count == 0


def test_mutual_follows_at_the_same_moment_never_deadlock():
    users = [user_create(username=f"user{n}") for n in range(6)]
    pairs = [(a, b) for a in users for b in users if a.pk != b.pk]

    for _ in range(3):
        results = _run_concurrently(
            [lambda a=a, b=b: follow_create(follower=a, followee=b) for a, b in pairs]
        )
        assert _errors(results) == []
        for user in users:
            _assert_graph(user, {other.pk for other in users if other.pk != user.pk})
            assert User.objects.get(pk=user.pk).following_count == len(users) - 1

        results = _run_concurrently(
            [lambda a=a, b=b: follow_delete(follower=a, followee=b) for a, b in pairs]
        )
        assert _errors(results) == []
        assert not UserFollows.objects.exists() and not UserFollowers.objects.exists()
        _assert_counters_match_rows()


@pytest.fixture
def user_followers_insert_fails():
    """Make PostgreSQL itself fail every insert into user_followers, until the test ends."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse_insert() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'injected failure'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER test_refuse_insert BEFORE INSERT ON user_followers "
            "FOR EACH ROW EXECUTE FUNCTION test_refuse_insert()"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER test_refuse_insert ON user_followers")
        cursor.execute("DROP FUNCTION test_refuse_insert()")


def test_a_failure_between_the_two_follow_inserts_leaves_neither_row(user_followers_insert_fails):
    follower = user_create(username="follower")
    target = user_create(username="target")

    # The user_follows row is written first; the failure comes on the mirror row.
    with pytest.raises(DatabaseError, match="injected failure"):
        follow_create(follower=follower, followee=target)

    assert not UserFollows.objects.exists()
    assert not UserFollowers.objects.exists()
    assert User.objects.get(pk=follower.pk).following_count == 0
    assert User.objects.get(pk=target.pk).followers_count == 0
