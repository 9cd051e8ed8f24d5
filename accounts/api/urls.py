from django.urls import path

from . import views

urlpatterns = [
    path("auth/register", views.RegisterApi.as_view(), name="api-register"),
    path("auth/token", views.TokenApi.as_view(), name="api-token"),
    path("me", views.MeApi.as_view(), name="api-me"),
]
