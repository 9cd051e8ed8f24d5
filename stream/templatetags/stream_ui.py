"""Where a page opens its live stream (STREAM_URL, or this origin's /api/v1/me/stream)."""

from django import template
from django.conf import settings
from django.urls import reverse

register = template.Library()


@register.simple_tag
def stream_url() -> str:
    """Return the URL of the signed-in user's event stream."""
    return settings.STREAM_URL.rstrip("/") + reverse("api-me-stream")
