"""Hash-partition home_timeline by owner_id (HOME_TIMELINE_PARTITIONS partitions).

Database only: the model's state is unchanged (same table name, columns and primary key,
which already starts with owner_id, the partition key). The rows are copied into the new
partitioned table and the names swapped (twitterclone.partitioning); the reverse copies them
back into a plain table. The partition count is read from settings when this runs.
"""

from django.conf import settings
from django.db import migrations

from twitterclone.partitioning import partition_by_hash, unpartition

TABLE = "home_timeline"


def forward(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        partition_by_hash(cursor, TABLE, key="owner_id", count=settings.HOME_TIMELINE_PARTITIONS)


def backward(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        unpartition(cursor, TABLE, primary_key=["owner_id", "created_at", "tweet_id"])


class Migration(migrations.Migration):
    dependencies = [("timelines", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
