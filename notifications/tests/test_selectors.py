"""What a recipient sees: the one rule, mutes, policy, grouping, unread count."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Privacy, User
from accounts.services import user_set_active
from accounts.tests.factories import user_create
from notifications import services
from notifications.models import Notification
from notifications.selectors import (
    GROUP_COUNT_CAP,
    notification_settings_get,
    notifications_page,
    notifications_unread_count,
)
from social.services import block_create, block_delete, privacy_set
from tweets.services import tweet_set_hidden
from tweets.tests.factories import post
from twitterclone import statements

from .helpers import approve, follow, like, mute, mute_word, retweet

pytestmark = pytest.mark.django_db

PUBLIC, PROTECTED, PRIVATE = Privacy.PUBLIC, Privacy.PROTECTED, Privacy.PRIVATE


def shown(viewer: User, **kwargs) -> list[tuple]:
    """Return (type, actor id, tweet id) of what the flat list shows, across every page."""
    out, cursor = [], None
    while True:
        page = notifications_page(viewer=viewer, cursor=cursor, limit=3, **kwargs)
        out += [(item.type, item.actor_id, item.tweet_id) for item in page.items]
        if not page.next_cursor:
            return out
        cursor = page.next_cursor


def groups(viewer: User, limit: int = 20, **kwargs) -> list:
    """Return every group across pages of `limit`."""
    out, cursor = [], None
    while True:
        page = notifications_page(viewer=viewer, grouped=True, cursor=cursor, limit=limit, **kwargs)
        out += page.items
        if not page.next_cursor:
            return out
        cursor = page.next_cursor


# The privacy oracle: the owner (the actor) replies to the recipient's public tweet and likes
# it, then the recipient stands in one relation to the owner, whose account has a privacy.
VIEWER_KINDS = [
    "stranger",
    "pending_requester",
    "approved_follower",
    "blocked_by_owner",
    "blocking_the_owner",
    "staff",
]


def may_see_reply(kind: str, privacy: str) -> bool:
    if kind in ("blocked_by_owner", "blocking_the_owner"):
        return False
    return privacy == PUBLIC or kind == "approved_follower"


def may_see_like(kind: str) -> bool:
    # A like is about the recipient's own tweet: only the actor's existence matters.
    return kind not in ("blocked_by_owner", "blocking_the_owner")


@pytest.mark.parametrize("privacy", [PUBLIC, PROTECTED, PRIVATE])
@pytest.mark.parametrize("kind", VIEWER_KINDS)
def test_privacy_oracle(kind, privacy):
    viewer = user_create(is_staff=kind == "staff")
    owner = user_create()
    tweet = post(viewer, "my public tweet")
    if kind == "approved_follower":
        follow(follower=viewer, followee=owner)
    if privacy != PUBLIC:
        privacy_set(user=owner, privacy=privacy)
    reply = post(owner, f"@{viewer.username} an answer", reply_to_id=tweet.pk)
    like(user=owner, tweet_id=tweet.pk)
    if kind == "pending_requester" and privacy != PUBLIC:
        follow(follower=viewer, followee=owner)
    elif kind == "blocked_by_owner":
        block_create(blocker=owner, blocked=viewer)
    elif kind == "blocking_the_owner":
        block_create(blocker=viewer, blocked=owner)
    # The rows are there whatever the relation: the read decides.
    assert Notification.objects.filter(recipient=viewer, actor=owner).count() == 2
    expected = []
    if may_see_like(kind):
        expected.append(("like", owner.pk, tweet.pk))
    if may_see_reply(kind, privacy):
        expected.append(("reply", owner.pk, reply.pk))
    assert shown(viewer) == expected
    assert [(g.type, g.actor_ids) for g in groups(viewer)] == [(t, [a]) for t, a, _ in expected]
    assert notifications_unread_count(viewer=viewer) == len(expected)


def test_protected_reply_to_a_public_tweet_reaches_the_author_only_once_allowed():
    author = user_create()
    replier = user_create(privacy=PROTECTED)
    tweet = post(author, "public")
    reply = post(replier, "from behind the wall", reply_to_id=tweet.pk)
    assert shown(author) == []
    assert notifications_unread_count(viewer=author) == 0
    follow(follower=author, followee=replier)
    approve(owner=replier, requester=author)
    assert ("reply", replier.pk, reply.pk) in shown(author)


def test_block_hides_notifications_both_ways_and_unblock_brings_likes_back():
    ana, bob = user_create(), user_create()
    ana_tweet, bob_tweet = post(ana, "a"), post(bob, "b")
    like(user=bob, tweet_id=ana_tweet.pk)
    like(user=ana, tweet_id=bob_tweet.pk)
    block_create(blocker=ana, blocked=bob)
    assert shown(ana) == [] and shown(bob) == []
    block_delete(blocker=ana, blocked=bob)
    assert shown(ana) == [("like", bob.pk, ana_tweet.pk)]
    assert shown(bob) == [("like", ana.pk, bob_tweet.pk)]


def test_suspended_actor_vanishes_except_for_staff():
    ana, bob = user_create(), user_create()
    staff = user_create(is_staff=True)
    like(user=bob, tweet_id=post(ana).pk)
    like(user=bob, tweet_id=post(staff).pk)
    user_set_active(user=bob, active=False)
    assert shown(ana) == []
    assert notifications_unread_count(viewer=ana) == 0
    assert len(shown(staff)) == 1
    user_set_active(user=bob, active=True)
    assert len(shown(ana)) == 1


def test_hidden_tweet_hides_its_notification():
    ana, bob = user_create(), user_create()
    reply = post(bob, "rude", reply_to_id=post(ana, "hi").pk)
    tweet_set_hidden(tweet=reply, hidden=True)
    assert shown(ana) == []
    tweet_set_hidden(tweet=reply, hidden=False)
    assert shown(ana) == [("reply", bob.pk, reply.pk)]


def test_muted_actor_and_muted_word():
    ana, bob, carl = user_create(), user_create(), user_create()
    post(bob, f"@{ana.username} spoilers ahead")
    carl_reply = post(carl, f"@{ana.username} nice weather")
    like(user=bob, tweet_id=post(ana, "x").pk)
    mute_word(ana, "spoilers")
    assert ("mention", bob.pk) not in [(t, a) for t, a, _ in shown(ana)]
    assert ("like", bob.pk) in [(t, a) for t, a, _ in shown(ana)]
    mute(ana, bob)
    assert shown(ana) == [("mention", carl.pk, carl_reply.pk)]
    assert notifications_unread_count(viewer=ana) == 1


def test_policy_not_following_lets_followed_accounts_through():
    ana, bob, carl = user_create(), user_create(), user_create()
    follow(follower=ana, followee=carl)
    tweet = post(ana, "x")
    like(user=bob, tweet_id=tweet.pk)
    like(user=carl, tweet_id=tweet.pk)
    services.notification_policy_update(user=ana, filter_not_following=True)
    assert shown(ana) == [("like", carl.pk, tweet.pk)]
    assert notifications_unread_count(viewer=ana) == 1


def test_policy_new_accounts_but_mentions_from_followed_accounts_pass():
    ana, newbie, followed_newbie = user_create(), user_create(), user_create()
    old = user_create()
    User.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    follow(follower=ana, followee=followed_newbie)
    tweet = post(ana, "x")
    for actor in (newbie, followed_newbie, old):
        like(user=actor, tweet_id=tweet.pk)
    mention = post(followed_newbie, f"@{ana.username} hey")
    services.notification_policy_update(user=ana, filter_new_accounts_days=30)
    assert shown(ana) == [("mention", followed_newbie.pk, mention.pk), ("like", old.pk, tweet.pk)]


def test_settings_get_never_writes():
    ana = user_create()
    row = notification_settings_get(user=ana)
    assert row._state.adding and row.last_read_id == 0
    assert not type(row).objects.filter(user=ana).exists()


def test_grouping_across_pages_never_repeats_a_group():
    ana = user_create()
    tweets = [post(ana, f"t{i}") for i in range(4)]
    fans = [user_create() for _ in range(5)]
    for fan in fans:
        for tweet in tweets:
            like(user=fan, tweet_id=tweet.pk)
        follow(follower=fan, followee=ana)
    retweet(user=fans[0], tweet_id=tweets[0].pk)
    every = groups(ana, limit=20)
    for limit in (1, 2, 3):
        paged = groups(ana, limit=limit)
        assert [g.group_key for g in paged] == [g.group_key for g in every]
    keys = [g.group_key for g in every]
    assert len(keys) == len(set(keys)) == 6  # 4 like groups, 1 follow group, 1 retweet
    ids = [g.id for g in every]
    assert ids == sorted(ids, reverse=True)
    follows = next(g for g in every if g.type == "follow")
    assert follows.actors_count == 5
    assert [u.pk for u in follows.actors] == [f.pk for f in reversed(fans)][:3]


def test_group_counts_and_heads_skip_hidden_members():
    ana = user_create()
    tweet = post(ana, "x")
    fans = [user_create() for _ in range(4)]
    for fan in fans:
        like(user=fan, tweet_id=tweet.pk)
    other = post(ana, "y")
    like(user=fans[0], tweet_id=other.pk)
    # The newest like on `tweet` vanishes: the group keeps its place by its newest visible like.
    block_create(blocker=ana, blocked=fans[3])
    (like_other, like_tweet) = groups(ana)
    assert like_other.tweet_id == other.pk
    assert like_tweet.actors_count == 3
    assert [u.pk for u in like_tweet.actors] == [fans[2].pk, fans[1].pk, fans[0].pk]
    assert like_tweet.tweet.pk == tweet.pk


def test_group_count_is_capped():
    ana = user_create()
    tweet = post(ana, "x")
    fans = User.objects.bulk_create(
        [User(username=f"fan{i}", email=f"fan{i}@example.com") for i in range(GROUP_COUNT_CAP + 5)]
    )
    Notification.objects.bulk_create(
        Notification(
            recipient=ana,
            actor=fan,
            type="like",
            tweet=tweet,
            group_key=services.group_key_for("like", tweet.pk, fan.pk, timezone.now()),
        )
        for fan in fans
    )
    (group,) = groups(ana)
    assert group.actors_count == GROUP_COUNT_CAP
    assert notifications_unread_count(viewer=ana) == 100


def test_unread_count_follows_the_marker():
    ana, bob = user_create(), user_create()
    tweets = [post(ana, f"t{i}") for i in range(3)]
    for tweet in tweets:
        like(user=bob, tweet_id=tweet.pk)
    assert notifications_unread_count(viewer=ana) == 3
    first_page = notifications_page(viewer=ana, limit=2)
    assert [item.unread for item in first_page.items] == [True, True]
    services.notifications_mark_read(user=ana, up_to_id=first_page.items[1].id)
    assert notifications_unread_count(viewer=ana) == 1
    page = notifications_page(viewer=ana, limit=3)
    assert [item.unread for item in page.items] == [True, False, False]
    assert [g.unread for g in groups(ana)] == [True, False, False]
    services.notifications_mark_read(user=ana)
    assert notifications_unread_count(viewer=ana) == 0


def test_types_filter_and_bad_inputs():
    ana, bob = user_create(), user_create()
    tweet = post(ana, "x")
    like(user=bob, tweet_id=tweet.pk)
    mention = post(bob, f"@{ana.username} yo")
    assert shown(ana, types=["mention", "reply", "quote"]) == [("mention", bob.pk, mention.pk)]
    assert shown(ana, types="like") == [("like", bob.pk, tweet.pk)]
    for bad in (["nope"], "like,,", [1], "mention,x"):
        with pytest.raises(ValidationError) as error:
            notifications_page(viewer=ana, types=bad)
        assert "types" in error.value.message_dict
    with pytest.raises(ValidationError):
        notifications_page(viewer=ana, cursor="garbage")
    with pytest.raises(ValidationError):
        notifications_page(viewer=ana, limit=0)


def test_page_queries_do_not_grow_with_the_page(django_assert_num_queries):
    ana = user_create()
    fans = [user_create() for _ in range(4)]
    for i in range(6):
        tweet = post(ana, f"t{i}")
        for fan in fans:
            like(user=fan, tweet_id=tweet.pk)
        post(fans[i % 4], f"@{ana.username} m{i}", reply_to_id=tweet.pk)
        follow(follower=fans[i % 4], followee=ana)
    # Statements are compiled once per process: warm them first.
    notifications_page(viewer=ana, limit=20)
    notifications_page(viewer=ana, grouped=True, limit=20)
    notifications_unread_count(viewer=ana)
    # Flat: the rows with their actors, then the page's tweet cards.
    with django_assert_num_queries(2):
        page = notifications_page(viewer=ana, limit=20)
    assert len(page.items) == 20
    # Grouped: the groups (with JIT off for their transaction: a savepoint here, the setting,
    # the statement, the release), their actors, the page's tweet cards.
    with django_assert_num_queries(6):
        page = notifications_page(viewer=ana, grouped=True, limit=20)
    assert len(page.items) == 13
    with django_assert_num_queries(1):
        notifications_unread_count(viewer=ana)


@pytest.mark.parametrize("staff_first", [True, False])
def test_compiled_statements_are_not_shared_across_viewer_kinds(staff_first):
    """Staff see suspended actors: a statement compiled for one kind never serves the other."""
    ana, bob = user_create(), user_create()
    staff = user_create(is_staff=True)
    like(user=bob, tweet_id=post(ana).pk)
    like(user=bob, tweet_id=post(staff).pk)
    user_set_active(user=bob, active=False)
    order = [staff, ana] if staff_first else [ana, staff]
    for viewer in order:
        expected = 1 if viewer == staff else 0
        assert notifications_unread_count(viewer=viewer) == expected
        assert len(shown(viewer)) == expected
        assert len(groups(viewer)) == expected


def test_statement_cache_is_bounded():
    ana, bob = user_create(), user_create()
    like(user=bob, tweet_id=post(ana).pk)
    for limit in range(1, statements.MAX_SHAPES + 10):
        assert len(notifications_page(viewer=ana, limit=limit).items) == 1
    assert len(statements._statements) <= statements.MAX_SHAPES
