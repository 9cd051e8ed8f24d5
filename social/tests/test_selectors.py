"""Reads of the social graph: relationships, follow lists, incoming requests, cursors."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Privacy, User
from accounts.services import user_set_active
from accounts.tests.factories import user_create
from social.models import FollowRequest, UserFollowers, UserFollows
from social.selectors import (
    ProfileAccess,
    Relationship,
    content_visible_q,
    follow_requests_incoming,
    followers_list,
    following_list,
    profile_access,
    relationship_get,
    user_get_visible,
)
from social.services import (
    block_create,
    follow_create,
    follow_request_approve,
    follow_request_cancel,
    follow_request_reject,
    privacy_set,
)
from twitterclone.pagination import CURSOR_INVALID

pytestmark = pytest.mark.django_db


def _all_pages(loader, *, limit: int, **kwargs) -> list[list[User]]:
    """Follow next_cursor to the end and return every page's users."""
    pages, cursor = [], None
    while True:
        page = loader(cursor=cursor, limit=limit, **kwargs)
        pages.append(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return pages
        assert len(pages) < 50, "pagination does not terminate"


def _ids(users) -> list[int]:
    return [user.pk for user in users]


def _flat(pages: list[list[User]]) -> list[int]:
    return [user.pk for page in pages for user in page]


# relationship_get


def test_relationship_of_strangers_is_all_false():
    alice, bob = user_create(), user_create()

    assert relationship_get(viewer=alice, user=bob) == Relationship()


def test_relationship_reports_following_and_followed_by_from_each_side():
    alice, bob = user_create(), user_create()
    follow_create(follower=alice, followee=bob)

    assert relationship_get(viewer=alice, user=bob) == Relationship(following=True)
    assert relationship_get(viewer=bob, user=alice) == Relationship(followed_by=True)


def test_relationship_reports_mutual_follow():
    alice, bob = user_create(), user_create()
    follow_create(follower=alice, followee=bob)
    follow_create(follower=bob, followee=alice)

    assert relationship_get(viewer=alice, user=bob) == Relationship(
        following=True, followed_by=True
    )


def test_relationship_reports_pending_request_only_to_the_requester():
    alice, bob = user_create(), user_create(privacy=Privacy.PROTECTED)
    follow_create(follower=alice, followee=bob)

    assert relationship_get(viewer=alice, user=bob) == Relationship(requested=True)
    assert relationship_get(viewer=bob, user=alice) == Relationship()


def test_relationship_reports_blocking_only_to_the_blocker():
    alice, bob = user_create(), user_create()
    block_create(blocker=alice, blocked=bob)

    assert relationship_get(viewer=alice, user=bob) == Relationship(blocking=True)
    assert relationship_get(viewer=bob, user=alice) == Relationship()


def test_relationship_for_anonymous_viewer_and_for_self_is_empty(anonymous):
    alice, bob = user_create(), user_create()
    follow_create(follower=alice, followee=bob)

    assert relationship_get(viewer=anonymous, user=bob) == Relationship()
    assert relationship_get(viewer=alice, user=alice) == Relationship()


# followers_list / following_list: keyset pages


def _owner_with_followers(count: int) -> tuple[User, list[User]]:
    """Return an owner and `count` followers, listed newest first as the selector must order them.

    Timestamps are rewritten into groups of three equal created_at values (the follower id breaks
    the tie), so page boundaries fall both inside a tie group and between groups.
    """
    owner = user_create()
    followers = [user_create() for _ in range(count)]
    for follower in followers:
        follow_create(follower=follower, followee=owner)
    base = timezone.now().replace(microsecond=0)
    moments = [base - timedelta(seconds=index // 3) for index in range(count)]
    for follower, moment in zip(followers, moments, strict=True):
        UserFollowers.objects.filter(user=owner, follower=follower).update(created_at=moment)
    expected = sorted(
        zip(moments, followers, strict=True), key=lambda pair: (pair[0], pair[1].pk), reverse=True
    )
    return owner, [follower for _, follower in expected]


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 20])
def test_followers_pages_have_no_duplicates_and_no_gaps_across_equal_timestamps(limit):
    owner, expected = _owner_with_followers(9)

    pages = _all_pages(followers_list, limit=limit, viewer=owner, user=owner)

    assert _flat(pages) == _ids(expected)
    assert all(1 <= len(page) <= limit for page in pages)


def test_followers_pages_when_every_edge_has_the_same_timestamp():
    owner = user_create()
    followers = [user_create() for _ in range(5)]
    for follower in followers:
        follow_create(follower=follower, followee=owner)
    UserFollowers.objects.filter(user=owner).update(created_at=timezone.now())

    pages = _all_pages(followers_list, limit=2, viewer=owner, user=owner)

    assert [len(page) for page in pages] == [2, 2, 1]
    assert _flat(pages) == sorted(_ids(followers), reverse=True)


def test_following_pages_have_no_duplicates_and_no_gaps_newest_first():
    user = user_create()
    followees = [user_create() for _ in range(7)]
    base = timezone.now()
    for index, followee in enumerate(followees):
        follow_create(follower=user, followee=followee)
        # Pairs of equal timestamps, newer for later follows.
        UserFollows.objects.filter(follower=user, following=followee).update(
            created_at=base + timedelta(seconds=index // 2)
        )
    expected = sorted(followees, key=lambda f: (followees.index(f) // 2, f.pk), reverse=True)

    pages = _all_pages(following_list, limit=2, viewer=user, user=user)

    assert _flat(pages) == _ids(expected)


def test_empty_followers_list_is_one_empty_page():
    owner = user_create()

    page = followers_list(viewer=owner, user=owner)

    assert page.items == []
    assert page.next_cursor is None


def test_full_last_page_has_no_next_cursor():
    owner = user_create()
    for _ in range(4):
        follow_create(follower=user_create(), followee=owner)

    first = followers_list(viewer=owner, user=owner, limit=2)
    second = followers_list(viewer=owner, user=owner, limit=2, cursor=first.next_cursor)

    assert len(second.items) == 2
    assert second.next_cursor is None


@pytest.mark.parametrize("loader", [followers_list, following_list])
def test_tampered_cursor_is_a_validation_error(loader):
    owner = user_create()
    for _ in range(3):
        other = user_create()
        follow_create(follower=other, followee=owner)
        follow_create(follower=owner, followee=other)
    cursor = loader(viewer=owner, user=owner, limit=1).next_cursor
    tampered = cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB")

    for bad in (tampered, "garbage", cursor + "x"):
        with pytest.raises(ValidationError) as error:
            loader(viewer=owner, user=owner, limit=1, cursor=bad)
        assert error.value.message_dict == {"cursor": [CURSOR_INVALID]}


@pytest.mark.parametrize("limit", [0, -1, 101])
def test_out_of_range_limit_is_a_validation_error(limit):
    owner = user_create()

    with pytest.raises(ValidationError) as error:
        followers_list(viewer=owner, user=owner, limit=limit)

    assert "limit" in error.value.message_dict


# Who appears in the lists


@pytest.fixture
def crowd():
    """A public owner followed by, and following, one account of every kind, seen by `viewer`."""
    owner, viewer = user_create(), user_create()
    kinds = {
        "plain": user_create(),
        "protected": user_create(privacy=Privacy.PROTECTED),
        "private": user_create(privacy=Privacy.PRIVATE),
        "private_followed_by_viewer": user_create(privacy=Privacy.PRIVATE),
        "blocks_viewer": user_create(),
        "blocked_by_viewer": user_create(),
        "suspended": user_create(),
    }
    for other in kinds.values():
        follow_create(follower=other, followee=owner)
        follow_create(follower=owner, followee=other)
        follow_request_approve(owner=other, requester=owner)
    follow_create(follower=viewer, followee=kinds["private_followed_by_viewer"])
    follow_request_approve(owner=kinds["private_followed_by_viewer"], requester=viewer)
    block_create(blocker=kinds["blocks_viewer"], blocked=viewer)
    block_create(blocker=viewer, blocked=kinds["blocked_by_viewer"])
    user_set_active(user=kinds["suspended"], active=False)
    return owner, viewer, kinds


def _listed(loader, *, viewer, user) -> set[int]:
    return set(_flat(_all_pages(loader, limit=100, viewer=viewer, user=user)))


@pytest.mark.parametrize("loader", [followers_list, following_list])
def test_lists_leave_out_blocked_suspended_and_unseen_private_accounts(loader, crowd):
    owner, viewer, kinds = crowd

    listed = _listed(loader, viewer=viewer, user=owner)

    assert listed == {
        kinds["plain"].pk,
        kinds["protected"].pk,
        kinds["private_followed_by_viewer"].pk,
    }


@pytest.mark.parametrize("loader", [followers_list, following_list])
def test_lists_for_anonymous_viewer_show_only_active_non_private_accounts(loader, crowd, anonymous):
    owner, _, kinds = crowd

    listed = _listed(loader, viewer=anonymous, user=owner)

    assert listed == {
        kinds["plain"].pk,
        kinds["protected"].pk,
        kinds["blocks_viewer"].pk,
        kinds["blocked_by_viewer"].pk,
    }


@pytest.mark.parametrize("loader", [followers_list, following_list])
def test_lists_show_suspended_accounts_to_staff(loader, crowd):
    owner, _, kinds = crowd
    staff = user_create(is_staff=True)

    listed = _listed(loader, viewer=staff, user=owner)

    assert kinds["suspended"].pk in listed
    assert kinds["private"].pk not in listed


@pytest.mark.parametrize("loader", [followers_list, following_list])
def test_owner_sees_every_active_account_in_own_lists_private_ones_too(loader, crowd):
    owner, _, kinds = crowd

    listed = _listed(loader, viewer=owner, user=owner)

    assert listed == {pk for name, user in kinds.items() if name != "suspended" for pk in [user.pk]}


def test_username_with_nul_byte_is_no_user_not_a_database_error(anonymous):
    user_create(username="nulname")

    with pytest.raises(User.DoesNotExist):
        user_get_visible(viewer=anonymous, username="nul\x00name")


def test_viewer_sees_itself_in_a_list_even_when_private():
    owner, viewer = user_create(), user_create(privacy=Privacy.PRIVATE)
    follow_create(follower=viewer, followee=owner)

    assert _listed(followers_list, viewer=viewer, user=owner) == {viewer.pk}
    assert _listed(followers_list, viewer=user_create(), user=owner) == set()


@pytest.mark.parametrize("loader", [followers_list, following_list])
@pytest.mark.parametrize("privacy", [Privacy.PROTECTED, Privacy.PRIVATE])
def test_lists_of_non_public_account_raise_for_non_followers(loader, privacy, anonymous):
    owner, follower, requester, stranger = (
        user_create(privacy=privacy),
        user_create(),
        user_create(),
        user_create(),
    )
    follow_create(follower=follower, followee=owner)
    follow_request_approve(owner=owner, requester=follower)
    follow_create(follower=requester, followee=owner)

    for viewer in (anonymous, stranger, requester):
        with pytest.raises(User.DoesNotExist):
            loader(viewer=viewer, user=owner)
    assert loader(viewer=follower, user=owner).items is not None
    assert loader(viewer=owner, user=owner).items is not None


@pytest.mark.parametrize("loader", [followers_list, following_list])
def test_lists_raise_when_blocked_either_way(loader):
    owner, blocked, blocking = user_create(), user_create(), user_create()
    block_create(blocker=owner, blocked=blocked)
    block_create(blocker=blocking, blocked=owner)

    for viewer in (blocked, blocking):
        with pytest.raises(User.DoesNotExist):
            loader(viewer=viewer, user=owner)


@pytest.mark.parametrize("loader", [followers_list, following_list])
def test_lists_of_suspended_account_raise_for_everyone_but_staff(loader, anonymous):
    owner, fan = user_create(), user_create()
    follow_create(follower=fan, followee=owner)
    user_set_active(user=owner, active=False)

    for viewer in (anonymous, fan, user_create()):
        with pytest.raises(User.DoesNotExist):
            loader(viewer=viewer, user=owner)
    loader(viewer=user_create(is_staff=True), user=owner)


# follow_requests_incoming


def test_incoming_requests_are_listed_newest_first_and_page_without_gaps():
    owner = user_create(privacy=Privacy.PROTECTED)
    requesters = [user_create() for _ in range(5)]
    base = timezone.now()
    for index, requester in enumerate(requesters):
        follow_create(follower=requester, followee=owner)
        FollowRequest.objects.filter(target=owner, requester=requester).update(
            created_at=base + timedelta(seconds=index // 2)
        )
    expected = sorted(requesters, key=lambda r: (requesters.index(r) // 2, r.pk), reverse=True)

    pages = _all_pages(follow_requests_incoming, limit=2, user=owner)

    assert _flat(pages) == _ids(expected)


def test_incoming_requests_drop_approved_rejected_and_cancelled_ones():
    owner = user_create(privacy=Privacy.PROTECTED)
    approved, rejected, cancelled, pending = (user_create() for _ in range(4))
    for requester in (approved, rejected, cancelled, pending):
        follow_create(follower=requester, followee=owner)
    follow_request_approve(owner=owner, requester=approved)
    follow_request_reject(owner=owner, requester=rejected)
    follow_request_cancel(requester=cancelled, target=owner)

    assert _ids(follow_requests_incoming(user=owner).items) == [pending.pk]


def test_incoming_requests_list_only_the_owners_own_requests():
    owner, other = user_create(privacy=Privacy.PROTECTED), user_create(privacy=Privacy.PROTECTED)
    mine, theirs = user_create(), user_create()
    follow_create(follower=mine, followee=owner)
    follow_create(follower=theirs, followee=other)

    assert _ids(follow_requests_incoming(user=owner).items) == [mine.pk]


@pytest.mark.parametrize("privacy", [Privacy.PROTECTED, Privacy.PRIVATE])
def test_incoming_requests_include_non_public_requesters_the_owner_can_approve(privacy):
    owner, requester = user_create(privacy=Privacy.PROTECTED), user_create(privacy=privacy)
    follow_create(follower=requester, followee=owner)

    assert _ids(follow_requests_incoming(user=owner).items) == [requester.pk]


def test_incoming_requests_leave_out_suspended_requesters():
    owner, requester = user_create(privacy=Privacy.PROTECTED), user_create()
    follow_create(follower=requester, followee=owner)
    user_set_active(user=requester, active=False)

    assert follow_requests_incoming(user=owner).items == []


def test_incoming_requests_tampered_cursor_is_a_validation_error():
    owner = user_create(privacy=Privacy.PROTECTED)
    for _ in range(2):
        follow_create(follower=user_create(), followee=owner)
    cursor = follow_requests_incoming(user=owner, limit=1).next_cursor

    with pytest.raises(ValidationError) as error:
        follow_requests_incoming(user=owner, limit=1, cursor=cursor[::-1])

    assert error.value.message_dict == {"cursor": [CURSOR_INVALID]}


# profile_access


def test_profile_access_reads_current_privacy_not_the_callers_stale_object():
    owner, stranger = user_create(), user_create()
    stale_owner = User.objects.get(pk=owner.pk)
    privacy_set(user=owner, privacy=Privacy.PROTECTED)

    assert profile_access(viewer=stranger, user=stale_owner) == ProfileAccess.CARD
    privacy_set(user=owner, privacy=Privacy.PRIVATE)
    assert profile_access(viewer=stranger, user=stale_owner) == ProfileAccess.MINIMAL
    privacy_set(user=owner, privacy=Privacy.PUBLIC)
    assert profile_access(viewer=stranger, user=stale_owner) == ProfileAccess.FULL


def test_profile_access_raises_for_a_blocked_viewer_of_a_public_account():
    owner, blocked = user_create(), user_create()
    block_create(blocker=owner, blocked=blocked)

    with pytest.raises(User.DoesNotExist):
        profile_access(viewer=blocked, user=owner)


def test_the_rule_asks_whether_the_viewer_follows_from_the_viewers_side():
    """Over a long list the planner may hash "does the viewer follow X": from user_follows that
    hash reads the viewer's own follows (an index range); from user_followers it read all of
    them (a 10 M-row scan, 745 -> 14 ms for a 1M-notification page, docs/performance.md)."""
    viewer = user_create()
    sql = str(User.objects.filter(content_visible_q(viewer=viewer)).query)
    assert '"user_follows"' in sql
    assert '"user_followers"' not in sql
