"""Take over the home-timeline tables from the tweets app: state only, no SQL.

The tables (home_timelines, home_timeline, timeline_pulled_authors) were created by
tweets/0003 and tweets/0007; tweets/0010 drops the models from tweets' state and this
declares them here, so an existing database migrates without touching its data.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("tweets", "0010_timeline_models_to_timelines_app"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="HomeTimeline",
                    fields=[
                        (
                            "owner",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="+",
                                serialize=False,
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        ("horizon_at", models.DateTimeField(blank=True, null=True)),
                        ("horizon_id", models.BigIntegerField(blank=True, null=True)),
                        ("built_at", models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                    options={
                        "db_table": "home_timelines",
                    },
                ),
                migrations.CreateModel(
                    name="HomeTimelineEntry",
                    fields=[
                        (
                            "pk",
                            models.CompositePrimaryKey(
                                "owner_id",
                                "created_at",
                                "tweet_id",
                                blank=True,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        ("owner_id", models.BigIntegerField()),
                        ("created_at", models.DateTimeField()),
                        ("tweet_id", models.BigIntegerField()),
                        ("author_id", models.BigIntegerField()),
                    ],
                    options={
                        "db_table": "home_timeline",
                    },
                ),
                migrations.CreateModel(
                    name="PulledAuthor",
                    fields=[
                        (
                            "user",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="+",
                                serialize=False,
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "timeline_pulled_authors",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
