"""JSON answers for /api/ requests that Django itself would answer with an HTML page.

An API client must never have to parse HTML: a path no endpoint matches, a CSRF failure, a
404 raised outside DRF and an unhandled error all answer {"detail": ...} under /api/. Every
other path keeps Django's pages (templates/404.html, 500.html, the CSRF page).
"""

from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.views import csrf, defaults
from django.views.decorators.csrf import csrf_exempt

API_PREFIX = "/api/"
NOT_FOUND_NAME = "api-not-found"
NOT_FOUND = "Not found."
DID_YOU_MEAN = "Not found. Did you mean {path}?"
CSRF_FAILED = "CSRF Failed: {reason}"
SERVER_ERROR = "Server error."


def is_api_path(request) -> bool:
    """Return whether `request` is for the JSON API (its path starts with /api/)."""
    return request.path_info.startswith(API_PREFIX)


def _route_exists(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.url_name != NOT_FOUND_NAME


def _slash_twin(path: str) -> str | None:
    # One URL per resource: the slash variant is refused, but its answer names the real path.
    twin = path[:-1] if path.endswith("/") else f"{path}/"
    return twin if twin.startswith(API_PREFIX) and _route_exists(twin) else None


# Exempt: it never writes, and the CSRF check would answer an unmatched POST with HTML 403
# before the 404 (a bearer-token client sends no CSRF token).
@csrf_exempt
def not_found(request, *args, **kwargs):
    """Answer any /api/ path no endpoint matches, whatever the method, with a JSON 404."""
    twin = _slash_twin(request.path_info)
    if twin is None:
        return JsonResponse({"detail": NOT_FOUND}, status=404)
    script_prefix = request.path.removesuffix(request.path_info)
    return JsonResponse({"detail": DID_YOU_MEAN.format(path=script_prefix + twin)}, status=404)


def csrf_failure(request, reason: str = ""):
    """CSRF_FAILURE_VIEW: JSON 403 under /api/ (as DRF's own check answers), else Django's page."""
    if is_api_path(request):
        return JsonResponse({"detail": CSRF_FAILED.format(reason=reason)}, status=403)
    return csrf.csrf_failure(request, reason=reason)


def page_not_found(request, exception):
    """handler404: JSON under /api/, templates/404.html elsewhere."""
    if is_api_path(request):
        return JsonResponse({"detail": NOT_FOUND}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """handler500: JSON under /api/, templates/500.html elsewhere."""
    if is_api_path(request):
        return JsonResponse({"detail": SERVER_ERROR}, status=500)
    return defaults.server_error(request)
