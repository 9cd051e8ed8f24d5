"""Full-text search on tweets: a GIN index on to_tsvector('english', content).

Built concurrently, so a live table keeps taking tweets during the build (minutes at 10 M
rows), then analysed: the planner estimates how many tweets match a search from statistics
on the indexed expression, which exist only after ANALYZE.
"""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import AddIndexConcurrently
from django.contrib.postgres.search import SearchVector
from django.db import migrations


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("tweets", "0005_tweets_user_created_include_id"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="tweet",
            index=GinIndex(
                SearchVector("content", config="english"), name="idx_tweets_content_fts"
            ),
        ),
        migrations.RunSQL(sql="ANALYZE tweets", reverse_sql=migrations.RunSQL.noop),
    ]
