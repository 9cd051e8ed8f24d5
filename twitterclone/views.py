"""Site-wide views that belong to no app."""

from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static

FAVICON = "favicon.svg"


def favicon(request):
    """Send browsers' automatic /favicon.ico request to the site's icon."""
    # Temporary (302): in production the static name carries a hash that changes with the file,
    # and a browser would keep a permanent redirect to a name that is gone.
    return redirect(static(FAVICON))


def healthz(request):
    """Liveness: the process answers. Touches nothing else, so a database outage never makes
    a load balancer restart healthy app servers (that is what /readyz is for)."""
    return HttpResponse("ok\n", content_type="text/plain")


def readyz(request):
    """Readiness: the database answers a one-row read. 503 when it does not, so a load balancer
    stops sending traffic here; also the one-query floor that bench/load.py measures against."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM users ORDER BY id LIMIT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
