"""idx_tweets_user_created becomes (user_id, created_at DESC, id DESC) INCLUDE (reply_to_tweet_id).

A profile's page without replies filtered `reply_to_tweet_id IS NULL` on the heap, one random
page read per tweet, then sorted on id; now both it and the home timeline's pull are
index-only scans in page order. Built concurrently under a temporary name, then swapped in
(as 0005), so a live table keeps an index for its timelines throughout.
"""

from django.db import migrations, models

NEW = "ON tweets (user_id, created_at DESC, id DESC) INCLUDE (reply_to_tweet_id)"
OLD = "ON tweets (user_id, created_at DESC) INCLUDE (id)"


class Migration(migrations.Migration):
    atomic = False  # CREATE/DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("tweets", "0012_tweets_uploaded_media")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="tweet", name="idx_tweets_user_created"),
                migrations.AddIndex(
                    model_name="tweet",
                    index=models.Index(
                        fields=["user", "-created_at", "-id"],
                        include=("reply_to",),
                        name="idx_tweets_user_created",
                    ),
                ),
            ],
            # Reversed last to first: build the old index, drop the new one, rename back.
            database_operations=[
                migrations.RunSQL(
                    sql=f"CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_tweets_user_created_new {NEW}",
                    reverse_sql="ALTER INDEX idx_tweets_user_created_old "
                    "RENAME TO idx_tweets_user_created",
                ),
                migrations.RunSQL(
                    sql="DROP INDEX CONCURRENTLY IF EXISTS idx_tweets_user_created",
                    reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS idx_tweets_user_created",
                ),
                migrations.RunSQL(
                    sql="ALTER INDEX idx_tweets_user_created_new RENAME TO idx_tweets_user_created",
                    reverse_sql=(
                        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_tweets_user_created_old {OLD}"
                    ),
                ),
            ],
        ),
    ]
