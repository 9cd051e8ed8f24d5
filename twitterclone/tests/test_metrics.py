"""/metrics: the families and their values, who may read them, and several processes as one."""

import datetime
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import requests
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families

from accounts.services import user_register
from bench import stack
from stream.hub import Hub

# Ports of the load-balancer tests' range (docs/scaling.md "Several web hosts").
MULTIPROCESS_PORT = 8666
OUTSIDER = "203.0.113.5"


def scrape(client, **extra) -> dict:
    """GET /metrics; return {sample name: {labels tuple: value}}."""
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain; version=")
    return parse(response.content.decode())


def parse(text: str) -> dict:
    samples: dict = {}
    for family in text_string_to_metric_families(text):
        samples.setdefault(family.name + "#family", family.type)
        for sample in family.samples:
            key = tuple(sorted(sample.labels.items()))
            samples.setdefault(sample.name, {})[key] = sample.value
    return samples


def value(samples: dict, name: str, **labels) -> float:
    """Return the sample of `name` whose labels include `labels` (0 when there is none)."""
    wanted = set(labels.items())
    return sum(v for key, v in samples.get(name, {}).items() if wanted <= set(key))


@pytest.mark.django_db
def test_request_latency_and_queries_by_view(client):
    before = scrape(client)
    for _ in range(3):
        assert client.get("/readyz").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/no-such-page").status_code == 404
    after = scrape(client)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert after["twitterclone_request_duration_seconds#family"] == "histogram"
    assert grew("twitterclone_request_duration_seconds_count", view="readyz", method="GET") == 3
    # Every request takes some time, and none of these a second.
    readyz_seconds = grew("twitterclone_request_duration_seconds_sum", view="readyz")
    assert 0 < readyz_seconds < 3
    assert grew("twitterclone_request_duration_seconds_bucket", view="readyz", le="1.0") == 3
    # /readyz runs one query, /healthz none.
    assert grew("twitterclone_request_queries_count", view="readyz") == 3
    assert grew("twitterclone_request_queries_sum", view="readyz") == 3
    assert grew("twitterclone_request_queries_sum", view="healthz") == 0
    assert grew("twitterclone_request_queries_bucket", view="healthz", le="0.0") == 1
    # A path no pattern matched has one label, not one per path.
    assert grew("twitterclone_responses_total", view="<unmatched>", status="4xx") == 1
    assert grew("twitterclone_responses_total", view="readyz", status="2xx") == 3


@pytest.mark.django_db
def test_queue_depth_and_oldest_job_age(client):
    samples = scrape(client)
    for state in ("queued", "running", "failed"):
        assert value(samples, "twitterclone_jobs", state=state) == 0
    assert value(samples, "twitterclone_jobs_oldest_queued_age_seconds") == 0

    def job(status, age_seconds):
        row = DBTaskResult.objects.create(
            status=status,
            args_kwargs={"args": [], "kwargs": {}},
            task_path="timelines.tasks.fanout",
            backend_name="default",
            queue_name="default",
            run_after=timezone.now(),
            exception_class_path="",
            traceback="",
        )
        enqueued = timezone.now() - datetime.timedelta(seconds=age_seconds)
        DBTaskResult.objects.filter(pk=row.pk).update(enqueued_at=enqueued)

    job(TaskResultStatus.READY, 120)
    job(TaskResultStatus.READY, 30)
    job(TaskResultStatus.RUNNING, 10)
    job(TaskResultStatus.FAILED, 500)
    job(TaskResultStatus.SUCCESSFUL, 900)
    samples = scrape(client)
    assert value(samples, "twitterclone_jobs", state="queued") == 2
    assert value(samples, "twitterclone_jobs", state="running") == 1
    assert value(samples, "twitterclone_jobs", state="failed") == 1
    # The oldest queued job, not the older failed or finished ones.
    assert 120 <= value(samples, "twitterclone_jobs_oldest_queued_age_seconds") < 180
    assert value(samples, "twitterclone_metrics_database_up") == 1


@pytest.mark.django_db
def test_replica_lag_families_are_declared(client):
    samples = scrape(client)
    # No standby streams from the test server: declared, no sample (never a made-up 0).
    assert samples["twitterclone_replica_lag_seconds#family"] == "gauge"
    assert samples["twitterclone_replica_lag_bytes#family"] == "gauge"
    assert "twitterclone_replica_lag_bytes" not in samples


@pytest.mark.django_db
def test_stream_connections_follow_the_hub(client):
    alice = user_register(username="alice", email="alice@example.com", password="pw-123456789")
    start = value(scrape(client), "twitterclone_stream_connections")
    hub = Hub()
    first = hub.subscribe(alice, frozenset())
    second = hub.subscribe(alice, frozenset({1, 2}))
    assert value(scrape(client), "twitterclone_stream_connections") == start + 2
    hub.unsubscribe(first)
    hub.unsubscribe(second)
    assert value(scrape(client), "twitterclone_stream_connections") == start


@pytest.mark.django_db
def test_outsiders_get_404(client):
    assert client.get("/metrics", REMOTE_ADDR=OUTSIDER).status_code == 404
    # Writing a loopback address in X-Forwarded-For is not believed from a client...
    spoofed = client.get("/metrics", REMOTE_ADDR=OUTSIDER, HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert spoofed.status_code == 404
    # ...nor through a trusted proxy, which appends the real client on the right.
    with override_settings(TRUSTED_PROXIES=["10.0.0.0/8"]):
        through_proxy = client.get(
            "/metrics", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"127.0.0.1, {OUTSIDER}"
        )
        assert through_proxy.status_code == 404
        # The proxy's own host (a Prometheus beside it) is let in.
        local = client.get("/metrics", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="127.0.0.1")
        assert local.status_code == 200


@pytest.mark.django_db
def test_allowed_networks_and_staff_sessions(client, django_user_model):
    with override_settings(METRICS_ALLOWED_NETWORKS=["203.0.113.0/24"]):
        assert client.get("/metrics", REMOTE_ADDR=OUTSIDER).status_code == 200
        assert client.get("/metrics").status_code == 404  # loopback no longer listed
    user = user_register(username="bob", email="bob@example.com", password="pw-123456789")
    client.force_login(user)
    assert client.get("/metrics", REMOTE_ADDR=OUTSIDER).status_code == 404
    django_user_model.objects.filter(pk=user.pk).update(is_staff=True)
    assert client.get("/metrics", REMOTE_ADDR=OUTSIDER).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_one_scrape_counts_every_process_of_a_server(live_database_url):
    """granian with two processes (deploy/serve.sh, multiprocess mode): one scrape sees both."""
    folder = Path(tempfile.mkdtemp(prefix="tc-metrics-test-"))
    try:
        with stack.app_server(
            port=MULTIPROCESS_PORT,
            database_url=live_database_url,
            workers=2,
            threads=2,
            extra_env={"PROMETHEUS_MULTIPROC_DIR": str(folder), "LOG_LEVEL": "ERROR"},
        ):
            base = f"http://127.0.0.1:{MULTIPROCESS_PORT}"
            # New connections, so granian hands them to both processes.
            for _ in range(40):
                assert requests.get(f"{base}/readyz", timeout=10).status_code == 200
            pids = {path.name.rsplit("_", 1)[1] for path in folder.glob("histogram_*.db")}
            assert len(pids) == 2, pids  # both processes answered and wrote samples
            for _ in range(3):  # whichever process answers the scrape
                samples = parse(requests.get(f"{base}/metrics", timeout=10).text)
                count = value(samples, "twitterclone_request_duration_seconds_count", view="readyz")
                assert count == 40
                # One query each, plus the set-up statement of each of the 2 x 2 pooled
                # connections, counted in the request that first used it.
                queries = value(samples, "twitterclone_request_queries_sum", view="readyz")
                assert 40 <= queries <= 44
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def live_database_url(transactional_db):
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def test_settings_refuse_a_network_that_is_not_one():
    env = {**os.environ, "METRICS_ALLOWED_NETWORKS": "10.0.0.0/8,not-a-network"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**env, "DJANGO_SETTINGS_MODULE": "twitterclone.settings.test"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "METRICS_ALLOWED_NETWORKS: 'not-a-network' is not a network" in result.stderr
