"""Hand the home-timeline models to the timelines app: state only, the tables stay as they are.

timelines/0001_initial declares the same models over the same tables; no SQL runs, so an
existing database keeps its rows.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tweets", "0009_tweets_hidden_index")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="HomeTimeline"),
                migrations.DeleteModel(name="HomeTimelineEntry"),
                migrations.DeleteModel(name="PulledAuthor"),
            ],
            database_operations=[],
        ),
    ]
