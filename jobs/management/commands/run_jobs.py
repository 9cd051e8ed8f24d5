"""Run the job queue: one worker, or a small pool of worker processes that replaces dead ones.

    manage.py run_jobs                 one worker on the "default" queue
    manage.py run_jobs --processes 2   two worker processes, each restarted if it dies

Replaces django_tasks_db's `db_worker` (same queue, same jobs) with leases, retries with
backoff and a dead-letter state (docs/architecture.md "Background jobs").
"""

import os
import signal
import socket
import subprocess
import sys
import time
from argparse import ArgumentParser
from types import FrameType

from django.core.management.base import BaseCommand, CommandError
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend

from jobs.worker import Worker

# A child that dies sooner than this after its start is not restarted at once (crash loop).
RESTART_PAUSE = 1.0


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Run queued jobs (leases, retries, dead letters); --processes N runs a pool."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--processes", type=_positive_int, default=1)
        parser.add_argument(
            "--queue-name",
            default="default",
            help="queues to run, comma-separated; '*' for all (default: %(default)s)",
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between polls when idle"
        )
        parser.add_argument(
            "--batch", action="store_true", help="exit once no job is due (tests, cron)"
        )
        parser.add_argument("--max-tasks", type=_positive_int, default=None)
        parser.add_argument("--worker-id", default="", help="unique in the pool (default: made)")
        parser.add_argument("--backend", default=DEFAULT_TASK_BACKEND_ALIAS)

    def handle(self, *args, **options) -> None:
        if not isinstance(task_backends[options["backend"]], DatabaseBackend):
            raise CommandError(
                f"backend {options['backend']!r} is not django_tasks_db's database backend "
                "(set TASKS_BACKEND=database)"
            )
        if options["processes"] > 1:
            self._supervise(options)
            return
        queues = options["queue_name"].split(",")
        worker_id = options["worker_id"] or (
            f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(6)}"
        )
        worker = Worker(
            worker_id=worker_id[:64],
            backend_name=options["backend"],
            queue_names=None if "*" in queues else queues,
            interval=options["interval"],
            batch=options["batch"],
            max_tasks=options["max_tasks"],
        )
        worker.configure_signals()
        worker.run()

    def _supervise(self, options: dict) -> None:
        """Run `processes` single workers; restart one that dies; pass SIGTERM/SIGINT on."""
        argv = [sys.executable, sys.argv[0], "run_jobs", "--processes", "1"]
        argv += ["--queue-name", options["queue_name"], "--interval", str(options["interval"])]
        argv += ["--backend", options["backend"], "--verbosity", str(options["verbosity"])]
        if options["batch"]:
            argv.append("--batch")
        if options["max_tasks"]:
            argv += ["--max-tasks", str(options["max_tasks"])]
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True
            for child in children.values():
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

        children = {slot: subprocess.Popen(argv) for slot in range(options["processes"])}
        started = dict.fromkeys(children, time.monotonic())
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, stop)
        while children:
            time.sleep(0.2)
            for slot, child in list(children.items()):
                code = child.poll()
                if code is None:
                    continue
                if stopping or (options["batch"] and code == 0) or options["max_tasks"]:
                    del children[slot]
                    continue
                self.stderr.write(f"worker {child.pid} exited with {code}; starting another")
                if time.monotonic() - started[slot] < RESTART_PAUSE:
                    time.sleep(RESTART_PAUSE)
                children[slot] = subprocess.Popen(argv)
                started[slot] = time.monotonic()
