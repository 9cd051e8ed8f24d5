"""Keyset pagination: signed cursors, page sizes, and pages that never skip or repeat a row."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from accounts.tests.factories import user_create
from tweets.models import Tweet
from twitterclone.pagination import (
    _SALT,
    CURSOR_INVALID,
    LIMIT_INVALID,
    MAX_LIMIT,
    cursor_decode,
    cursor_encode,
    keyset_page,
    limit_clean,
)

MOMENT = datetime(2025, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
CURSOR_ERROR = {"cursor": [CURSOR_INVALID]}
LIMIT_ERROR = {"limit": [LIMIT_INVALID.format(max=MAX_LIMIT)]}


def _error(call, *args, **kwargs) -> dict:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    return caught.value.message_dict


# cursors


@pytest.mark.parametrize(
    "moment",
    [
        MOMENT,
        MOMENT.replace(microsecond=0),
        MOMENT.astimezone(timezone(timedelta(hours=-5, minutes=-30))),
        datetime(1970, 1, 1, tzinfo=UTC),
    ],
)
def test_cursor_round_trip(moment):
    cursor = cursor_encode(moment, 42)
    assert isinstance(cursor, str)
    assert cursor_decode(cursor) == (moment, 42)


def test_cursor_is_opaque():
    cursor = cursor_encode(MOMENT, 987654321)
    assert "2025" not in cursor
    assert "987654321" not in cursor


def test_tampered_cursor_is_refused():
    cursor = cursor_encode(MOMENT, 42)
    for position in range(len(cursor)):
        if cursor[position] == ":":
            continue
        replacement = "A" if cursor[position] != "A" else "B"
        tampered = cursor[:position] + replacement + cursor[position + 1 :]
        assert _error(cursor_decode, tampered) == CURSOR_ERROR, tampered


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        ":",
        "garbage",
        "garbage:garbage",
        "a:b:c",
        "null",
        "\x00",
        "é:ü",
        "[1, 2]",
        "eyJhIjoxfQ:1abcde:",
        " " * 50,
    ],
)
def test_garbage_cursor_is_refused(cursor):
    assert _error(cursor_decode, cursor) == CURSOR_ERROR


def test_cursor_with_empty_or_foreign_signature_is_refused():
    cursor = cursor_encode(MOMENT, 42)
    payload, _, _signature = cursor.rpartition(":")
    assert _error(cursor_decode, f"{payload}:") == CURSOR_ERROR
    assert _error(cursor_decode, payload) == CURSOR_ERROR
    foreign = signing.dumps([MOMENT.isoformat(), 42], salt="another.salt", compress=True)
    assert _error(cursor_decode, foreign) == CURSOR_ERROR
    other_key = signing.dumps([MOMENT.isoformat(), 42], key="x" * 50, salt=_SALT)
    assert _error(cursor_decode, other_key) == CURSOR_ERROR


@pytest.mark.parametrize(
    "payload",
    [
        None,
        42,
        "ab",
        {"a": 1, "b": 2},
        [],
        [MOMENT.isoformat()],
        [MOMENT.isoformat(), 42, 43],
        ["not a date", 42],
        [None, 42],
        [MOMENT.isoformat(), "42"],
        [MOMENT.isoformat(), 4.2],
        [MOMENT.isoformat(), True],
        [MOMENT.isoformat(), None],
        [MOMENT.replace(tzinfo=None).isoformat(), 42],
        ["2025-03-01", 42],
    ],
)
def test_signed_cursor_of_the_wrong_shape_is_refused(payload):
    """Even a payload we signed is checked, so a bug elsewhere cannot reach the database."""
    cursor = signing.dumps(payload, salt=_SALT, compress=True)
    assert _error(cursor_decode, cursor) == CURSOR_ERROR


def test_non_string_cursor_is_refused():
    assert _error(cursor_decode, 12345) == CURSOR_ERROR


# limits


@pytest.mark.parametrize("limit", [1, 20, MAX_LIMIT])
def test_limit_in_range_is_kept(limit):
    assert limit_clean(limit) == limit


def test_missing_limit_takes_the_default():
    assert limit_clean(None) == 20
    assert limit_clean(None, default=5) == 5


@pytest.mark.parametrize("limit", [0, -1, MAX_LIMIT + 1, 10**9, True, False, "5", 5.0, [5]])
def test_limit_out_of_range_or_not_an_integer_is_refused(limit):
    assert _error(limit_clean, limit) == LIMIT_ERROR


# keyset_page over tweets


def _tweets(user: User, moments: list[datetime]) -> list[Tweet]:
    """Insert tweets with the given created_at values; bypasses services to pin timestamps."""
    return Tweet.objects.bulk_create(
        Tweet(user=user, content=f"tweet {n}", created_at=moment)
        for n, moment in enumerate(moments)
    )


def _newest_first(tweets: list[Tweet]) -> list[int]:
    return [tweet.pk for tweet in sorted(tweets, key=lambda t: (t.created_at, t.pk), reverse=True)]


def _all_pages(queryset, limit: int) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        page = keyset_page(queryset, cursor=cursor, limit=limit)
        pages.append([tweet.pk for tweet in page.items])
        if page.next_cursor is None:
            return pages
        assert len(page.items) == limit
        cursor = page.next_cursor
        assert len(pages) <= 1000, "paging does not end"


@pytest.mark.django_db
def test_pages_with_many_identical_timestamps_have_no_duplicates_or_gaps():
    user = user_create()
    moments = [MOMENT] * 23 + [MOMENT - timedelta(seconds=1)] * 9 + [MOMENT + timedelta(days=1)]
    tweets = _tweets(user, moments)
    queryset = Tweet.objects.filter(user=user)

    for limit in (1, 2, 5, 7, 23, 33, 34, 100):
        pages = _all_pages(queryset, limit)
        served = [pk for page in pages for pk in page]
        assert served == _newest_first(tweets), limit
        assert len(set(served)) == len(tweets)
        assert all(len(page) == limit for page in pages[:-1])


@pytest.mark.django_db
def test_exact_multiple_of_the_limit_ends_without_an_empty_page():
    user = user_create()
    _tweets(user, [MOMENT] * 10)
    pages = _all_pages(Tweet.objects.filter(user=user), 5)
    assert [len(page) for page in pages] == [5, 5]


@pytest.mark.django_db
def test_rows_added_while_paging_do_not_shift_later_pages():
    user = user_create()
    tweets = _tweets(user, [MOMENT] * 6)
    queryset = Tweet.objects.filter(user=user)
    first = keyset_page(queryset, limit=3)

    _tweets(user, [MOMENT + timedelta(minutes=1)] * 4)
    second = keyset_page(queryset, cursor=first.next_cursor, limit=3)

    served = [tweet.pk for tweet in first.items + second.items]
    assert served == _newest_first(tweets)
    assert second.next_cursor is None


@pytest.mark.django_db
def test_empty_queryset_gives_an_empty_last_page():
    page = keyset_page(Tweet.objects.none(), limit=10)
    assert page.items == [] and page.next_cursor is None


@pytest.mark.django_db
def test_empty_cursor_means_the_first_page():
    user = user_create()
    tweets = _tweets(user, [MOMENT, MOMENT])
    page = keyset_page(Tweet.objects.filter(user=user), cursor="", limit=10)
    assert [tweet.pk for tweet in page.items] == _newest_first(tweets)


@pytest.mark.django_db
def test_keyset_page_refuses_bad_cursors_and_limits():
    queryset = Tweet.objects.all()
    assert _error(keyset_page, queryset, cursor="garbage") == CURSOR_ERROR
    assert _error(keyset_page, queryset, limit=0) == LIMIT_ERROR
    assert _error(keyset_page, queryset, limit=MAX_LIMIT + 1) == LIMIT_ERROR


_moments = st.sampled_from(
    [MOMENT + timedelta(microseconds=offset) for offset in (-2_000_000, -1, 0, 0, 1, 86_400)]
)


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(moments=st.lists(_moments, max_size=25), limit=st.integers(min_value=1, max_value=10))
def test_paging_yields_exactly_the_rows_newest_first(moments, limit):
    with transaction.atomic():
        user = user_create(username="pager")
        tweets = _tweets(user, moments)

        pages = _all_pages(Tweet.objects.filter(user=user), limit)

        assert [pk for page in pages for pk in page] == _newest_first(tweets)
        assert all(len(page) == limit for page in pages[:-1])
        assert len(pages[-1]) <= limit
        # Leave the database as it was for the next example.
        transaction.set_rollback(True)
