"""Developer-only hooks of the local settings (twitterclone/settings/local.py).

Test and production settings never load this module.
"""

from django.http import Http404
from django.views.defaults import page_not_found


def show_toolbar(request) -> bool:
    """Show django-debug-toolbar on local pages, never on the JSON API."""
    # Its panels read and re-parse every body they watch: a 1,000-level nested JSON body raised
    # RecursionError in the History panel (a 500), and an oversized body became Django's HTML
    # 400 before the API could answer its JSON 413. The API's queries show in its tests.
    if request.path.startswith("/api/"):
        return False
    from debug_toolbar.middleware import show_toolbar as local_request_with_debug

    return local_request_with_debug(request)


class NotFoundPageMiddleware:
    """Answer a missing page with templates/404.html although DEBUG is on.

    With DEBUG on, Django answers every 404 with its yellow technical page (the URL list), which
    is what a newcomer running `make run` would see; production shows templates/404.html.
    Tracebacks of real errors stay on the debug page. DEBUG_404=technical drops this middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # No URL matched: Django has already built its technical page from Resolver404. The API
        # answers its own 404s in JSON.
        if (
            response.status_code == 404
            and request.resolver_match is None
            and not request.path.startswith("/api/")
        ):
            return page_not_found(request, Http404())
        return response

    def process_exception(self, request, exception):
        """Render the project's page for Http404 raised by a view."""
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None
