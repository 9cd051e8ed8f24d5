"""Prometheus metrics at /metrics (docs/scaling.md "Metrics"), for staff and internal networks.

Per request (MetricsMiddleware): latency by view (the URL pattern's name), database queries by
view, responses by status class. At scrape time (the view): the job queue (queued, running
and failed jobs, the oldest queued job's age), replica lag, and the live streams the stream
processes hold (stream.hub keeps STREAM_CONNECTIONS up to date).

App servers run several processes. With PROMETHEUS_MULTIPROC_DIR set (deploy/serve.sh and
deploy/stream.sh set it), every process writes its samples to memory-mapped files there and
a scrape of any process reads all of them, so one scrape sees the whole host; without it
each process reports only its own (fine for `runserver`).
"""

import functools
import glob
import ipaddress
import os
import time

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from twitterclone.limits import client_ip

try:  # the read-replica router, where it is installed (docs/scaling.md "Read replicas")
    from twitterclone import replicas
except ImportError:  # pragma: no cover - depends on the branch
    replicas = None

MULTIPROCESS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
# This process's metrics; in multiprocess mode their values live in MULTIPROCESS_DIR instead.
REGISTRY = CollectorRegistry(auto_describe=False)
UNMATCHED = "<unmatched>"

REQUEST_SECONDS = Histogram(
    "twitterclone_request_duration_seconds",
    "Time from the first middleware to the response, by view (URL name) and method.",
    ["view", "method"],
    # Pages take 5-50 ms here, the slowest reads a few hundred (docs/performance.md).
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
REQUEST_QUERIES = Histogram(
    "twitterclone_request_queries",
    "Database queries one request ran, by view.",
    ["view"],
    buckets=(0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89),
    registry=REGISTRY,
)
RESPONSES = Counter(
    "twitterclone_responses",
    "Responses by view and status class (2xx, 3xx, 4xx, 5xx).",
    ["view", "status"],
    registry=REGISTRY,
)
# Each stream process adds and removes its own; live processes are summed.
STREAM_CONNECTIONS = Gauge(
    "twitterclone_stream_connections",
    "Open live-update streams (GET /api/v1/me/stream) held by the stream processes.",
    multiprocess_mode="livesum",
    registry=REGISTRY,
)


def _view_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED
    return match.view_name or match.route or UNMATCHED


class MetricsMiddleware:
    """Time each request and count its queries (outermost, so every other middleware counts)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        queries = [0]

        def count(execute, sql, params, many, context):
            # Counted once it ran: a statement captured before it reaches the database
            # (twitterclone.statements compiling a shape) is not a query.
            result = execute(sql, params, many, context)
            queries[0] += 1
            return result

        started = time.perf_counter()
        with _wrapped(count):
            response = self.get_response(request)
        elapsed = time.perf_counter() - started
        view = _view_name(request)
        REQUEST_SECONDS.labels(view, request.method).observe(elapsed)
        REQUEST_QUERIES.labels(view).observe(queries[0])
        RESPONSES.labels(view, f"{response.status_code // 100}xx").inc()
        return response


class _wrapped:
    """Install one execute wrapper on every configured database of this thread."""

    def __init__(self, wrapper):
        self.managers = [connections[alias].execute_wrapper(wrapper) for alias in connections]

    def __enter__(self):
        for manager in self.managers:
            manager.__enter__()

    def __exit__(self, *exc):
        for manager in reversed(self.managers):
            manager.__exit__(*exc)
        return False


# At scrape time


def _queue_families() -> list[GaugeMetricFamily]:
    """Jobs by state (queued, running, failed) and the age of the oldest queued one."""
    jobs = GaugeMetricFamily(
        "twitterclone_jobs", "Jobs in the database queue by state.", labels=["state"]
    )
    oldest = GaugeMetricFamily(
        "twitterclone_jobs_oldest_queued_age_seconds",
        "Age of the oldest queued job (0: none queued).",
    )
    states = {
        TaskResultStatus.READY: "queued",
        TaskResultStatus.RUNNING: "running",
        TaskResultStatus.FAILED: "failed",
    }
    counts = dict.fromkeys(states.values(), 0)
    # One pass over the unfinished and failed rows (finished ones are never read).
    grouped = (
        DBTaskResult.objects.filter(status__in=list(states))
        .values_list("status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for status, count in grouped:
        counts[states[status]] = count
    first = (
        DBTaskResult.objects.filter(status=TaskResultStatus.READY)
        .order_by("enqueued_at")
        .values_list("enqueued_at", flat=True)
        .first()
    )
    for state, count in counts.items():
        jobs.add_metric([state], count)
    oldest.add_metric([], (timezone.now() - first).total_seconds() if first else 0.0)
    return [jobs, oldest]


# Every connected standby, as the primary sees it: time and WAL bytes behind on replay.
# Needs superuser or pg_monitor (otherwise PostgreSQL hides the columns: NULL, left out).
REPLICATION_SQL = """
SELECT application_name, coalesce(host(client_addr), 'local'),
       extract(epoch FROM replay_lag)::float8,
       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8
FROM pg_stat_replication
WHERE NOT pg_is_in_recovery()
"""


def _replica_families() -> list[GaugeMetricFamily]:
    seconds = GaugeMetricFamily(
        "twitterclone_replica_lag_seconds",
        "How far each replica's replay is behind the primary, in seconds.",
        labels=["replica"],
    )
    behind = GaugeMetricFamily(
        "twitterclone_replica_lag_bytes",
        "WAL bytes each standby has yet to replay (pg_stat_replication on the primary).",
        labels=["replica"],
    )
    lag = getattr(replicas, "replica_lag_seconds", None)
    if lag is not None:
        found = lag()
        for name, value in (found if isinstance(found, dict) else {"replica": found}).items():
            if value is not None:
                seconds.add_metric([str(name)], float(value))
    with connections["default"].cursor() as cursor:
        cursor.execute(REPLICATION_SQL)
        for name, address, lag_seconds, lag_bytes in cursor.fetchall():
            replica = f"{name or 'standby'}@{address}"
            if lag is None and lag_seconds is not None:
                seconds.add_metric([replica], lag_seconds)
            if lag_bytes is not None:
                behind.add_metric([replica], lag_bytes)
    return [seconds, behind]


class DatabaseCollector:
    """What /metrics reads from PostgreSQL at scrape time; an `up` gauge says if it could."""

    def collect(self):
        up = GaugeMetricFamily(
            "twitterclone_metrics_database_up", "1 if the scrape could read the database."
        )
        try:
            families = _queue_families() + _replica_families()
        except DatabaseError:
            families = []
        yield from families
        up.add_metric([], 1.0 if families else 0.0)
        yield up


def _forget_dead_processes() -> None:
    """Drop the live gauges of processes that are gone (a respawned worker's old pid)."""
    for path in glob.glob(os.path.join(MULTIPROCESS_DIR, "gauge_live*_*.db")):
        pid = path.rsplit("_", 1)[1].removesuffix(".db")
        if pid.isdigit() and not _alive(int(pid)):
            multiprocess.mark_process_dead(int(pid), MULTIPROCESS_DIR)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def exposition() -> bytes:
    """Return every metric in Prometheus's text format."""
    if MULTIPROCESS_DIR:
        _forget_dead_processes()
        processes = CollectorRegistry(auto_describe=False)
        multiprocess.MultiProcessCollector(processes, MULTIPROCESS_DIR)
    else:
        processes = REGISTRY
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(DatabaseCollector())
    return generate_latest(processes) + generate_latest(scrape)


@functools.lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def is_allowed(request) -> bool:
    """Return whether the client may read /metrics: an allowed network, or a staff session.

    The client's address is the one the rate limits use (twitterclone.limits.client_ip):
    X-Forwarded-For counts only from TRUSTED_PROXIES, so a client cannot write its way in.
    """
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        address = None
    networks = _networks(tuple(settings.METRICS_ALLOWED_NETWORKS))
    if address is not None and any(address in network for network in networks):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


def metrics(request):
    """Serve the metrics to the allowed; a 404 to everyone else (nothing to discover)."""
    if not is_allowed(request):
        raise Http404
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
