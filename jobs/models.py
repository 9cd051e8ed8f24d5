"""The lease on a queued job: who runs it, until when, and how many times it was tried.

django_tasks_db keeps the queue (`DBTaskResult`: status, arguments, result, error). Its worker
marks a job RUNNING and nothing ever takes it back if that worker dies, so the lease lives
here, one row per job that was ever claimed, beside the row it leases (docs/architecture.md
"Background jobs").
"""

from django.db import models
from django_tasks_db.models import DBTaskResult


class JobLease(models.Model):
    """Which worker holds a job, until when, and the attempt number that fences its writes.

    `attempts` counts claims (a worker killed mid-job used one up); a worker may renew or
    finish only the attempt it claimed, so one that lost its lease can no longer write.
    `expires_at` is set at each claim and renewed by the holder's heartbeat; it means
    something only while the job is RUNNING: one whose lease ran out goes back to the queue
    (jobs.services.jobs_reap_expired). The reaper finds RUNNING jobs through the queue
    table's index of unfinished rows, so this table needs no index of its own.
    """

    task_result = models.OneToOneField(
        DBTaskResult, on_delete=models.CASCADE, primary_key=True, related_name="lease"
    )
    attempts = models.PositiveIntegerField(default=0)
    worker_id = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "job_leases"

    def __str__(self) -> str:
        return f"lease on {self.task_result_id} (attempt {self.attempts})"
