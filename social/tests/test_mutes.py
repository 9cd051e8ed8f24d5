"""Mutes and muted words: the services, the two lists and Relationship.muting.

A mute is the muter's alone: the muted account is never told, so nothing about it shows on
the muted side (relationship here; JSON and HTML in test_mutes_api / test_mutes_views).
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Privacy
from accounts.services import user_set_active
from accounts.tests.factories import user_create
from social import services
from social.models import Mute, MutedWord
from social.selectors import (
    ProfileAccess,
    Relationship,
    muted_word_pattern,
    muted_words_list,
    mutes_list,
    relationship_get,
)
from social.services import (
    block_create,
    mute_create,
    mute_delete,
    muted_word_create,
    muted_word_delete,
)

pytestmark = pytest.mark.django_db


def _field_error(excinfo, field: str) -> str:
    return " ".join(excinfo.value.message_dict[field])


# Mutes


def test_mute_is_idempotent_and_unmute_says_whether_there_was_one():
    me, them = user_create(), user_create()

    assert mute_create(muter=me, muted=them) is True
    assert mute_create(muter=me, muted=them) is False
    assert Mute.objects.filter(muter=me, muted=them).count() == 1
    assert mute_delete(muter=me, muted=them) is True
    assert mute_delete(muter=me, muted=them) is False
    assert not Mute.objects.exists()


def test_muting_yourself_is_refused():
    me = user_create()

    with pytest.raises(ValidationError) as excinfo:
        mute_create(muter=me, muted=me)

    assert excinfo.value.messages == [services.CANNOT_MUTE_SELF]
    assert not Mute.objects.exists()


def test_a_mute_changes_no_follow_and_no_counter():
    me, them = user_create(), user_create()
    services.follow_create(follower=me, followee=them)

    mute_create(muter=me, muted=them)

    them.refresh_from_db()
    assert them.followers_count == 1
    assert relationship_get(viewer=me, user=them) == Relationship(following=True, muting=True)


def test_relationship_shows_muting_to_the_muter_only():
    me, them = user_create(), user_create()
    mute_create(muter=me, muted=them)

    assert relationship_get(viewer=me, user=them).muting is True
    # The muted side asks about its own mutes: nothing tells it it was muted.
    assert relationship_get(viewer=them, user=me) == Relationship()


def test_relationship_is_still_one_query(django_assert_num_queries):
    me, them = user_create(), user_create()
    mute_create(muter=me, muted=them)

    with django_assert_num_queries(1):
        relationship_get(viewer=me, user=them)


def _mute_at(muter, muted, moment) -> None:
    mute_create(muter=muter, muted=muted)
    Mute.objects.filter(muter=muter, muted=muted).update(created_at=moment)


def test_mutes_list_pages_newest_first_without_duplicates_across_equal_times():
    me = user_create()
    base = timezone.now()
    muted = [user_create() for _ in range(5)]
    for i, other in enumerate(muted):
        _mute_at(me, other, base + timedelta(seconds=min(i, 3)))
    mute_create(muter=user_create(), muted=me)  # someone else's mute: not mine to list

    seen, cursor = [], None
    while True:
        page = mutes_list(viewer=me, cursor=cursor, limit=2)
        seen += [u.pk for u in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor

    newest_first = sorted(muted, key=lambda u: (min(muted.index(u), 3), u.pk), reverse=True)
    assert seen == [u.pk for u in newest_first]


@pytest.mark.parametrize(
    ("privacy", "access"),
    [
        (Privacy.PUBLIC, ProfileAccess.FULL),
        (Privacy.PROTECTED, ProfileAccess.CARD),
        (Privacy.PRIVATE, ProfileAccess.MINIMAL),
    ],
)
def test_mutes_list_gives_each_person_the_access_the_rule_gives(privacy, access):
    me, them = user_create(), user_create(privacy=privacy)
    mute_create(muter=me, muted=them)

    [person] = mutes_list(viewer=me).items

    assert person.pk == them.pk
    assert person.access == access


def test_mutes_list_leaves_out_suspended_and_blocking_accounts_but_keeps_ones_i_blocked():
    me = user_create()
    suspended, blocking, blocked = user_create(), user_create(), user_create()
    for other in (suspended, blocking, blocked):
        mute_create(muter=me, muted=other)
    user_set_active(user=suspended, active=False)
    block_create(blocker=blocking, blocked=me)
    block_create(blocker=me, blocked=blocked)

    assert [u.pk for u in mutes_list(viewer=me).items] == [blocked.pk]


def test_mutes_list_is_one_query(django_assert_num_queries):
    me = user_create()
    for _ in range(3):
        mute_create(muter=me, muted=user_create(privacy=Privacy.PRIVATE))

    with django_assert_num_queries(1):
        page = mutes_list(viewer=me)
        assert [person.access for person in page.items] == [ProfileAccess.MINIMAL] * 3


# Muted words


def test_muted_word_is_cleaned_and_gets_its_pattern():
    me = user_create()

    word = muted_word_create(user=me, phrase="  Spoiler\t  Alert\x07 ")

    assert word.phrase == "Spoiler Alert"
    assert word.pattern == muted_word_pattern("Spoiler Alert")
    assert word.expires_at is None
    assert MutedWord.objects.get().phrase == "Spoiler Alert"


def test_muted_word_for_some_days_expires_then():
    me = user_create()
    before = timezone.now()

    word = muted_word_create(user=me, phrase="cats", expires_in_days=7)

    assert before + timedelta(days=7) <= word.expires_at <= timezone.now() + timedelta(days=7)


@pytest.mark.parametrize(
    ("phrase", "message"),
    [
        ("", services.MUTED_PHRASE_BLANK),
        ("   \n\t ", services.MUTED_PHRASE_BLANK),
        ("\u200b\u3164", services.MUTED_PHRASE_BLANK),  # zero-width space, Hangul filler
        ("\x01\x02", services.MUTED_PHRASE_BLANK),
        ("x" * 101, services.MUTED_PHRASE_TOO_LONG),
        ("nul\x00byte", "NUL"),
    ],
)
def test_bad_phrases_are_refused_by_field_and_nothing_is_written(phrase, message):
    me = user_create()

    with pytest.raises(ValidationError) as excinfo:
        muted_word_create(user=me, phrase=phrase)

    assert message in _field_error(excinfo, "phrase")
    assert not MutedWord.objects.exists()


def test_a_phrase_is_counted_after_cleaning():
    me = user_create()

    word = muted_word_create(user=me, phrase="x" * 100 + "\x01\x02  ")

    assert word.phrase == "x" * 100


@pytest.mark.parametrize("days", [0, -1, 3651, 10**30, "x", "7", 1.5, True])
def test_bad_expiry_is_refused_by_field(days):
    me = user_create()

    with pytest.raises(ValidationError) as excinfo:
        muted_word_create(user=me, phrase="cats", expires_in_days=days)

    assert "1 to 3650" in _field_error(excinfo, "expires_in_days")
    assert not MutedWord.objects.exists()


@pytest.mark.parametrize("days", [1, 3650])
def test_expiry_bounds_are_accepted(days):
    word = muted_word_create(user=user_create(), phrase="cats", expires_in_days=days)

    assert word.expires_at is not None


def test_the_same_phrase_in_another_case_is_already_muted():
    me, other = user_create(), user_create()
    muted_word_create(user=me, phrase="Cats and Dogs")

    with pytest.raises(ValidationError) as excinfo:
        muted_word_create(user=me, phrase="cats  AND dogs")

    assert _field_error(excinfo, "phrase") == services.MUTED_PHRASE_DUPLICATE
    # Another user's list is their own.
    muted_word_create(user=other, phrase="cats and dogs")
    assert MutedWord.objects.count() == 2


def test_an_expired_word_can_be_muted_again_and_does_not_count():
    me = user_create()
    old = muted_word_create(user=me, phrase="cats", expires_in_days=1)
    MutedWord.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    again = muted_word_create(user=me, phrase="CATS")

    assert list(MutedWord.objects.values_list("pk", flat=True)) == [again.pk]


def test_at_most_200_words_per_user(monkeypatch):
    me = user_create()
    MutedWord.objects.bulk_create(
        MutedWord(user=me, phrase=f"w{i}", pattern=muted_word_pattern(f"w{i}")) for i in range(200)
    )

    with pytest.raises(ValidationError) as excinfo:
        muted_word_create(user=me, phrase="one more")

    assert "at most 200" in _field_error(excinfo, "phrase")
    assert MutedWord.objects.count() == 200
    # Another user is not affected by mine.
    muted_word_create(user=user_create(), phrase="one more")


def test_muted_word_delete_removes_only_my_own():
    me, other = user_create(), user_create()
    mine = muted_word_create(user=me, phrase="cats")
    theirs = muted_word_create(user=other, phrase="cats")

    with pytest.raises(MutedWord.DoesNotExist):
        muted_word_delete(user=me, muted_word_id=theirs.pk)
    with pytest.raises(MutedWord.DoesNotExist):
        muted_word_delete(user=me, muted_word_id=10**30)
    muted_word_delete(user=me, muted_word_id=mine.pk)

    assert list(MutedWord.objects.values_list("pk", flat=True)) == [theirs.pk]


def test_muted_words_list_shows_active_words_newest_first(django_assert_num_queries):
    me = user_create()
    first = muted_word_create(user=me, phrase="first")
    second = muted_word_create(user=me, phrase="second", expires_in_days=3)
    gone = muted_word_create(user=me, phrase="gone", expires_in_days=1)
    MutedWord.objects.filter(pk=gone.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    muted_word_create(user=user_create(), phrase="not mine")

    with django_assert_num_queries(1):
        words = muted_words_list(user=me)

    assert [w.pk for w in words] == [second.pk, first.pk]
