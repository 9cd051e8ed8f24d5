"""Site-wide views that belong to no app."""

from django.shortcuts import redirect
from django.templatetags.static import static

FAVICON = "favicon.svg"


def favicon(request):
    """Send browsers' automatic /favicon.ico request to the site's icon."""
    # Temporary (302): in production the static name carries a hash that changes with the file,
    # and a browser would keep a permanent redirect to a name that is gone.
    return redirect(static(FAVICON))
