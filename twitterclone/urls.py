from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from media.views import serve as media_serve
from twitterclone import api_errors, metrics
from twitterclone.api import BigIntConverter, UsernameConverter
from twitterclone.views import favicon, healthz, readyz

register_converter(BigIntConverter, "bigint")
register_converter(UsernameConverter, "username")

api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("media.api.urls")),
    path("", include("social.api.urls")),
    path("", include("search.api.urls")),
    path("", include("tweets.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("stream.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("favicon.ico", favicon),
    # Load balancer probes (docs/scaling.md): liveness, and readiness with one database read.
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    # Prometheus metrics: internal networks (METRICS_ALLOWED_NETWORKS) and staff only.
    path("metrics", metrics.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    # The Mastodon-compatible client API and its OAuth (docs/api.md): paths of their own.
    path("", include("mastodon_api.urls")),
    path("", include("accounts.urls")),
    path("", include("social.urls")),
    path("", include("tweets.urls")),
    path("", include("search.urls")),
    path("", include("notifications.urls")),
    path("", include("stream.urls")),
    # Last, so any API layer added above wins: every other /api/ path, whatever the method and
    # whatever it holds (newlines too, hence [\s\S]), is a JSON 404 instead of an HTML page.
    re_path(r"^api/[\s\S]*\Z", api_errors.not_found, name=api_errors.NOT_FOUND_NAME),
]

# Uploaded media, when Django serves them (settings.MEDIA_SERVE; docs/scaling.md "Media").
if settings.MEDIA_SERVE:
    urlpatterns.insert(0, path(f"{settings.MEDIA_URL.strip('/')}/<str:name>", media_serve))

# Under /api/ a 404 raised outside DRF or an unhandled error answers JSON; elsewhere, the pages.
handler404 = api_errors.page_not_found
handler500 = api_errors.server_error

# Local settings only: test and production never install or import the toolbar.
if "debug_toolbar" in settings.INSTALLED_APPS:  # pragma: no cover
    urlpatterns.append(path("__debug__/", include("debug_toolbar.urls")))
