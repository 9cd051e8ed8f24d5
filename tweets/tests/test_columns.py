"""The raw writes of `tweets` rows take their columns from the model (tweet_fields)."""

import pytest
from django.db import connection

from accounts.tests.factories import user_create
from tweets.models import Tweet, tweet_columns
from tweets.services import retweet_create, tweet_insert_row
from tweets.tests.factories import post

pytestmark = pytest.mark.django_db


def _table_columns() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
            [Tweet._meta.db_table],
        )
        return {name for (name,) in cursor.fetchall()}


def test_the_model_columns_are_the_tables_columns():
    assert sorted(tweet_columns()) == sorted(_table_columns())


def test_a_raw_insert_row_has_every_column_of_the_table_but_the_id():
    # Derived from the model: a field added with its migration is in the row without an edit.
    row = tweet_insert_row(Tweet(user_id=1, original_tweet_id=2))

    assert set(row) == _table_columns() - {"id"}


def test_a_retweet_written_raw_carries_the_model_defaults():
    original = post(user_create(), "an original")
    retweeter = user_create()

    retweet_create(user=retweeter, tweet_id=original.pk)

    retweet = Tweet.objects.get(user=retweeter)
    defaults = Tweet(user_id=retweeter.pk, original_tweet_id=original.pk)
    for field in ("content", "media_urls", "hashtags", "mentions", "like_count", "is_hidden"):
        assert getattr(retweet, field) == getattr(defaults, field)
    assert retweet.original_tweet_id == original.pk and retweet.is_plain_retweet
