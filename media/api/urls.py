from django.urls import path

from . import views

# /media is kept free for a Mastodon-compatible API.
urlpatterns = [
    path("uploads", views.UploadCreateApi.as_view(), name="api-uploads"),
    path("uploads/<bigint:pk>", views.UploadDetailApi.as_view(), name="api-upload"),
]
