"""Acceptance, part two: Mastodon.py posts an image with alt text (v2 media), reads the
instance and its NodeInfo, and reads an `update` from the stream (stream_user) served by a
real granian ASGI process, as deploy/stream.sh runs it.

The REST API is the live test server (WSGI); the instance's streaming URL points Mastodon.py
at the granian process (STREAM_URL), exactly as a deployment with a separate stream origin.
"""

import queue
import threading

import pytest
from django.core.cache import cache
from mastodon import StreamListener

from accounts.tests.factories import user_create
from mastodon_api.discovery import COUNTS_KEY
from media.models import Upload
from media.tests.images import png

from .test_mastodonpy import _log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path):
    settings.API_THROTTLING = False
    settings.MEDIA_ROOT = tmp_path


class Collect(StreamListener):
    def __init__(self):
        self.updates: queue.Queue = queue.Queue()
        self.notifications: queue.Queue = queue.Queue()

    def on_update(self, status):
        self.updates.put(status)

    def on_notification(self, notification):
        self.notifications.put(notification)


def test_post_an_image_with_alt_text_and_read_the_instance(live_server, tmp_path):
    alice = user_create(username="alice")
    api = _log_in(live_server.url, alice)
    image = tmp_path / "drawing.png"
    image.write_bytes(png((900, 300)))
    media = api.media_post(str(image), mime_type="image/png", description="a wide drawing")
    assert media.type == "image" and media.description == "a wide drawing"
    assert media.meta.original.width == 900 and media.meta.small.width == 600
    assert api.media(media.id).id == media.id
    media = api.media_update(media.id, description="a very wide drawing")
    assert media.description == "a very wide drawing"
    status = api.status_post("look at this", media_ids=[media.id])
    attachment = status.media_attachments[0]
    assert attachment.id == media.id and attachment.description == "a very wide drawing"
    assert attachment.url.startswith(live_server.url) and attachment.blurhash
    assert Upload.objects.get(pk=int(media.id)).tweet_id == int(status.id)
    assert api.status(status.id).media_attachments[0].preview_url == attachment.preview_url

    instance = api.instance()
    assert instance.configuration.statuses.max_characters == 280
    assert instance.configuration.media_attachments.description_limit == 1500
    assert instance.configuration.urls.streaming.startswith("ws://")
    cache.delete(COUNTS_KEY)  # counts are cached for 10 minutes; read them anew
    nodeinfo = api.instance_nodeinfo()
    assert nodeinfo.software.name == "twitterclone" and nodeinfo.protocols == []
    assert nodeinfo.usage.users.total == 1 and nodeinfo.usage.localPosts == 1


def test_stream_user_reads_an_update_and_a_notification(live_server, stream_server, settings):
    settings.STREAM_URL = f"http://127.0.0.1:{stream_server.port}"
    alice = user_create(username="alice")
    bob = user_create(username="bob")
    api = _log_in(live_server.url, alice)
    bob_api = _log_in(live_server.url, bob)
    api.account_follow(bob.pk)
    assert api.stream_healthy() is True

    listener = Collect()
    handle = api.stream_user(listener, run_async=True, reconnect_async=False)
    try:
        # The stream is subscribed once it is receiving; give the thread a moment to be.
        ready = threading.Event()
        for _ in range(50):
            if handle.is_receiving():
                ready.set()
                break
            ready.wait(0.1)
        assert ready.is_set()
        # Headers can reach the client a moment before the hub subscribed the stream: a
        # status posted in that moment is not streamed (clients re-read the timeline).
        for attempt in range(3):
            posted = bob_api.status_post(f"streamed to alice {attempt}")
            try:
                update = listener.updates.get(timeout=5)
                break
            except queue.Empty:
                continue
        else:
            pytest.fail("no update event")
        assert update.id == posted.id and update.account.acct == "bob"
        assert "streamed to alice" in update.content
        mine = api.status_post("like this, bob")
        bob_api.status_favourite(mine.id)
        bob_api.account_follow(alice.pk)
        kinds = {listener.notifications.get(timeout=5).type for _ in range(2)}
        assert kinds == {"favourite", "follow"}
    finally:
        handle.close()
