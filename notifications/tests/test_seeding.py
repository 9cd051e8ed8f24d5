"""The seed's notifications (notifications/seeding.py) and the group key they share with the app.

The seed writes its notifications set-wise in SQL; these tests rebuild the expected rows in
Python from the loaded likes, follows, requests and tweets, one cause at a time, and compare
the whole table. COPY and TRUNCATE need real transactions: the seeding tests are transactional.
"""

from datetime import UTC, datetime, timedelta, timezone
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.tests.factories import user_create
from notifications.grouping import group_key_for, group_key_sql
from notifications.models import Notification, NotificationType
from social.models import FollowRequest, UserFollows
from tweets.models import Like, Tweet

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
SMALL = {"users": 300, "avg_follows": 20, "tweets": 3000, "seed": 7}
NOTIFICATION_INDEXES = (
    "idx_notifications_recipient",
    "idx_notifications_group",
    "idx_notifications_tweet",
    "brin_notifications_created",
)

seeding = pytest.mark.django_db(transaction=True)


def seed(*extra: str, **overrides) -> tuple[str, str]:
    """Run seed_social on a small world at the fixed NOW; return (stdout, stderr)."""
    options = SMALL | overrides
    args = [f"--{name.replace('_', '-')}={value}" for name, value in options.items()]
    stdout, stderr = StringIO(), StringIO()
    call_command(
        "seed_social", *args, "--now", NOW.isoformat(), "--force", *extra,
        stdout=stdout, stderr=stderr,
    )  # fmt: skip
    return stdout.getvalue(), stderr.getvalue()


def scalar(sql: str, params: list | None = None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def notifications_digest() -> str:
    """MD5 over every notification row, id included, in id order."""
    return scalar(
        "SELECT md5(coalesce(string_agg(to_jsonb(n)::text, E'\\n' ORDER BY id), '')) "
        "FROM notifications n"
    )


def expected_rows() -> set[tuple]:
    """Every notification the loaded rows cause, derived in Python one cause at a time.

    (recipient, type, actor, tweet, created_at). A reply or quote notifies the author it
    answers or quotes as such, not also as a mention; nobody is notified of their own act.
    """
    tweets = {t.pk: t for t in Tweet.objects.all()}
    expected = set()

    def add(recipient, type, actor, tweet, created_at):
        if recipient != actor:
            expected.add((recipient, type, actor, tweet, created_at))

    for like in Like.objects.all():
        add(tweets[like.tweet_id].user_id, "like", like.user_id, like.tweet_id, like.created_at)
    for edge in UserFollows.objects.all():
        add(edge.following_id, "follow", edge.follower_id, None, edge.created_at)
    for request in FollowRequest.objects.all():
        add(request.target_id, "follow_request", request.requester_id, None, request.created_at)
    for tweet in tweets.values():
        answered = None
        if tweet.reply_to_id is not None:
            answered = tweets[tweet.reply_to_id].user_id
            add(answered, "reply", tweet.user_id, tweet.pk, tweet.created_at)
        if tweet.original_tweet_id is not None:
            original = tweets[tweet.original_tweet_id]
            if tweet.content == "":
                add(original.user_id, "retweet", tweet.user_id, original.pk, tweet.created_at)
            else:
                answered = original.user_id
                add(answered, "quote", tweet.user_id, tweet.pk, tweet.created_at)
        for mentioned in tweet.mentions:
            if mentioned != answered:
                add(mentioned, "mention", tweet.user_id, tweet.pk, tweet.created_at)
    return expected


def loaded_rows() -> list[Notification]:
    return list(Notification.objects.order_by("pk"))


# The seeded rows


@seeding
def test_every_like_follow_request_reply_quote_retweet_and_mention_has_its_row():
    stdout, stderr = seed()

    rows = loaded_rows()
    expected = expected_rows()
    assert {(n.recipient_id, n.type, n.actor_id, n.tweet_id, n.created_at) for n in rows} == (
        expected
    )
    assert len(rows) == len(expected)  # no cause twice
    types = {n.type for n in rows}
    assert types == {
        "like", "follow", "follow_request", "reply", "quote", "retweet", "mention",
    }  # fmt: skip
    assert f"notifications    {len(rows):>12,}" in stdout
    assert "fill notifications" in stderr


@seeding
def test_a_reply_notifies_its_parent_author_once_as_a_reply():
    seed()

    replies = Tweet.objects.filter(reply_to__isnull=False).select_related("reply_to")
    checked = 0
    for reply in replies:
        parent_author = reply.reply_to.user_id
        if parent_author == reply.user_id or parent_author not in reply.mentions:
            continue
        kinds = set(
            Notification.objects.filter(recipient_id=parent_author, tweet_id=reply.pk).values_list(
                "type", flat=True
            )
        )
        assert kinds == {"reply"}
        checked += 1
    assert checked > 100


@seeding
def test_no_self_notification_and_group_keys_as_group_key_for_says():
    seed()

    rows = loaded_rows()
    assert rows
    assert not [n for n in rows if n.recipient_id == n.actor_id]
    wrong = [
        (n.group_key, group_key_for(n.type, n.tweet_id, n.actor_id, n.created_at))
        for n in rows
        if n.group_key != group_key_for(n.type, n.tweet_id, n.actor_id, n.created_at)
    ]
    assert wrong == []
    # Grouping really groups: many likes share a key, follows group per recipient and day.
    assert len({n.group_key for n in rows if n.type == "like"}) < sum(
        n.type == "like" for n in rows
    )


@seeding
def test_ids_grow_with_time_and_the_sequence_continues_after_them():
    seed()

    rows = loaded_rows()
    assert [n.pk for n in rows] == list(range(1, len(rows) + 1))
    assert [n.created_at for n in rows] == sorted(n.created_at for n in rows)
    a, b = rows[0].recipient_id, rows[0].actor_id
    later = Notification.objects.create(
        recipient_id=a, actor_id=b, type="follow_accepted", group_key="x"
    )
    assert later.pk == len(rows) + 1


@seeding
def test_same_seed_gives_the_same_notifications():
    seed()
    first = notifications_digest()

    seed("--flush")

    assert notifications_digest() == first
    seed("--flush", seed=8)
    assert notifications_digest() != first


@seeding
def test_seeding_after_existing_notifications_keeps_them_and_numbers_after_them():
    alice, bob = user_create(username="alice"), user_create(username="bob")
    kept = Notification.objects.create(
        recipient=alice,
        actor=bob,
        type=NotificationType.FOLLOW,
        group_key=group_key_for("follow", None, bob.pk, NOW),
    )

    seed()

    assert Notification.objects.filter(pk=kept.pk).exists()
    seeded = Notification.objects.exclude(pk=kept.pk)
    assert seeded.count() == len(expected_rows())
    assert min(seeded.values_list("pk", flat=True)) == kept.pk + 1


@seeding
def test_notification_indexes_are_recreated():
    def indexes():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema() AND tablename = 'notifications' "
                "ORDER BY indexname"
            )
            return cursor.fetchall()

    before = indexes()
    assert set(NOTIFICATION_INDEXES) <= {name for name, _ in before}

    seed()

    assert indexes() == before
    assert (
        scalar(
            "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
            "WHERE c.relname = 'notifications' AND NOT i.indisvalid"
        )
        == 0
    )


# The group key


CREATED = datetime(2026, 3, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5)))  # 04:30 UTC, 2 Mar


@pytest.mark.parametrize(
    ("type", "tweet_id", "expected"),
    [
        ("like", 17, "like:17:2026-03-02"),
        ("retweet", 17, "retweet:17:2026-03-02"),
        ("follow", None, "follow:2026-03-02"),
        ("reply", 18, "reply:18:5"),
        ("mention", 18, "mention:18:5"),
        ("quote", 18, "quote:18:5"),
        ("follow_request", None, "follow_request::5"),
        ("follow_accepted", None, "follow_accepted::5"),
    ],
)
def test_group_key_for_each_type_uses_the_utc_date(type, tweet_id, expected):
    assert group_key_for(type, tweet_id, 5, CREATED) == expected
    assert group_key_for(NotificationType(type), tweet_id, 5, CREATED) == expected


def test_likes_of_one_tweet_group_per_utc_day_and_replies_never_group():
    late = datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC)
    early = late + timedelta(seconds=1)
    assert group_key_for("like", 1, 5, late) != group_key_for("like", 1, 5, early)
    assert group_key_for("like", 1, 5, late) == group_key_for("like", 1, 6, late)
    assert group_key_for("like", 1, 5, late) != group_key_for("like", 2, 5, late)
    assert group_key_for("reply", 1, 5, late) != group_key_for("reply", 1, 6, late)


WITHOUT_TWEET = ("follow", "follow_request", "follow_accepted")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("type", "tweet_id"),
    [(type, 2_147_483_646) for type in NotificationType.values]
    + [(type, None) for type in WITHOUT_TWEET],
)
def test_group_key_sql_computes_group_key_for(type, tweet_id):
    for created in (CREATED, datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)):
        expression = group_key_sql(type, tweet="v.tweet", actor="v.actor", created_at="v.created")
        with connection.cursor() as cursor:
            # A session time zone far from UTC: the key's date must still be the UTC one.
            cursor.execute("SET LOCAL TIME ZONE 'Pacific/Kiritimati'")
            cursor.execute(
                f"SELECT {expression} FROM (SELECT %s::bigint, %s::bigint, %s::timestamptz) "
                "AS v(tweet, actor, created)",
                [tweet_id, 99_999_999, created],
            )
            assert cursor.fetchone()[0] == group_key_for(type, tweet_id, 99_999_999, created)


def test_group_key_sql_refuses_an_unknown_type():
    with pytest.raises(ValueError, match="unknown"):
        group_key_sql("poke", tweet="1", actor="2", created_at="now()")


def test_keys_fit_the_column():
    longest = group_key_for("follow_accepted", 2**63 - 1, 2**63 - 1, NOW)
    assert len(longest) <= Notification._meta.get_field("group_key").max_length
