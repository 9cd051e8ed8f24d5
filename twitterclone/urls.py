from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from twitterclone.api import BigIntConverter, UsernameConverter, not_found
from twitterclone.views import favicon

register_converter(BigIntConverter, "bigint")
register_converter(UsernameConverter, "username")

api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("social.api.urls")),
    path("", include("tweets.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^.*$", not_found),  # last: unmatched API paths get JSON, not the HTML 404 page
]

urlpatterns = [
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("", include("accounts.urls")),
    path("", include("social.urls")),
    path("", include("tweets.urls")),
]

# Local settings only: test and production never install or import the toolbar.
if "debug_toolbar" in settings.INSTALLED_APPS:  # pragma: no cover
    urlpatterns.append(path("__debug__/", include("debug_toolbar.urls")))
