#!/bin/sh
# The production app server: granian serving the WSGI app, chosen by measurement against
# gunicorn (docs/performance.md "Concurrency and serving"; gunicorn.conf.py is the measured
# alternative). Every knob comes from the environment; the defaults are for 2 cores.
# Used by the Dockerfile, docker-compose.yml and bench/stack.py.
set -eu
# Prometheus multiprocess mode (twitterclone/metrics.py): each worker process writes its
# samples to files here and a scrape of any of them reads all; emptied at start, so counts
# begin again with the server (as a single process's would).
export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-/tmp/tc-metrics-web-${WEB_PORT:-8000}}"
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
find "$PROMETHEUS_MULTIPROC_DIR" -maxdepth 1 -name '*.db' -delete
exec granian --interface wsgi \
    --host "${WEB_HOST:-0.0.0.0}" --port "${WEB_PORT:-8000}" \
    --workers "${WEB_WORKERS:-2}" \
    --blocking-threads "${WEB_THREADS:-4}" \
    --backlog "${WEB_BACKLOG:-4096}" \
    --http 1 --no-ws \
    --http1-header-read-timeout "${WEB_HEADER_READ_TIMEOUT_MS:-30000}" \
    --respawn-failed-workers \
    --workers-kill-timeout "${WEB_KILL_TIMEOUT:-30}" \
    --log-level "${WEB_LOG_LEVEL:-warning}" \
    twitterclone.wsgi:application
