from django.urls import path

from . import views

urlpatterns = [
    # Server-Sent Events; served by the ASGI process (deploy/stream.sh).
    path("me/stream", views.me_stream, name="api-me-stream"),
]
