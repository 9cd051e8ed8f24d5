"""The moderation admin's "hidden" filter: a partial index on the few hidden tweets.

Without it, listing hidden tweets walks idx_tweets_created through all 10 M rows looking
for a handful (0.7 s measured, docs/performance.md). Only the moderation admin asks this
question, so the index lives with it. RunSQL because the model is tweets.Tweet's; built
concurrently so a live table keeps taking tweets.
"""

from django.db import migrations


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("moderation", "0002_moderators_group"), ("tweets", "0008_reports")]

    operations = [
        migrations.RunSQL(
            sql=(
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_tweets_hidden "
                "ON tweets (created_at DESC, id DESC) WHERE is_hidden"
            ),
            reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS idx_tweets_hidden",
        ),
    ]
