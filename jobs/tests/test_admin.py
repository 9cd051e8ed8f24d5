"""The job queue's admin page: who sees it, what it shows, and the requeue action."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from accounts.tests.factories import PASSWORD, user_create
from jobs import services
from jobs.models import JobLease
from jobs.tests.tasks import record_run

pytestmark = pytest.mark.django_db

Status = TaskResultStatus
JOBS = "/admin/django_tasks_database/dbtaskresult/"
DATABASE_QUEUE = override_settings(
    TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def operator():
    """Staff with the two permissions superusers grant for the queue: view, and requeue."""
    user = user_create(username="ops", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="django_tasks_database",
            codename__in=["view_dbtaskresult", "change_dbtaskresult"],
        )
    )
    return User.objects.get(pk=user.pk)


@pytest.fixture
def queue():
    """One job queued 2 minutes ago, one running, one dead-lettered with its error."""
    with DATABASE_QUEUE:
        queued, running, dead = (record_run.enqueue(name).id for name in "abc")
    DBTaskResult.objects.filter(pk=queued).update(enqueued_at=timezone.now() - timedelta(minutes=2))
    DBTaskResult.objects.filter(pk=queued).update(priority=-1)  # claimed last
    for job_id in (running, dead):
        held = services.job_claim(worker_id="w1", backend_name="default")
        assert str(held.job.pk) == job_id
    with override_settings(JOBS_MAX_ATTEMPTS=1):
        services.job_fail(claim=_claim_of(dead), exc=RuntimeError("disk on fire"))
    return queued, running, dead


def _claim_of(job_id: str) -> services.Claim:
    lease = JobLease.objects.get(pk=job_id)
    return services.Claim(
        job=DBTaskResult.objects.get(pk=job_id), worker_id=lease.worker_id, attempt=lease.attempts
    )


def test_anonymous_and_non_staff_are_sent_to_the_admin_login():
    for client in (Client(), _client(user_create())):
        response = client.get(JOBS)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_staff_without_the_queue_permission_is_refused():
    assert _client(user_create(is_staff=True)).get(JOBS).status_code == 403


def test_the_list_shows_queue_depth_the_oldest_age_and_the_failed_jobs_errors(operator, queue):
    dead = queue[2]
    response = _client(operator).get(JOBS)
    assert response.status_code == 200
    page = response.content.decode()
    stats = response.context["queue"]
    assert (stats.queued, stats.running, stats.failed) == (1, 1, 1)
    assert 119 < stats.oldest_queued_age < 180
    assert 'data-stat="failed"><a href="?status__exact=FAILED">1</a>' in page
    assert "RuntimeError: disk on fire" in page

    failed_only = _client(operator).get(JOBS, {"status__exact": "FAILED"})
    assert list(failed_only.context["cl"].result_list) == [DBTaskResult.objects.get(pk=dead)]
    detail = _client(operator).get(f"{JOBS}{dead}/change/")
    assert detail.status_code == 200
    assert "RuntimeError: disk on fire" in detail.content.decode()


def test_requeue_puts_failed_jobs_back_and_leaves_the_others(operator, queue):
    _queued, running, dead = queue
    response = _client(operator).post(
        JOBS, {"action": "requeue", "_selected_action": [dead, running]}, follow=True
    )
    assert response.status_code == 200
    assert DBTaskResult.objects.get(pk=dead).status == Status.READY
    assert JobLease.objects.get(pk=dead).attempts == 0
    assert DBTaskResult.objects.get(pk=running).status == Status.RUNNING
    shown = [str(message) for message in response.context["messages"]]
    assert shown == [
        "1 failed job(s) requeued.",
        "1 job(s) left alone: only failed jobs are requeued.",
    ]


def test_a_viewer_without_the_change_permission_cannot_requeue(queue):
    viewer = user_create(username="viewer", is_staff=True, password=PASSWORD)
    viewer.user_permissions.add(Permission.objects.get(codename="view_dbtaskresult"))
    client = _client(User.objects.get(pk=viewer.pk))
    page = client.get(JOBS)
    assert page.status_code == 200
    assert page.context["action_form"] is None  # no action offered
    dead = queue[2]
    client.post(JOBS, {"action": "requeue", "_selected_action": [dead]})
    assert DBTaskResult.objects.get(pk=dead).status == Status.FAILED
