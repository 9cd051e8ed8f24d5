"""Serve stored media when Django is the server (MEDIA_SERVE: development, one box).

Only names media.models.new_name makes are served, with the type their extension says (the
format the processing wrote), never sniffed, inline, and under a CSP that lets the file run
nothing, even opened on its own. In production the object store or the front server serves
them with the same headers (docs/scaling.md "Media").
"""

import re

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif"}
NAME_RE = re.compile(r"\A[A-Za-z0-9_-]{27}(?:-[ptah])?\.(jpg|png|webp|gif)\Z")
MEDIA_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


@require_safe
def serve(request, name: str):
    """Answer one stored file by its random name, or 404."""
    match = NAME_RE.match(name)
    if match is None:
        raise Http404("No such file.")
    try:
        handle = default_storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404("No such file.") from None
    response = FileResponse(handle, content_type=CONTENT_TYPES[match.group(1)])
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_CSP
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
