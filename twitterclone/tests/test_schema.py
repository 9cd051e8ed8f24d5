"""The schema the seed asks for exists in PostgreSQL itself, not only in Django's state."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def _indexes(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return dict(cursor.fetchall())


def test_tweets_has_the_seed_indexes():
    indexes = _indexes("tweets")
    assert indexes["idx_tweets_user_created"].endswith(
        "USING btree (user_id, created_at DESC, id DESC) INCLUDE (reply_to_tweet_id)"
    )
    assert "USING gin (hashtags)" in indexes["idx_tweets_hashtags"]
    assert "USING gin (mentions)" in indexes["idx_tweets_mentions"]
    assert indexes["idx_tweets_original"].endswith(
        "USING btree (original_tweet_id, user_id) WHERE (original_tweet_id IS NOT NULL)"
    )
    assert indexes["idx_tweets_reply_to"].endswith(
        "USING btree (reply_to_tweet_id) WHERE (reply_to_tweet_id IS NOT NULL)"
    )


def test_follow_tables_are_keyed_by_the_question_they_answer():
    follows = _indexes("user_follows")
    followers = _indexes("user_followers")
    assert list(follows.values()) == [
        "CREATE UNIQUE INDEX user_follows_pkey ON public.user_follows "
        "USING btree (follower_id, following_id)"
    ]
    assert list(followers.values()) == [
        "CREATE UNIQUE INDEX user_followers_pkey ON public.user_followers "
        "USING btree (user_id, follower_id)"
    ]


def test_usernames_and_emails_unique_ignoring_case():
    indexes = _indexes("users")
    assert "UNIQUE INDEX" in indexes["idx_users_username_lower"]
    assert "lower((username)::text)" in indexes["idx_users_username_lower"]
    assert "lower((email)::text)" in indexes["idx_users_email_lower"]
