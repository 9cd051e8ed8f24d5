"""The job queue in the admin: depth by state, the oldest due job's age, errors, and requeue.

Wraps django_tasks_db's own admin for `DBTaskResult` (unregister, subclass, register again):
read-only as before, plus the queue summary above the list, each job's attempts and last
error, and an action that requeues dead-lettered jobs through jobs.services.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from .selectors import job_queue_stats
from .services import jobs_requeue

admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class JobAdmin(DBTaskResultAdmin):
    change_list_template = "admin/jobs/queue_change_list.html"
    list_display = (
        "id",
        "task_name",
        "status",
        "attempts",
        "last_error",
        "enqueued_at",
        "started_at",
        "finished_at",
        "run_after",
        "queue_name",
    )
    list_select_related = ("lease",)
    actions = ["requeue"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("lease")

    @admin.display(description="attempts")
    def attempts(self, obj: DBTaskResult) -> int:
        lease = getattr(obj, "lease", None)
        return lease.attempts if lease else 0

    @admin.display(description="last error")
    def last_error(self, obj: DBTaskResult) -> str:
        """The traceback's last line (exception and message), for failed and retrying jobs."""
        lines = [line for line in obj.traceback.splitlines() if line.strip()]
        return lines[-1][:200] if lines else ""

    def has_requeue_permission(self, request: HttpRequest) -> bool:
        # The admin's own edit form stays off (has_change_permission): requeue is the only write.
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    @admin.action(description="Requeue the selected failed jobs", permissions=["requeue"])
    def requeue(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = jobs_requeue(job_ids=list(queryset.values_list("pk", flat=True)))
        skipped = queryset.count() - count
        self.message_user(request, f"{count} failed job(s) requeued.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} job(s) left alone: only failed jobs are requeued.",
                messages.WARNING,
            )

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {**(extra_context or {}), "queue": job_queue_stats()}
        return super().changelist_view(request, extra_context)
