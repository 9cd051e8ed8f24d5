"""gunicorn settings for production (Dockerfile, docker-compose.yml, bench/stack.py).

Every value comes from the environment so one file serves every deployment; the defaults
are the ones measured on a 2-core machine (docs/performance.md "Concurrency and serving").
Command-line flags override them (bench/stack.py passes --bind, --workers, --threads).
"""

import os

bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
# One process per core; threads overlap the database round trips of one process.
workers = int(os.environ.get("WEB_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
# Keep-alive connections each worker holds open (1,000 clients over 2 workers fit).
worker_connections = int(os.environ.get("WEB_WORKER_CONNECTIONS", "2000"))
# Connections waiting in the kernel's accept queue (capped by net.core.somaxconn).
backlog = int(os.environ.get("WEB_BACKLOG", "4096"))
# A request that takes longer than this gets its worker restarted (a hang, not a slow page:
# the pool gives up after DB_POOL_TIMEOUT and answers 503 long before).
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("WEB_KEEPALIVE", "75"))
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "100000"))
max_requests_jitter = int(os.environ.get("WEB_MAX_REQUESTS_JITTER", "10000"))
accesslog = os.environ.get("WEB_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("WEB_LOG_LEVEL", "warning")
