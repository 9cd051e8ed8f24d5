from django.urls import path

from . import views

urlpatterns = [
    # Included before tweets.api.urls, whose hashtags/<tag> would take "trending" as a tag.
    path("hashtags/trending", views.TrendingHashtagsApi.as_view(), name="api-hashtags-trending"),
    path("search", views.SearchApi.as_view(), name="api-search"),
]
