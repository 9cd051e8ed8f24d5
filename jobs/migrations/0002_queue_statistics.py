"""Keep the planner's picture of the job table current while a burst fills it.

The claim (`ready().get_locked()`) orders due jobs by the partial index on READY rows. After
a burst of posts queued a few thousand jobs, autovacuum's default thresholds (10 % of the
table changed) left the statistics saying there were about 15 READY rows: the planner then
bitmap-scanned every READY row and sorted them on every claim (4.9 ms on 2,518 rows, against
0.5 ms by the index once analyzed; docs/performance.md "The job claim after a burst").
Analyze after 2 % of the rows changed (at least 200), vacuum after 5 %.
"""

from django.db import migrations

TABLE = "django_tasks_database_dbtaskresult"
SETTINGS = (
    "autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 200, "
    "autovacuum_vacuum_scale_factor = 0.05"
)
NAMES = (
    "autovacuum_analyze_scale_factor, autovacuum_analyze_threshold, autovacuum_vacuum_scale_factor"
)


class Migration(migrations.Migration):
    dependencies = [("jobs", "0001_job_leases")]

    operations = [
        migrations.RunSQL(
            sql=f"ALTER TABLE {TABLE} SET ({SETTINGS})",
            reverse_sql=f"ALTER TABLE {TABLE} RESET ({NAMES})",
        )
    ]
