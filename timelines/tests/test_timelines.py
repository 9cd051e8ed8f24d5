"""Home timeline: hybrid fan-out on write, pull fallback, keyset pages (DESIGN "Timelines")."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import Privacy, User
from accounts.tests.factories import user_create
from social import services as social_services
from timelines import selectors as timeline_selectors
from timelines.models import HomeTimeline, HomeTimelineEntry
from timelines.services import timeline_rebuild, timeline_trim, timelines_trim_all
from tweets import services as tweets_services
from tweets.models import Tweet
from tweets.services import tweet_create
from tweets.tests.factories import committed, post

pytestmark = pytest.mark.django_db

# These services queue timeline jobs on commit; wrapped, each job runs once the service has
# returned, as after production's commit (never inside the service's transaction).
block_create = committed(social_services.block_create)
follow_create = committed(social_services.follow_create)
follow_delete = committed(social_services.follow_delete)
follower_remove = committed(social_services.follower_remove)
privacy_set = committed(social_services.privacy_set)
retweet_create = committed(tweets_services.retweet_create)
tweet_delete = committed(tweets_services.tweet_delete)
# A read of a timeline not built yet queues its rebuild (reads never write): wrapped, the
# job runs once the read has returned, as it would after the request.
timeline_home = committed(timeline_selectors.timeline_home)


def _pages(viewer: User, *, limit: int = 20) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        page = timeline_home(viewer=viewer, cursor=cursor, limit=limit)
        pages.append([tweet.pk for tweet in page.items])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor
        assert len(pages) < 500, "pagination does not end"


def _home(viewer: User, *, limit: int = 20) -> list[int]:
    return [pk for page in _pages(viewer, limit=limit) for pk in page]


def _expected(viewer: User) -> list[int]:
    """The brute-force home timeline: own and followed authors' visible tweets, newest first."""
    from social.models import UserFollows

    authors = [*UserFollows.objects.filter(follower=viewer).values_list("following", flat=True)]
    tweets = Tweet.objects.filter(user_id__in=[viewer.pk, *authors]).visible_to(viewer)
    return list(tweets.order_by("-created_at", "-pk").values_list("pk", flat=True))


def _materialised(owner: User) -> set[int]:
    return set(
        HomeTimelineEntry.objects.filter(owner_id=owner.pk).values_list("tweet_id", flat=True)
    )


@pytest.fixture
def alice():
    return user_create(username="alice")


@pytest.fixture
def bob():
    return user_create(username="bob")


def test_first_read_builds_the_timeline_from_own_and_followed_tweets(alice, bob):
    stranger = user_create()
    follow_create(follower=alice, followee=bob)
    mine, theirs = post(alice, "mine"), post(bob, "theirs")
    post(stranger, "not followed")
    assert not HomeTimeline.objects.filter(owner_id=alice.pk).exists()

    assert _home(alice) == [theirs.pk, mine.pk]
    assert HomeTimeline.objects.filter(owner_id=alice.pk).exists()
    assert _materialised(alice) == {theirs.pk, mine.pk}


def test_posting_fans_out_to_followers_with_a_built_timeline_only(alice, bob):
    carol = user_create()
    follow_create(follower=alice, followee=bob)
    follow_create(follower=carol, followee=bob)
    timeline_home(viewer=alice)  # alice and bob have timelines; carol never read hers
    timeline_home(viewer=bob)

    tweet = post(bob, "hello followers")

    assert tweet.pk in _materialised(alice)
    assert tweet.pk in _materialised(bob)  # the author's own timeline
    assert not HomeTimelineEntry.objects.filter(owner_id=carol.pk).exists()
    assert _home(carol) == [tweet.pk]  # rebuilt on first read


@override_settings(TIMELINE_CELEBRITY_THRESHOLD=1)
def test_celebrity_tweets_are_pulled_on_read_not_fanned_out(alice, bob):
    celebrity = user_create(username="celebrity")
    follow_create(follower=alice, followee=celebrity)
    follow_create(follower=bob, followee=celebrity)  # 2 followers > threshold 1
    timeline_home(viewer=alice)
    own = post(alice, "own")

    loud = post(celebrity, "to the masses")

    assert loud.pk not in _materialised(alice)
    assert _home(alice) == [loud.pk, own.pk]


def test_follow_backfills_and_unfollow_takes_out(alice, bob):
    timeline_home(viewer=alice)
    older = post(bob, "before the follow")

    follow_create(follower=alice, followee=bob)
    assert _home(alice) == [older.pk]

    follow_delete(follower=alice, followee=bob)
    assert _home(alice) == []
    assert older.pk not in _materialised(alice)


def test_block_and_follower_removal_take_tweets_out_both_ways(alice, bob):
    carol = user_create()
    for follower, followee in [(alice, bob), (bob, alice), (carol, alice)]:
        follow_create(follower=follower, followee=followee)
    by_alice, by_bob = post(alice, "a"), post(bob, "b")
    assert by_bob.pk in _home(alice) and by_alice.pk in _home(bob)

    block_create(blocker=alice, blocked=bob)
    assert _home(alice) == [by_alice.pk]
    assert _home(bob) == [by_bob.pk]

    assert by_alice.pk in _home(carol)
    follower_remove(user=alice, follower=carol)
    assert _home(carol) == []


def test_deleted_tweet_and_its_retweets_leave_every_timeline(alice, bob):
    follow_create(follower=alice, followee=bob)
    timeline_home(viewer=alice)
    tweet = post(bob, "soon gone")
    retweet_create(user=alice, tweet_id=tweet.pk)
    assert len(_materialised(alice)) == 2

    tweet_delete(tweet=tweet, actor=bob)

    assert _home(alice) == []
    assert _materialised(alice) == set()


def test_hidden_tweets_and_privacy_changes_apply_at_read_time(alice, bob):
    follow_create(follower=alice, followee=bob)
    timeline_home(viewer=alice)
    hidden, kept = post(bob, "hidden"), post(bob, "kept")
    Tweet.objects.filter(pk=hidden.pk).update(is_hidden=True)  # moderation has no service yet
    assert _home(alice) == [kept.pk]

    # alice follows bob, so protecting the account changes nothing for her...
    privacy_set(user=bob, privacy=Privacy.PROTECTED)
    assert _home(alice) == [kept.pk]
    # ...but a plain retweet of bob's tweet by a public account is hidden from its followers.
    carol = user_create()
    retweet_create(user=alice, tweet_id=post(carol, "public").pk)
    follow_create(follower=carol, followee=alice)
    assert all(Tweet.objects.get(pk=pk).user_id != bob.pk for pk in _home(carol))


@override_settings(TIMELINE_MAX_ROWS=5)
@pytest.mark.parametrize("limit", [1, 3, 4, 7, 20])
def test_pages_past_the_materialised_rows_are_pulled_without_gaps(alice, bob, limit):
    follow_create(follower=alice, followee=bob)
    timeline_home(viewer=alice)
    for number in range(23):
        post(bob if number % 3 else alice, f"tweet {number}")
    timeline_trim(owner_id=alice.pk)
    assert len(_materialised(alice)) == 5

    assert _home(alice, limit=limit) == _expected(alice)


@override_settings(TIMELINE_MAX_ROWS=3)
def test_trim_keeps_the_newest_rows_and_raises_the_horizon(alice, bob):
    follow_create(follower=alice, followee=bob)
    timeline_home(viewer=alice)
    tweets = [post(bob, f"t{number}") for number in range(6)]

    removed = timelines_trim_all()

    assert removed == 3
    assert _materialised(alice) == {t.pk for t in tweets[-3:]}
    state = HomeTimeline.objects.get(owner_id=alice.pk)
    assert (state.horizon_at, state.horizon_id) == (tweets[3].created_at, tweets[3].pk)
    assert _home(alice, limit=2) == _expected(alice)


@override_settings(TIMELINE_MAX_ROWS=4)
def test_rebuild_caps_rows_and_pulls_the_rest(alice, bob):
    follow_create(follower=alice, followee=bob)
    for number in range(10):
        post(bob, f"t{number}")

    timeline_rebuild(owner_id=alice.pk)

    assert len(_materialised(alice)) == 4
    assert _home(alice, limit=3) == _expected(alice)


def test_rebuild_skips_tweets_older_than_the_window_but_reads_still_reach_them(alice, bob):
    follow_create(follower=alice, followee=bob)
    old = post(bob, "old")
    Tweet.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    new = post(bob, "new")

    timeline_rebuild(owner_id=alice.pk)

    assert _materialised(alice) == {new.pk}
    assert _home(alice) == [new.pk, old.pk]


@pytest.mark.parametrize("limit", [1, 2, 5])
def test_tweets_sharing_one_timestamp_page_without_duplicates_or_gaps(alice, bob, limit):
    follow_create(follower=alice, followee=bob)
    moment = timezone.now() - timedelta(minutes=5)
    tweets = [post(bob, f"same moment {number}") for number in range(7)]
    Tweet.objects.filter(pk__in=[t.pk for t in tweets]).update(created_at=moment)
    timeline_rebuild(owner_id=alice.pk)

    pages = _pages(alice, limit=limit)

    flat = [pk for page in pages for pk in page]
    assert flat == sorted((t.pk for t in tweets), reverse=True)
    assert all(len(page) == limit for page in pages[:-1])


def test_new_tweets_between_pages_neither_repeat_nor_shift_the_next_page(alice, bob):
    follow_create(follower=alice, followee=bob)
    tweets = [post(bob, f"t{number}") for number in range(6)]
    first = timeline_home(viewer=alice, limit=3)

    newer = post(bob, "arrived meanwhile")
    second = timeline_home(viewer=alice, cursor=first.next_cursor, limit=3)

    assert [t.pk for t in first.items] == [t.pk for t in tweets[:2:-1]]
    assert [t.pk for t in second.items] == [t.pk for t in tweets[2::-1]]
    assert newer.pk == timeline_home(viewer=alice, limit=1).items[0].pk


def test_a_page_short_after_filtering_fetches_more(alice, bob):
    follow_create(follower=alice, followee=bob)
    timeline_home(viewer=alice)
    tweets = [post(bob, f"t{number}") for number in range(12)]
    hidden = [t.pk for t in tweets[2:10]]
    Tweet.objects.filter(pk__in=hidden).update(is_hidden=True)

    page = timeline_home(viewer=alice, limit=3)

    assert [t.pk for t in page.items] == [tweets[11].pk, tweets[10].pk, tweets[1].pk]
    rest = timeline_home(viewer=alice, cursor=page.next_cursor, limit=3)
    assert [t.pk for t in rest.items] == [tweets[0].pk]
    assert rest.next_cursor is None


def _reader_of_three_tweets_each(follows: int) -> User:
    """Return a user following `follows` authors of 3 tweets each, timeline built."""
    viewer = user_create()
    for author in [user_create() for _ in range(follows)]:
        follow_create(follower=viewer, followee=author)
        for number in range(3):
            post(author, f"t{number}")
    timeline_home(viewer=viewer)
    return viewer


@pytest.mark.parametrize(("follows", "limit"), [(1, 5), (30, 5), (1, 50), (30, 50)])
def test_a_home_page_costs_two_queries_whatever_the_follows_and_page_size(
    follows, limit, django_assert_num_queries
):
    viewer = _reader_of_three_tweets_each(follows)

    # Keys (state, materialised rows, celebrity pull), then the tweets through the rule.
    with django_assert_num_queries(2):
        page = timeline_home(viewer=viewer, limit=limit)
    assert len(page.items) == min(limit, 3 * follows)


@override_settings(TIMELINE_MAX_ROWS=3)
@pytest.mark.parametrize(("follows", "limit"), [(1, 5), (30, 5), (30, 50)])
def test_a_page_past_the_materialised_rows_costs_one_pull_query_more(
    follows, limit, django_assert_num_queries
):
    viewer = _reader_of_three_tweets_each(follows)  # 3 rows built; the rest below the horizon

    with django_assert_num_queries(3):
        page = timeline_home(viewer=viewer, limit=limit)
    assert len(page.items) == min(limit, 3 * follows)


# Property: the paginated home timeline equals the brute-force one, whatever happened.

PEOPLE = st.integers(0, 4)
FOLLOWS = st.sets(st.tuples(PEOPLE, PEOPLE), max_size=15)
AUTHORS = st.lists(PEOPLE, min_size=1, max_size=20)
ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(
            ["post", "post", "follow", "unfollow", "block", "delete", "retweet", "trim"]
        ),
        PEOPLE,
        PEOPLE,
    ),
    max_size=20,
)


def _apply(action: str, actor: User, other: User) -> None:
    from django.core.exceptions import ValidationError

    try:
        if action == "post":
            post(actor)
        elif action == "follow" and actor.pk != other.pk:
            follow_create(follower=actor, followee=other)
        elif action == "unfollow":
            follow_delete(follower=actor, followee=other)
        elif action == "block" and actor.pk != other.pk:
            block_create(blocker=actor, blocked=other)
        elif action == "delete":
            tweet = Tweet.objects.filter(user=actor).order_by("?").first()
            if tweet is not None:
                tweet_delete(tweet=tweet, actor=actor)
        elif action == "retweet":
            tweet = Tweet.objects.filter(user=other, content__gt="").order_by("?").first()
            if tweet is not None:
                retweet_create(user=actor, tweet_id=tweet.pk)
        elif action == "trim":
            timeline_trim(owner_id=actor.pk)
    except (ValidationError, Tweet.DoesNotExist):
        pass  # e.g. following someone who blocked you: the rule said no, nothing changed


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(follows=FOLLOWS, authors=AUTHORS, actions=ACTIONS, limit=st.integers(1, 6), reader=PEOPLE)
def test_paginated_home_timeline_matches_brute_force(follows, authors, actions, limit, reader):
    with (
        override_settings(TIMELINE_MAX_ROWS=4, TIMELINE_CELEBRITY_THRESHOLD=2),
        transaction.atomic(),
    ):
        users = [user_create() for _ in range(4)] + [user_create(privacy=Privacy.PROTECTED)]
        for follower, followee in follows:
            _apply("follow", users[follower], users[followee])
        timeline_home(viewer=users[0])  # one timeline built early, the rest on first read
        for author in authors:
            _apply("post", users[author], users[author])
        for action, actor, other in actions:
            _apply(action, users[actor], users[other])
        viewer = users[reader]

        assert _home(viewer, limit=limit) == _expected(viewer)
        transaction.set_rollback(True)


def test_trim_command_reports_rows_removed(alice, bob):
    from io import StringIO

    from django.core.management import call_command

    follow_create(follower=alice, followee=bob)
    timeline_home(viewer=alice)
    for number in range(4):
        post(bob, f"t{number}")
    out = StringIO()

    with override_settings(TIMELINE_MAX_ROWS=2):
        call_command("trim_timelines", stdout=out)

    assert "Removed 2 timeline rows." in out.getvalue()
    assert len(_materialised(alice)) == 2


@pytest.mark.django_db(transaction=True)
def test_fan_out_runs_after_the_posting_transaction_commits(alice, bob):
    """Real commits: the job sees the committed tweet; nothing runs if the post rolls back."""
    follow_create(follower=alice, followee=bob)
    timeline_home(viewer=alice)

    tweet = post(bob, "committed")
    assert tweet.pk in _materialised(alice)

    with pytest.raises(RuntimeError), transaction.atomic():
        tweet_create(author=bob, content="rolled back")  # unwrapped: the real commit decides
        raise RuntimeError
    assert HomeTimelineEntry.objects.filter(owner_id=alice.pk).count() == 1
