"""The moderation admin's "hidden" filter: a partial index on the few hidden tweets.

Built concurrently so a live tweets table keeps taking writes while it builds.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("tweets", "0008_reports")]

    operations = [
        AddIndexConcurrently(
            model_name="tweet",
            index=models.Index(
                models.OrderBy(models.F("created_at"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                condition=models.Q(("is_hidden", True)),
                name="idx_tweets_hidden",
            ),
        ),
    ]
