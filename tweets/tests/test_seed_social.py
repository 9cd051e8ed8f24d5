"""`manage.py seed_social`: a deterministic COPY-loaded world that keeps every rule of the app.

The command bypasses the services on purpose (speed), so these tests check the rows against
the rules the services would have kept. COPY, TRUNCATE and session settings need real
transactions: every test here is transactional.
"""

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.core.management.base import CommandError, OutputWrapper
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.test import override_settings

from accounts.models import Privacy, User
from accounts.tests.factories import user_create
from social.models import UserFollows
from tweets.models import Like, Tweet
from tweets.seeding import (
    ALREADY_SEEDED,
    LOADED_TABLES,
    SEED_PASSWORD,
    SeedExtension,
    SeedParams,
    rows_digest,
    seed_social,
)
from tweets.services import MENTION_RE, hashtags_extract, tweet_create

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
SMALL = {"users": 300, "avg_follows": 20, "tweets": 3000, "seed": 7}


def seed(*extra: str, force: bool = True, **overrides) -> tuple[str, str]:
    """Run seed_social on a small world at the fixed NOW; return (stdout, stderr)."""
    options = SMALL | overrides
    args = [f"--{name.replace('_', '-')}={value}" for name, value in options.items()]
    args += ["--now", NOW.isoformat(), *extra]
    if force:
        args.append("--force")
    stdout, stderr = StringIO(), StringIO()
    call_command("seed_social", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def rows(sql: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def scalar(sql: str, params: list | None = None):
    return rows(sql, params)[0][0]


def table_counts() -> dict[str, int]:
    return {table: scalar(f"SELECT count(*) FROM {table}") for table in LOADED_TABLES}


def secondary_indexes() -> list[tuple[str, str]]:
    return rows(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        "AND tablename = ANY(%s) ORDER BY indexname",
        [list(LOADED_TABLES)],
    )


def assert_consistent() -> None:
    """Fail unless recount --check and check_graph find nothing."""
    out = StringIO()
    call_command("recount", "--check", stdout=out)
    call_command("check_graph", stdout=out)
    assert "Counters match the rows." in out.getvalue()
    assert "Follow graph consistent" in out.getvalue()


# Determinism and consistency


def test_same_seed_gives_the_same_rows_and_counters_match():
    seed()
    first_counts, first_digest = table_counts(), rows_digest()
    assert_consistent()

    seed("--flush")

    assert table_counts() == first_counts
    assert rows_digest() == first_digest
    assert_consistent()


def test_another_seed_gives_other_rows():
    seed()
    first_digest = rows_digest()

    seed("--flush", seed=8)

    assert rows_digest() != first_digest


def test_counts_match_the_arguments():
    seed(likes_per_tweet=0.8)

    counts = table_counts()
    assert counts["users"] == 300
    assert counts["tweets"] == 3000
    assert counts["likes"] == 2400
    assert counts["user_follows"] == counts["user_followers"]
    assert abs(counts["user_follows"] - 300 * 20) < 300 * 20 * 0.05


def test_summary_and_progress_are_reported():
    stdout, stderr = seed()

    for label in ("users", "follow edges", "tweets", "likes", "celebrities", "heavy followers"):
        assert label in stdout
    assert "load tweets" in stdout and "total" in stdout
    for phase in ("generate follows", "load user_follows", "fill, index, analyze"):
        assert phase in stderr
    for step in ("fill notifications", "fill home_timeline", "public.idx_tweets_content_fts"):
        assert step in stdout


# The rows keep the app's rules


def test_graph_is_mirrored_without_self_follows_or_orphans():
    seed()

    assert not UserFollows.objects.filter(follower_id=F("following_id")).exists()
    assert (
        scalar(
            "SELECT count(*) FROM user_follows f FULL JOIN user_followers r "
            "ON r.user_id = f.following_id AND r.follower_id = f.follower_id "
            "AND r.created_at = f.created_at WHERE f.follower_id IS NULL OR r.user_id IS NULL"
        )
        == 0
    )
    assert (
        scalar(
            "SELECT count(*) FROM user_follows f WHERE NOT EXISTS "
            "(SELECT 1 FROM users u WHERE u.id = f.follower_id) OR NOT EXISTS "
            "(SELECT 1 FROM users u WHERE u.id = f.following_id)"
        )
        == 0
    )
    assert (
        scalar(
            "SELECT count(*) FROM user_follows f JOIN users u "
            "ON u.id IN (f.follower_id, f.following_id) WHERE f.created_at < u.created_at"
        )
        == 0
    )


def test_heavy_followers_and_degree_budget_on_a_bigger_graph():
    stdout, _ = seed(users=2000, avg_follows=50, tweets=2000)

    following = sorted(User.objects.values_list("following_count", flat=True), reverse=True)
    heavy = [count for count in following if count >= 1000]
    assert 10 <= len(heavy) <= 20  # ~1% of 2,000, fewer only if the budget is tight
    assert abs(sum(following) - 2000 * 50) < 2000 * 50 * 0.03
    assert f"heavy followers  {len(heavy):>12,}" in stdout
    followers = sorted(User.objects.values_list("followers_count", flat=True), reverse=True)
    # Zipf popularity: the head is far above the median.
    assert followers[0] > 10 * followers[len(followers) // 2]


def test_users_look_like_seed_accounts():
    seed()

    users = list(User.objects.order_by("pk"))
    assert [u.username for u in users[:2]] == ["seed_000001", "seed_000002"]
    assert all(u.email == f"{u.username}@example.com" for u in users)
    assert len({u.password for u in users}) == 1
    assert check_password(SEED_PASSWORD, users[0].password)
    assert all(NOW - timedelta(days=365) <= u.created_at <= NOW - timedelta(days=90) for u in users)
    privacy = [u.privacy for u in users]
    assert privacy.count(Privacy.PROTECTED) > 0 and privacy.count(Privacy.PRIVATE) > 0
    assert privacy.count(Privacy.PUBLIC) > 0.85 * len(users)
    top = max(users, key=lambda u: u.followers_count)
    assert top.verified and top.privacy == Privacy.PUBLIC
    assert sum(u.verified for u in users) == 1  # ~1 per 1,000 users, at most 100


def test_follow_requests_are_pending_to_non_public_accounts_only():
    seed()

    requests = rows(
        "SELECT u.privacy, EXISTS (SELECT 1 FROM user_follows f "
        "WHERE f.follower_id = q.requester_id AND f.following_id = q.target_id), "
        "q.requester_id = q.target_id FROM follow_requests q JOIN users u ON u.id = q.target_id"
    )
    assert requests
    assert all(privacy != Privacy.PUBLIC for privacy, _, _ in requests)
    assert not any(following or self_request for _, following, self_request in requests)


def test_tweets_keep_content_hashtag_and_mention_rules():
    seed()

    ids = dict(User.objects.values_list("username", "pk"))
    tweets = list(Tweet.objects.order_by("pk"))
    for tweet in tweets:
        assert len(tweet.content) <= 280
        if tweet.is_plain_retweet:
            assert tweet.hashtags == [] and tweet.mentions == []
            continue
        assert tweet.content.strip()
        assert tweet.hashtags == hashtags_extract(tweet.content)
        names = list(dict.fromkeys(MENTION_RE.findall(tweet.content)))
        assert tweet.mentions == [ids[name] for name in names]
    assert any(t.hashtags for t in tweets) and any(t.mentions for t in tweets)
    assert any(t.is_quote for t in tweets)
    assert all(NOW - timedelta(days=90) <= t.created_at <= NOW for t in tweets)
    # Ids increase with created_at.
    assert [t.created_at for t in tweets] == sorted(t.created_at for t in tweets)


def test_replies_and_retweets_point_back_at_public_tweets():
    seed()

    total = Tweet.objects.count()
    replies = Tweet.objects.filter(reply_to__isnull=False)
    retweets = Tweet.objects.filter(original_tweet__isnull=False, content="")
    assert 0.10 * total < replies.count() < 0.20 * total
    assert 0.05 * total < retweets.count() < 0.15 * total
    referenced = Tweet.objects.filter(original_tweet__isnull=False) | replies
    for tweet in referenced.select_related("reply_to__user", "original_tweet__user"):
        parent = tweet.reply_to or tweet.original_tweet
        assert parent.pk < tweet.pk
        assert parent.user.privacy == Privacy.PUBLIC
        assert not parent.is_plain_retweet
    pairs = list(retweets.values_list("user_id", "original_tweet_id"))
    assert len(pairs) == len(set(pairs))


def test_likes_are_unique_after_their_tweet_and_of_public_tweets():
    seed()

    assert Like.objects.count() == 1500
    assert (
        scalar(
            "SELECT count(*) FROM likes l JOIN tweets t ON t.id = l.tweet_id "
            "JOIN users u ON u.id = t.user_id "
            "WHERE l.created_at < t.created_at OR l.created_at > %s OR u.privacy <> 'public'",
            [NOW],
        )
        == 0
    )
    assert (
        scalar(
            "SELECT count(*) FROM likes l WHERE NOT EXISTS (SELECT 1 FROM tweets t "
            "WHERE t.id = l.tweet_id) OR NOT EXISTS (SELECT 1 FROM users u WHERE u.id = l.user_id)"
        )
        == 0
    )


def test_indexes_are_recreated_exactly():
    before = secondary_indexes()

    seed()

    assert secondary_indexes() == before
    assert (
        scalar(
            "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
            "WHERE c.relname = ANY(%s) AND NOT i.indisvalid",
            [list(LOADED_TABLES)],
        )
        == 0
    )


def test_rows_are_loaded_frozen_into_an_empty_database():
    seed()

    pages, visible = rows("SELECT relpages, relallvisible FROM pg_class WHERE relname = 'tweets'")[
        0
    ]
    # Without FREEZE nothing is all-visible before a VACUUM; with it most pages are (a page
    # a COPY batch started half-full is not marked).
    assert pages > 0 and visible > pages / 2
    assert "COPY FREEZE: yes" in seed("--flush")[0]


def test_loads_with_foreign_key_triggers_when_the_replica_role_is_refused():
    def without_replica_role() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
        return False

    with mock.patch("tweets.seeding._session_settings", side_effect=without_replica_role):
        stdout, _ = seed()

    assert "FK triggers skipped (replica role): no" in stdout
    assert table_counts()["tweets"] == 3000
    assert_consistent()


def test_session_settings_do_not_outlive_the_seed():
    seed()

    assert scalar("SHOW session_replication_role") == "origin"
    assert scalar("SHOW synchronous_commit") == "on"


# Extensions: rows the apps above tweets derive, once the load has committed


def test_an_extension_runs_after_the_load_commits_and_a_failure_names_what_is_missing():
    seen = {}

    def fill() -> int:
        seen["users"] = scalar("SELECT count(*) FROM users")
        seen["index"] = scalar("SELECT to_regclass('idx_blocks_blocker_created')")
        raise RuntimeError("extension failed")

    before = secondary_indexes()
    params = SeedParams(users=50, avg_follows=5, tweets=200, seed=7, now=NOW)
    failing = re.escape("fill blocks failed (extension failed); still missing: ") + (
        r".*idx_blocks_blocker_created.*Run the seed again with --flush\."
    )
    with pytest.raises(CommandError, match=failing):
        seed_social(
            params=params,
            stderr=OutputWrapper(StringIO()),
            extensions=[SeedExtension("blocks", fill)],
        )

    assert seen == {"users": 50, "index": None}
    # The load committed; what the failed fill would have been followed by did not run.
    assert User.objects.count() == 50
    loaded = rows_digest()
    assert scalar("SELECT to_regclass('idx_blocks_blocker_created')") is None

    # Seeding again with --flush recreates what the failure left missing: the same rows, every
    # index back, nothing left pending.
    seed_social(
        params=params,
        flush=True,
        stderr=OutputWrapper(StringIO()),
        extensions=[SeedExtension("blocks", lambda: 0)],
    )

    assert rows_digest() == loaded
    assert secondary_indexes() == before
    assert scalar("SELECT to_regclass('idx_blocks_blocker_created')") is not None
    assert scalar("SELECT to_regclass('seed_pending_rebuilds')") is None


def duplicate_follow(times: int) -> Callable[[], int]:
    """An extension fill writing the same follow notification `times` times."""

    def fill() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO notifications (recipient_id, actor_id, type, tweet_id, group_key, "
                "created_at) SELECT (SELECT min(id) FROM users), (SELECT max(id) FROM users), "
                "'follow', NULL, 'follow:x', now() FROM generate_series(1, %s)",
                [times],
            )
            return cursor.rowcount

    return fill


# Named after the constraint, or after its copy on the partition (notifications is
# partitioned by recipient), with the duplicated key.
DUPLICATED = r"uniq_notifications_cause|\(recipient_id, type, actor_id, tweet_id\)"


def test_unique_constraints_are_dropped_for_the_fill_and_a_violation_fails_the_seed():
    seen = {}

    def fill() -> int:
        # What the seed's own fill could get wrong: the same cause twice.
        seen["constraint"] = scalar("SELECT to_regclass('uniq_notifications_cause')")
        return duplicate_follow(2)()

    params = SeedParams(users=50, avg_follows=5, tweets=200, seed=7, now=NOW)
    with pytest.raises(CommandError, match=DUPLICATED) as failure:
        seed_social(
            params=params,
            stderr=OutputWrapper(StringIO()),
            extensions=[SeedExtension("notifications", fill)],
        )

    assert seen == {"constraint": None}
    assert "still missing: " in str(failure.value) and "--flush" in str(failure.value)
    assert scalar("SELECT to_regclass('uniq_notifications_cause')") is None

    # Again with --flush and a fill without the duplicate: the constraint is back.
    summary = seed_social(
        params=params,
        flush=True,
        stderr=OutputWrapper(StringIO()),
        extensions=[SeedExtension("notifications", duplicate_follow(1))],
    )

    assert summary.derived == {"notifications": 1}
    assert User.objects.count() == 50
    assert scalar("SELECT count(*) FROM notifications") == 1
    assert scalar("SELECT to_regclass('uniq_notifications_cause')") is not None
    with pytest.raises(IntegrityError, match=DUPLICATED), transaction.atomic():
        duplicate_follow(1)()


def test_nested_in_a_transaction_a_violation_undoes_everything_with_the_caller():
    params = SeedParams(users=50, avg_follows=5, tweets=200, seed=7, now=NOW)

    with pytest.raises(IntegrityError, match=DUPLICATED), transaction.atomic():
        seed_social(
            params=params,
            stderr=OutputWrapper(StringIO()),
            extensions=[SeedExtension("notifications", duplicate_follow(2))],
        )

    assert not User.objects.exists()
    assert scalar("SELECT count(*) FROM notifications") == 0
    assert scalar("SELECT to_regclass('uniq_notifications_cause')") is not None
    assert scalar("SELECT to_regclass('seed_pending_rebuilds')") is None


def test_indexes_are_rebuilt_in_several_sessions_after_the_load_commits():
    before = secondary_indexes()
    params = SeedParams(users=50, avg_follows=5, tweets=200, seed=7, now=NOW)

    summary = seed_social(params=params, stderr=OutputWrapper(StringIO()))

    assert summary.rebuild_sessions >= 2
    assert "public.idx_tweets_content_fts" in summary.rebuilds
    assert secondary_indexes() == before
    assert scalar("SHOW maintenance_work_mem") != "1GB"  # SET LOCAL: gone with each rebuild


def test_nested_in_a_transaction_everything_happens_in_it():
    before = secondary_indexes()
    params = SeedParams(users=50, avg_follows=5, tweets=200, seed=7, now=NOW)

    with transaction.atomic():
        summary = seed_social(params=params, stderr=OutputWrapper(StringIO()))
        assert summary.rebuild_sessions == 1
        assert "public.idx_tweets_content_fts" in summary.rebuilds
        assert secondary_indexes() == before
        assert User.objects.count() == 50
        transaction.set_rollback(True)

    assert not User.objects.exists()
    assert secondary_indexes() == before


# Ids and sequences


def test_ids_start_after_existing_rows_and_sequences_continue():
    alice = user_create(username="alice")
    first = tweet_create(author=alice, content="before the seed")

    stdout, _ = seed()

    assert "COPY FREEZE: no" in stdout
    assert User.objects.filter(username="alice").exists()
    seeded = User.objects.filter(username__startswith="seed_")
    assert seeded.count() == 300
    assert min(seeded.values_list("pk", flat=True)) > alice.pk
    assert Tweet.objects.exclude(pk=first.pk).order_by("pk").first().pk > first.pk
    assert_consistent()

    bob = user_create(username="bob")
    after = tweet_create(author=bob, content="after the seed")
    assert bob.pk > max(seeded.values_list("pk", flat=True))
    assert after.pk == Tweet.objects.order_by("-pk").first().pk


def test_flush_empties_the_social_tables_first():
    user_create(username="alice")

    seed("--flush")

    assert not User.objects.filter(username="alice").exists()
    assert User.objects.count() == 300
    assert min(User.objects.values_list("pk", flat=True)) == 1


# Refusals


def test_refuses_when_already_seeded_without_flush():
    seed()
    counts = table_counts()

    with pytest.raises(CommandError, match=re.escape(ALREADY_SEEDED)):
        seed(seed=8)

    assert table_counts() == counts


def test_refuses_with_debug_off_without_force():
    with pytest.raises(CommandError, match="DEBUG off"):
        seed(force=False)

    assert not User.objects.exists()


@override_settings(DEBUG=True)
def test_runs_with_debug_on_without_force():
    seed(force=False)

    assert User.objects.count() == 300


@pytest.mark.parametrize(
    "overrides",
    [{"users": 0}, {"avg_follows": 300}, {"tweets": -1}, {"likes_per_tweet": -0.5}],
)
def test_refuses_impossible_sizes(overrides):
    with pytest.raises(CommandError, match="must"):
        seed(**overrides)

    assert not User.objects.exists()


# The timeline hook


@override_settings(TIMELINE_MAX_ROWS=15)
def test_seed_materialises_timelines_that_read_like_the_brute_force_ones():
    from timelines.models import HomeTimeline, HomeTimelineEntry
    from timelines.selectors import timeline_home

    seed("--timeline-days", "10")

    assert HomeTimeline.objects.count() == User.objects.count()
    assert HomeTimelineEntry.objects.exists()
    heaviest = User.objects.order_by("-following_count").first()
    followed = UserFollows.objects.filter(follower=heaviest).values("following_id")
    expected = (
        Tweet.objects.filter(user_id__in=followed)
        .union(Tweet.objects.filter(user_id=heaviest.pk))
        .order_by("-created_at", "-id")
    )
    visible = set(Tweet.objects.visible_to(heaviest).values_list("pk", flat=True))
    expected_ids = [t.pk for t in expected if t.pk in visible][:60]
    shown, cursor = [], None
    while len(shown) < 60:
        page = timeline_home(viewer=heaviest, cursor=cursor, limit=20)
        shown += [t.pk for t in page.items]
        if not (cursor := page.next_cursor):
            break
    assert shown[:60] == expected_ids
