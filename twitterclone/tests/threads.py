"""Run a test's request in a thread of its own, where no event loop runs.

pytest-django runs the transactional tests last, after the browser tests; Playwright's
synchronous API leaves its event loop set as running in the main thread for the rest of the
session, and Django's test Client calling an async view (async_to_sync) refuses to run in a
thread with a running loop. A fresh thread has none.
"""

from concurrent.futures import ThreadPoolExecutor

from django.db import connections


def without_event_loop(fn):
    """Return fn() run in a new thread (its exception re-raised here), its connections closed."""

    def run():
        try:
            return fn()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()
