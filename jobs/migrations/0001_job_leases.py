"""Leases on django_tasks_db's jobs, and an index of its unfinished rows."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.CreateModel(
            name="JobLease",
            fields=[
                (
                    "task_result",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="lease",
                        serialize=False,
                        to="django_tasks_database.dbtaskresult",
                    ),
                ),
                ("attempts", models.PositiveIntegerField(default=0)),
                ("worker_id", models.CharField(blank=True, max_length=64)),
                ("expires_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "db_table": "job_leases",
            },
        ),
        # jobs.selectors.job_queue_stats counts READY, RUNNING and FAILED rows and finds the
        # oldest queued one, and the reaper looks for RUNNING ones; SUCCESSFUL rows pile up
        # until pruned, so they stay out of the index.
        migrations.RunSQL(
            "CREATE INDEX job_results_unfinished ON django_tasks_database_dbtaskresult "
            "(status, enqueued_at) WHERE status <> 'SUCCESSFUL'",
            "DROP INDEX job_results_unfinished",
        ),
    ]
