"""Mastodon's media endpoints over the media app: POST /api/v2/media, GET|PUT /api/v1/media/:id.

Uploads are processed synchronously (media.services), so POST answers 200 with the finished
MediaAttachment (never 202). `focus` is accepted and ignored (the project crops nothing).
Only the uploader sees or changes an upload: anyone else's id is 404, as in the project's
own API (media.selectors.upload_get_own).
"""

from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from media import selectors, services
from twitterclone.api import WriteThrottle

from . import entities
from .views import MastodonView, _int


def _description(data) -> str | None:
    value = data.get("description")
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError({"description": ["must be text"]})
    return value


class MediaCreateApi(MastodonView):
    """POST /api/v2/media (and the older /api/v1/media): upload an image with its alt text."""

    scopes = {"POST": "write:media"}
    throttle_classes = [WriteThrottle]

    def post(self, request):
        description = _description(request.data) or ""
        processed = services.upload_process(
            file=request.FILES.get("file"),
            alt_text=description,
            field="file",
            alt_field="description",
        )
        upload = services.upload_store(
            owner=request.user, processed=processed, alt_text=description
        )
        return Response(entities.upload_attachment(request, upload))


class MediaApi(MastodonView):
    """GET /api/v1/media/:id (the owner's upload) and PUT (its description, until posted)."""

    scopes = {"GET": "write:media", "PUT": "write:media"}

    def get_throttles(self):
        return [WriteThrottle()] if self.request.method == "PUT" else []

    def get(self, request, pk):
        upload = selectors.upload_get_own(owner=request.user, upload_id=_int(pk, "id") or 0)
        return Response(entities.upload_attachment(request, upload))

    def put(self, request, pk):
        upload_id = _int(pk, "id") or 0
        description = _description(request.data)
        if description is None:  # only `focus` (ignored) or nothing: unchanged
            upload = selectors.upload_get_own(owner=request.user, upload_id=upload_id)
        else:
            upload = services.upload_alt_text_set(
                owner=request.user, upload_id=upload_id, alt_text=description
            )
        return Response(entities.upload_attachment(request, upload))
