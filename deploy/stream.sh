#!/bin/sh
# The live-updates server: granian serving the ASGI app, of which only GET /api/v1/me/stream
# and Mastodon's /api/v1/streaming/* (mastodon_api.streaming) are routed here
# (docs/scaling.md "Live updates"); the WSGI app (deploy/serve.sh) serves the rest.
# ASGI without lifespan ("asginl": Django does not speak that protocol). Each worker
# process holds one LISTEN connection, straight to PostgreSQL (STREAM_DATABASE_URL), and up to
# STREAM_MAX_CONNECTIONS streams; past that a new stream answers 503 with Retry-After.
# WebSockets stay on: Mastodon's WebSocket streaming API (web clients) is served here too.
# --backpressure (requests a worker takes at once; granian defaults to backlog / workers)
# must stay above STREAM_MAX_CONNECTIONS, or streams past it wait unanswered instead of 503.
# Used by docker-compose.yml and bench/streams.py.
set -eu
# Prometheus multiprocess mode (twitterclone/metrics.py): each worker process writes its
# samples to files here and a scrape of any of them reads all; emptied at start, so counts
# begin again with the server (as a single process's would).
export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-/tmp/tc-metrics-stream-${STREAM_PORT:-8001}}"
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
find "$PROMETHEUS_MULTIPROC_DIR" -maxdepth 1 -name '*.db' -delete
exec granian --interface asginl \
    --host "${STREAM_HOST:-0.0.0.0}" --port "${STREAM_PORT:-8001}" \
    --workers "${STREAM_WORKERS:-1}" \
    --backlog "${WEB_BACKLOG:-4096}" \
    --backpressure "${STREAM_BACKPRESSURE:-16000}" \
    --http 1 \
    --respawn-failed-workers \
    --workers-kill-timeout "${WEB_KILL_TIMEOUT:-30}" \
    --log-level "${WEB_LOG_LEVEL:-warning}" \
    twitterclone.asgi:application
