"""Indexes for the tweet read paths; each names the query it serves in tweets/models.py."""

import django.contrib.postgres.indexes
import django.db.models.expressions
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tweets", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="tweet",
            index=models.Index(
                models.F("user"),
                models.OrderBy(models.F("created_at"), descending=True),
                name="idx_tweets_user_created",
            ),
        ),
        migrations.AddIndex(
            model_name="tweet",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["hashtags"], name="idx_tweets_hashtags"
            ),
        ),
        migrations.AddIndex(
            model_name="tweet",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["mentions"], name="idx_tweets_mentions"
            ),
        ),
        migrations.AddIndex(
            model_name="tweet",
            index=models.Index(
                condition=models.Q(("reply_to__isnull", False)),
                fields=["reply_to"],
                name="idx_tweets_reply_to",
            ),
        ),
        migrations.AddIndex(
            model_name="tweet",
            index=models.Index(
                condition=models.Q(("original_tweet__isnull", False)),
                fields=["original_tweet"],
                name="idx_tweets_original",
            ),
        ),
    ]
