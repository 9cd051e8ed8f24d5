"""Hash-partition notifications by recipient_id (NOTIFICATION_PARTITIONS partitions).

Database only: the model's state is unchanged. PostgreSQL wants the partition key in every
primary key and unique constraint: uniq_notifications_cause starts with recipient_id already;
the primary key becomes (recipient_id, id) in the database while Django keeps `id` as the
model's pk. That is safe: ids still come from the one identity sequence, so they stay unique
across partitions; nothing references notifications by foreign key; every read and delete
names the recipient, or the id with the recipient (prune_notifications). The rows are copied
into the new table and the names swapped (twitterclone.partitioning); the reverse restores
the plain table with the primary key (id). The partition count is read when this runs.
"""

from django.conf import settings
from django.db import migrations

from twitterclone.partitioning import partition_by_hash, unpartition

TABLE = "notifications"


def forward(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        partition_by_hash(cursor, TABLE, key="recipient_id", count=settings.NOTIFICATION_PARTITIONS)


def backward(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        unpartition(cursor, TABLE, primary_key=["id"])


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
