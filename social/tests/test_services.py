"""Writes to the social graph: both follow tables, both counters, requests and blocks."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import Privacy, User
from accounts.services import user_set_active
from accounts.tests.factories import user_create
from social.models import Block, FollowRequest, UserFollowers, UserFollows
from social.services import (
    ACCOUNT_UNAVAILABLE,
    CANNOT_BLOCK_SELF,
    CANNOT_FOLLOW_SELF,
    FOLLOW_BLOCKED,
    FOLLOW_BLOCKING,
    PRIVACY_INVALID,
    FollowStatus,
    block_create,
    block_delete,
    follow_create,
    follow_delete,
    follow_request_approve,
    follow_request_cancel,
    follow_request_reject,
    follower_remove,
    privacy_set,
    profile_settings_update,
)

pytestmark = pytest.mark.django_db


def _counters(user: User) -> tuple[int, int]:
    """Return (followers_count, following_count) as stored now."""
    user.refresh_from_db(fields=["followers_count", "following_count"])
    return user.followers_count, user.following_count


def _edge_rows(follower: User, followee: User) -> tuple[int, int]:
    """Return how many rows each follow table holds for this edge."""
    return (
        UserFollows.objects.filter(follower=follower, following=followee).count(),
        UserFollowers.objects.filter(user=followee, follower=follower).count(),
    )


def _everything(*users: User) -> tuple:
    """Return every graph row and every listed user's counters: 'nothing written' compares it."""
    return (
        sorted(UserFollows.objects.values_list("follower_id", "following_id")),
        sorted(UserFollowers.objects.values_list("user_id", "follower_id")),
        sorted(FollowRequest.objects.values_list("target_id", "requester_id")),
        sorted(Block.objects.values_list("blocker_id", "blocked_id")),
        [_counters(user) for user in users],
        [User.objects.values_list("privacy", flat=True).get(pk=user.pk) for user in users],
    )


def _execute(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# follow_create


def test_follow_public_account_writes_one_row_in_each_table_and_bumps_both_counters():
    alice, bob = user_create(), user_create()

    assert follow_create(follower=alice, followee=bob) == FollowStatus.FOLLOWING

    assert _edge_rows(alice, bob) == (1, 1)
    assert _edge_rows(bob, alice) == (0, 0)
    assert _counters(alice) == (0, 1)
    assert _counters(bob) == (1, 0)
    assert not FollowRequest.objects.exists()


@pytest.mark.parametrize("privacy", [Privacy.PROTECTED, Privacy.PRIVATE])
def test_follow_non_public_account_creates_request_and_no_edge(privacy):
    alice, bob = user_create(), user_create(privacy=privacy)

    assert follow_create(follower=alice, followee=bob) == FollowStatus.REQUESTED

    assert list(FollowRequest.objects.values_list("target_id", "requester_id")) == [
        (bob.pk, alice.pk)
    ]
    assert _edge_rows(alice, bob) == (0, 0)
    assert _counters(alice) == (0, 0)
    assert _counters(bob) == (0, 0)


def test_following_twice_returns_following_and_never_writes_a_second_row():
    alice, bob = user_create(), user_create()
    follow_create(follower=alice, followee=bob)

    assert follow_create(follower=alice, followee=bob) == FollowStatus.FOLLOWING

    assert _edge_rows(alice, bob) == (1, 1)
    assert _counters(alice) == (0, 1)
    assert _counters(bob) == (1, 0)


def test_requesting_twice_keeps_one_request():
    alice, bob = user_create(), user_create(privacy=Privacy.PROTECTED)
    follow_create(follower=alice, followee=bob)

    assert follow_create(follower=alice, followee=bob) == FollowStatus.REQUESTED

    assert FollowRequest.objects.count() == 1
    assert _edge_rows(alice, bob) == (0, 0)


def test_approved_follower_of_protected_account_following_again_stays_following():
    alice, bob = user_create(), user_create(privacy=Privacy.PROTECTED)
    follow_create(follower=alice, followee=bob)
    follow_request_approve(owner=bob, requester=alice)

    assert follow_create(follower=alice, followee=bob) == FollowStatus.FOLLOWING

    assert not FollowRequest.objects.exists()
    assert _edge_rows(alice, bob) == (1, 1)
    assert _counters(bob) == (1, 0)


def test_follow_self_is_refused_and_writes_nothing():
    alice = user_create()
    before = _everything(alice)

    with pytest.raises(ValidationError) as error:
        follow_create(follower=alice, followee=alice)

    assert error.value.messages == [CANNOT_FOLLOW_SELF]
    assert _everything(alice) == before


@pytest.mark.parametrize("privacy", [Privacy.PUBLIC, Privacy.PROTECTED])
def test_follow_someone_who_blocked_you_is_refused_and_writes_nothing(privacy):
    alice, bob = user_create(), user_create(privacy=privacy)
    block_create(blocker=bob, blocked=alice)
    before = _everything(alice, bob)

    with pytest.raises(ValidationError) as error:
        follow_create(follower=alice, followee=bob)

    assert error.value.messages == [FOLLOW_BLOCKED]
    assert _everything(alice, bob) == before


@pytest.mark.parametrize("privacy", [Privacy.PUBLIC, Privacy.PRIVATE])
def test_follow_someone_you_blocked_is_refused_and_writes_nothing(privacy):
    alice, bob = user_create(), user_create(privacy=privacy)
    block_create(blocker=alice, blocked=bob)
    before = _everything(alice, bob)

    with pytest.raises(ValidationError) as error:
        follow_create(follower=alice, followee=bob)

    assert error.value.messages == [FOLLOW_BLOCKING]
    assert _everything(alice, bob) == before


@pytest.mark.parametrize("privacy", [Privacy.PUBLIC, Privacy.PROTECTED])
def test_follow_suspended_account_is_refused_and_writes_nothing(privacy):
    alice, bob = user_create(), user_create(privacy=privacy, is_active=False)
    before = _everything(alice, bob)

    with pytest.raises(ValidationError) as error:
        follow_create(follower=alice, followee=bob)

    assert error.value.messages == [ACCOUNT_UNAVAILABLE]
    assert _everything(alice, bob) == before


def test_follow_refusal_decided_on_fresh_state_not_the_callers_stale_object():
    alice, bob = user_create(), user_create()
    stale_bob = User.objects.get(pk=bob.pk)
    user_set_active(user=bob, active=False)

    with pytest.raises(ValidationError) as error:
        follow_create(follower=alice, followee=stale_bob)

    assert error.value.messages == [ACCOUNT_UNAVAILABLE]
    assert _edge_rows(alice, bob) == (0, 0)


def test_follow_uses_current_privacy_when_callers_object_is_stale():
    alice, bob = user_create(), user_create()
    stale_bob = User.objects.get(pk=bob.pk)
    privacy_set(user=bob, privacy=Privacy.PROTECTED)

    assert follow_create(follower=alice, followee=stale_bob) == FollowStatus.REQUESTED
    assert _edge_rows(alice, bob) == (0, 0)


# follow_delete


def test_unfollow_removes_both_rows_and_restores_both_counters():
    alice, bob = user_create(), user_create()
    follow_create(follower=alice, followee=bob)

    assert follow_delete(follower=alice, followee=bob) is True

    assert _edge_rows(alice, bob) == (0, 0)
    assert _counters(alice) == (0, 0)
    assert _counters(bob) == (0, 0)


def test_unfollow_leaves_the_reverse_edge_alone():
    alice, bob = user_create(), user_create()
    follow_create(follower=alice, followee=bob)
    follow_create(follower=bob, followee=alice)

    follow_delete(follower=alice, followee=bob)

    assert _edge_rows(bob, alice) == (1, 1)
    assert _counters(alice) == (1, 0)
    assert _counters(bob) == (0, 1)


def test_unfollow_twice_returns_false_and_keeps_counters_at_zero():
    alice, bob = user_create(), user_create()
    follow_create(follower=alice, followee=bob)
    follow_delete(follower=alice, followee=bob)

    assert follow_delete(follower=alice, followee=bob) is False

    assert _counters(alice) == (0, 0)
    assert _counters(bob) == (0, 0)


def test_unfollow_withdraws_a_pending_request():
    alice, bob = user_create(), user_create(privacy=Privacy.PRIVATE)
    follow_create(follower=alice, followee=bob)

    assert follow_delete(follower=alice, followee=bob) is True

    assert not FollowRequest.objects.exists()
    assert _counters(bob) == (0, 0)


# Follow requests


def test_approving_a_request_makes_the_follow_with_both_rows_and_counters():
    alice, bob = user_create(), user_create(privacy=Privacy.PROTECTED)
    follow_create(follower=alice, followee=bob)

    assert follow_request_approve(owner=bob, requester=alice) is True

    assert not FollowRequest.objects.exists()
    assert _edge_rows(alice, bob) == (1, 1)
    assert _counters(alice) == (0, 1)
    assert _counters(bob) == (1, 0)


def test_approving_without_a_request_does_nothing():
    alice, bob = user_create(), user_create(privacy=Privacy.PROTECTED)
    before = _everything(alice, bob)

    assert follow_request_approve(owner=bob, requester=alice) is False

    assert _everything(alice, bob) == before


def test_approving_someone_elses_request_does_nothing():
    alice, bob, carol = user_create(), user_create(privacy=Privacy.PROTECTED), user_create()
    follow_create(follower=alice, followee=bob)
    before = _everything(alice, bob, carol)

    assert follow_request_approve(owner=carol, requester=alice) is False

    assert _everything(alice, bob, carol) == before


def test_rejecting_a_request_drops_it_without_an_edge():
    alice, bob = user_create(), user_create(privacy=Privacy.PROTECTED)
    follow_create(follower=alice, followee=bob)

    assert follow_request_reject(owner=bob, requester=alice) is True
    assert follow_request_reject(owner=bob, requester=alice) is False

    assert not FollowRequest.objects.exists()
    assert _edge_rows(alice, bob) == (0, 0)
    assert _counters(bob) == (0, 0)


def test_cancelling_a_request_drops_only_that_request():
    alice, carol, bob = user_create(), user_create(), user_create(privacy=Privacy.PRIVATE)
    follow_create(follower=alice, followee=bob)
    follow_create(follower=carol, followee=bob)

    assert follow_request_cancel(requester=alice, target=bob) is True
    assert follow_request_cancel(requester=alice, target=bob) is False

    assert list(FollowRequest.objects.values_list("target_id", "requester_id")) == [
        (bob.pk, carol.pk)
    ]
    assert _edge_rows(alice, bob) == (0, 0)


# follower_remove


def test_removing_a_follower_deletes_both_rows_and_counters_without_blocking():
    alice, bob = user_create(), user_create()
    follow_create(follower=alice, followee=bob)

    assert follower_remove(user=bob, follower=alice) is True

    assert _edge_rows(alice, bob) == (0, 0)
    assert _counters(alice) == (0, 0)
    assert _counters(bob) == (0, 0)
    assert not Block.objects.exists()
    assert follow_create(follower=alice, followee=bob) == FollowStatus.FOLLOWING


def test_removing_someone_who_does_not_follow_does_nothing():
    alice, bob = user_create(), user_create()
    follow_create(follower=bob, followee=alice)
    before = _everything(alice, bob)

    assert follower_remove(user=bob, follower=alice) is False

    assert _everything(alice, bob) == before


# Blocks


def test_block_severs_follows_both_ways_with_counters():
    alice, bob, carol = user_create(), user_create(), user_create()
    follow_create(follower=alice, followee=bob)
    follow_create(follower=bob, followee=alice)
    follow_create(follower=carol, followee=bob)

    block_create(blocker=alice, blocked=bob)

    assert list(Block.objects.values_list("blocker_id", "blocked_id")) == [(alice.pk, bob.pk)]
    assert _edge_rows(alice, bob) == (0, 0)
    assert _edge_rows(bob, alice) == (0, 0)
    assert _counters(alice) == (0, 0)
    assert _counters(bob) == (1, 0)  # carol still follows bob
    assert _edge_rows(carol, bob) == (1, 1)


def test_block_drops_follow_requests_both_ways():
    alice = user_create(privacy=Privacy.PROTECTED)
    bob = user_create(privacy=Privacy.PRIVATE)
    carol = user_create()
    follow_create(follower=alice, followee=bob)
    follow_create(follower=bob, followee=alice)
    follow_create(follower=carol, followee=alice)

    block_create(blocker=alice, blocked=bob)

    assert list(FollowRequest.objects.values_list("target_id", "requester_id")) == [
        (alice.pk, carol.pk)
    ]


def test_blocking_twice_keeps_one_block():
    alice, bob = user_create(), user_create()
    block_create(blocker=alice, blocked=bob)

    block_create(blocker=alice, blocked=bob)

    assert Block.objects.count() == 1


def test_block_self_is_refused_and_writes_nothing():
    alice, bob = user_create(), user_create()
    follow_create(follower=bob, followee=alice)
    before = _everything(alice, bob)

    with pytest.raises(ValidationError) as error:
        block_create(blocker=alice, blocked=alice)

    assert error.value.messages == [CANNOT_BLOCK_SELF]
    assert _everything(alice, bob) == before


def test_unblock_lifts_the_block_but_does_not_restore_follows():
    alice, bob = user_create(), user_create()
    follow_create(follower=bob, followee=alice)
    block_create(blocker=alice, blocked=bob)

    assert block_delete(blocker=alice, blocked=bob) is True
    assert block_delete(blocker=alice, blocked=bob) is False

    assert not Block.objects.exists()
    assert _edge_rows(bob, alice) == (0, 0)
    assert follow_create(follower=bob, followee=alice) == FollowStatus.FOLLOWING


def test_unblock_by_the_blocked_side_does_nothing():
    alice, bob = user_create(), user_create()
    block_create(blocker=alice, blocked=bob)

    assert block_delete(blocker=bob, blocked=alice) is False

    assert Block.objects.count() == 1


# privacy_set


def test_turning_public_approves_every_pending_request_with_edges_and_counters():
    owner = user_create(privacy=Privacy.PROTECTED)
    requesters = [user_create() for _ in range(3)]
    for requester in requesters:
        follow_create(follower=requester, followee=owner)

    user = privacy_set(user=owner, privacy=Privacy.PUBLIC)

    assert user.privacy == Privacy.PUBLIC
    assert user.followers_count == 3
    assert User.objects.get(pk=owner.pk).privacy == Privacy.PUBLIC
    assert not FollowRequest.objects.exists()
    for requester in requesters:
        assert _edge_rows(requester, owner) == (1, 1)
        assert _counters(requester) == (0, 1)
    assert _counters(owner) == (3, 0)


def test_protecting_keeps_followers_and_later_follows_become_requests():
    owner, fan, newcomer = user_create(), user_create(), user_create()
    follow_create(follower=fan, followee=owner)

    privacy_set(user=owner, privacy=Privacy.PROTECTED)

    assert _edge_rows(fan, owner) == (1, 1)
    assert follow_create(follower=newcomer, followee=owner) == FollowStatus.REQUESTED


def test_switching_between_protected_and_private_keeps_pending_requests():
    owner, requester = user_create(privacy=Privacy.PROTECTED), user_create()
    follow_create(follower=requester, followee=owner)

    privacy_set(user=owner, privacy=Privacy.PRIVATE)

    assert FollowRequest.objects.filter(target=owner, requester=requester).exists()
    assert _edge_rows(requester, owner) == (0, 0)


@pytest.mark.parametrize("privacy", ["secret", "Public", "", None])
def test_invalid_privacy_is_refused_and_writes_nothing(privacy):
    owner, requester = user_create(privacy=Privacy.PROTECTED), user_create()
    follow_create(follower=requester, followee=owner)
    before = _everything(owner, requester)

    with pytest.raises(ValidationError) as error:
        privacy_set(user=owner, privacy=privacy)

    assert error.value.message_dict == {"privacy": [PRIVACY_INVALID]}
    assert _everything(owner, requester) == before


# Management commands


def test_check_graph_passes_on_a_graph_written_by_the_services():
    alice, bob = user_create(), user_create()
    follow_create(follower=alice, followee=bob)
    out = StringIO()

    call_command("check_graph", stdout=out)

    assert "consistent" in out.getvalue()


def test_check_graph_detects_an_edge_only_in_user_follows_and_fix_repairs_it():
    alice, bob = user_create(), user_create()
    _execute(
        "INSERT INTO user_follows (follower_id, following_id, created_at) VALUES (%s, %s, now())",
        [alice.pk, bob.pk],
    )
    out = StringIO()

    with pytest.raises(CommandError, match="inconsistent"):
        call_command("check_graph", stdout=out)
    assert "1 edges only in user_follows, 0 only in user_followers" in out.getvalue()
    assert _edge_rows(alice, bob) == (1, 0)  # detecting changes nothing

    call_command("check_graph", "--fix", stdout=StringIO())

    assert _edge_rows(alice, bob) == (1, 1)
    call_command("check_graph", stdout=StringIO())


def test_check_graph_detects_an_edge_only_in_user_followers_and_fix_repairs_it():
    alice, bob = user_create(), user_create()
    _execute(
        "INSERT INTO user_followers (user_id, follower_id, created_at) VALUES (%s, %s, now())",
        [bob.pk, alice.pk],
    )
    out = StringIO()

    with pytest.raises(CommandError):
        call_command("check_graph", stdout=out)
    assert "0 edges only in user_follows, 1 only in user_followers" in out.getvalue()

    call_command("check_graph", "--fix", stdout=StringIO())

    assert _edge_rows(alice, bob) == (1, 1)
    call_command("check_graph", stdout=StringIO())


def test_recount_check_reports_counter_drift_and_recount_fixes_it():
    alice, bob = user_create(), user_create()
    follow_create(follower=alice, followee=bob)
    _execute("UPDATE users SET followers_count = 7 WHERE id = %s", [bob.pk])
    _execute("UPDATE users SET following_count = 0 WHERE id = %s", [alice.pk])
    out = StringIO()

    with pytest.raises(CommandError, match="drifted"):
        call_command("recount", "--check", stdout=out)
    assert "users.followers_count: 1 rows off" in out.getvalue()
    assert "users.following_count: 1 rows off" in out.getvalue()
    assert _counters(bob) == (7, 0)  # --check changes nothing

    out = StringIO()
    call_command("recount", stdout=out)

    assert "users.followers_count: 1 rows fixed" in out.getvalue()
    assert _counters(alice) == (0, 1)
    assert _counters(bob) == (1, 0)
    out = StringIO()
    call_command("recount", "--check", stdout=out)
    assert "Counters match the rows." in out.getvalue()


def test_repaired_raw_edge_gets_its_counters_from_recount():
    alice, bob = user_create(), user_create()
    _execute(
        "INSERT INTO user_followers (user_id, follower_id, created_at) VALUES (%s, %s, now())",
        [bob.pk, alice.pk],
    )
    call_command("check_graph", "--fix", stdout=StringIO())

    with pytest.raises(CommandError):
        call_command("recount", "--check", stdout=StringIO())
    call_command("recount", stdout=StringIO())

    assert _counters(alice) == (0, 1)
    assert _counters(bob) == (1, 0)
    call_command("recount", "--check", stdout=StringIO())


def test_privacy_change_bumps_updated_at():
    owner = user_create()
    before = User.objects.values_list("updated_at", flat=True).get(pk=owner.pk)

    user = privacy_set(user=owner, privacy=Privacy.PRIVATE)

    stored = User.objects.values_list("updated_at", flat=True).get(pk=owner.pk)
    assert stored > before
    assert user.updated_at == stored


def test_profile_settings_update_writes_nothing_when_any_value_is_bad():
    user = user_create(display_name="Before")

    with pytest.raises(ValidationError) as error:
        profile_settings_update(
            user=user, display_name="After", bio="x" * 161, privacy=Privacy.PRIVATE
        )

    assert "bio" in error.value.message_dict
    user.refresh_from_db()
    assert (user.display_name, user.privacy) == ("Before", Privacy.PUBLIC)


def test_profile_settings_update_saves_profile_and_privacy_together():
    user = user_create()

    profile_settings_update(user=user, bio="hello", privacy=Privacy.PROTECTED)

    user.refresh_from_db()
    assert (user.bio, user.privacy) == ("hello", Privacy.PROTECTED)
