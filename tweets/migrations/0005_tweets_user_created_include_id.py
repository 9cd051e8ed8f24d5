"""idx_tweets_user_created gains INCLUDE (id): the per-author pull becomes index-only.

Built concurrently under a temporary name, then swapped in, so a live table keeps an index
for its timelines throughout and writes are never blocked by the build.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # CREATE/DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("tweets", "0004_tweets_created_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="tweet", name="idx_tweets_user_created"),
                migrations.AddIndex(
                    model_name="tweet",
                    index=models.Index(
                        fields=["user", "-created_at"],
                        include=("id",),
                        name="idx_tweets_user_created",
                    ),
                ),
            ],
            # Reversed last to first: build the old index, drop the new one, rename back.
            database_operations=[
                migrations.RunSQL(
                    sql="CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_tweets_user_created_new "
                    "ON tweets (user_id, created_at DESC) INCLUDE (id)",
                    reverse_sql="ALTER INDEX idx_tweets_user_created_old "
                    "RENAME TO idx_tweets_user_created",
                ),
                migrations.RunSQL(
                    sql="DROP INDEX CONCURRENTLY IF EXISTS idx_tweets_user_created",
                    reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS idx_tweets_user_created",
                ),
                migrations.RunSQL(
                    sql="ALTER INDEX idx_tweets_user_created_new RENAME TO idx_tweets_user_created",
                    reverse_sql="CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_tweets_user_created_old "
                    "ON tweets (user_id, created_at DESC)",
                ),
            ],
        ),
    ]
