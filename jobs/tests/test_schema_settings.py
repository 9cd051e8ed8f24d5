"""The job table's autovacuum settings (jobs/migrations/0002_queue_statistics.py)."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_the_job_table_is_analyzed_after_a_small_share_of_it_changed():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE relname = 'django_tasks_database_dbtaskresult'"
        )
        options = set(cursor.fetchone()[0] or [])

    assert {
        "autovacuum_analyze_scale_factor=0.02",
        "autovacuum_analyze_threshold=200",
        "autovacuum_vacuum_scale_factor=0.05",
    } <= options
