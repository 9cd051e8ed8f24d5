"""Reads on the job queue: its depth by state and how long the oldest due job has waited."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, Count, F, Min, Q, When
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

Status = TaskResultStatus


@dataclass(frozen=True)
class QueueStats:
    """The queue at one moment (the admin's summary; a metrics endpoint can export it)."""

    queued: int  # READY and due: waiting for a free worker
    scheduled: int  # READY, due later: retries in backoff and deferred jobs
    running: int
    lease_expired: int  # RUNNING, but the worker stopped renewing: the reaper takes them back
    failed: int  # dead letters: out of attempts, waiting for a requeue from the admin
    oldest_queued_age: float | None  # seconds the longest-waiting due job has waited

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def job_queue_stats(*, now: datetime | None = None) -> QueueStats:
    """Count unfinished jobs by state and age the oldest due one, in one query."""
    now = now or timezone.now()
    never = get_date_max()
    due = Q(status=Status.READY) & (Q(run_after=never) | Q(run_after__lte=now))
    row = (
        DBTaskResult.objects.exclude(status=Status.SUCCESSFUL)
        .order_by()
        .aggregate(
            queued=Count("pk", filter=due),
            scheduled=Count("pk", filter=Q(status=Status.READY) & ~due),
            running=Count("pk", filter=Q(status=Status.RUNNING)),
            lease_expired=Count("pk", filter=Q(status=Status.RUNNING, lease__expires_at__lt=now)),
            failed=Count("pk", filter=Q(status=Status.FAILED)),
            # Due since it was queued, or since its retry time came.
            oldest_due=Min(
                Case(When(run_after=never, then=F("enqueued_at")), default=F("run_after")),
                filter=due,
            ),
        )
    )
    oldest = row.pop("oldest_due")
    age = max((now - oldest).total_seconds(), 0.0) if oldest else None
    return QueueStats(**row, oldest_queued_age=age)
