"""idx_tweets_original becomes (original_tweet_id, user_id) WHERE original_tweet_id IS NOT NULL.

With prepared statements (PgBouncer in session mode), PostgreSQL runs the page statement with
a generic plan, which cannot prove uniq_tweets_plain_retweet's condition (content = '' is a
bound parameter there): "did the viewer retweet it" fell back to this index and filtered
every retweet of the tweet by user. With user_id in the key it is one probe again. Built
concurrently under a temporary name, then swapped in (as 0005).
"""

from django.db import migrations, models

NEW = "ON tweets (original_tweet_id, user_id) WHERE (original_tweet_id IS NOT NULL)"
OLD = "ON tweets (original_tweet_id) WHERE (original_tweet_id IS NOT NULL)"


class Migration(migrations.Migration):
    atomic = False  # CREATE/DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("tweets", "0013_tweets_user_created_in_page_order")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="tweet", name="idx_tweets_original"),
                migrations.AddIndex(
                    model_name="tweet",
                    index=models.Index(
                        condition=models.Q(original_tweet__isnull=False),
                        fields=["original_tweet", "user"],
                        name="idx_tweets_original",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=f"CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_tweets_original_new {NEW}",
                    reverse_sql="ALTER INDEX idx_tweets_original_old RENAME TO idx_tweets_original",
                ),
                migrations.RunSQL(
                    sql="DROP INDEX CONCURRENTLY IF EXISTS idx_tweets_original",
                    reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS idx_tweets_original",
                ),
                migrations.RunSQL(
                    sql="ALTER INDEX idx_tweets_original_new RENAME TO idx_tweets_original",
                    reverse_sql=f"CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_tweets_original_old {OLD}",
                ),
            ],
        ),
    ]
