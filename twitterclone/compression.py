"""gzip for HTML and JSON responses, never for Server-Sent Events.

Django's GZipMiddleware compresses a streaming response chunk by chunk without flushing the
compressor, so a small event (a few hundred bytes) stays in zlib's buffer until kilobytes
more arrive: a live stream through it stalls (the two-browser test never saw the stream go
live). Events are small and frequent; they go out as they are.
"""

from django.middleware.gzip import GZipMiddleware as DjangoGZipMiddleware

EVENT_STREAM = "text/event-stream"


class GZipMiddleware(DjangoGZipMiddleware):
    def process_response(self, request, response):
        if response.get("Content-Type", "").startswith(EVENT_STREAM):
            return response
        return super().process_response(request, response)
