"""POST/PATCH /api/v1/uploads, media_ids on POST /tweets, avatar_id/header_id on PATCH /me.

Every bad file the issue names answers 400 with a message under `file` and stores nothing (no
row, no file); the processing keeps no metadata in any rendition.
"""

import io
import tracemalloc
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import user_create
from media import processing, services
from media.models import Upload
from media.tests.conftest import stored_files
from media.tests.images import (
    animated_gif,
    declared_bomb,
    encoded,
    gps_exif,
    jpeg,
    picture,
    png,
    upload,
)
from tweets.models import Tweet
from tweets.services import tweet_delete
from tweets.tests.factories import committed
from twitterclone.tests.api_helpers import bearer_client

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def alice():
    return user_create(username="alice")


@pytest.fixture
def client(alice):
    return bearer_client(user=alice)


def post_file(client, data: bytes, name="photo.jpg", content_type="image/jpeg", **fields):
    return client.post(
        f"{API}/uploads",
        {"file": upload(data, name, content_type), **fields},
        format="multipart",
    )


def served(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content)


def test_upload_answers_the_renditions_and_stores_three_files(client, alice, media_root):
    response = post_file(client, jpeg((1200, 800)), alt_text="A yellow sun on blue")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == {
        "id", "type", "url", "preview_url", "width", "height", "alt_text", "blurhash"
    }  # fmt: skip
    assert (body["type"], body["width"], body["height"]) == ("image", 1200, 800)
    assert body["alt_text"] == "A yellow sun on blue"
    assert len(body["blurhash"]) == 6 + 2 * (4 * 3 - 1)  # 4x3 components
    upload_row = Upload.objects.get(pk=body["id"])
    assert upload_row.owner_id == alice.pk and upload_row.used_as == ""
    assert stored_files(media_root) == set(upload_row.names())
    preview = Image.open(io.BytesIO(served(client, body["preview_url"])))
    assert max(preview.size) == processing.PREVIEW_SIDE
    assert Image.open(io.BytesIO(served(client, body["url"]))).size == (1200, 800)


def test_file_names_are_random_and_long(client, media_root):
    names = [Upload.objects.get(pk=post_file(client, jpeg()).json()["id"]).file for _ in "ab"]
    assert names[0] != names[1]
    # token_urlsafe(20): 27 characters of 6 bits, 160 random bits.
    assert all(len(name.split(".")[0]) == 27 for name in names)


def test_the_type_comes_from_the_bytes_not_the_name(client, media_root):
    # A PNG named .gif and sent as text/plain is a PNG, stored as what it is.
    response = post_file(client, png(), name="x.gif", content_type="text/plain")
    assert response.status_code == 201
    assert response.json()["url"].endswith(".jpg")  # opaque: re-encoded as JPEG


BAD_FILES = {
    "svg": (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "a.svg"),
    "html": (b"<!doctype html><html><script>alert(1)</script></html>", "a.jpg"),
    "pdf": (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "a.pdf"),
    "text named jpg": (b"just some words", "a.jpg"),
    "bmp": (encoded(picture((20, 20)), "BMP"), "a.bmp"),
    "tiff": (encoded(picture((20, 20)), "TIFF"), "a.tiff"),
    "empty": (b"", "a.jpg"),
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_other_types_answer_400_and_store_nothing(client, media_root, kind):
    data, name = BAD_FILES[kind]
    response = post_file(client, data, name=name)
    assert response.status_code == 400
    assert list(response.json()) == ["file"]
    assert not Upload.objects.exists()
    assert stored_files(media_root) == set()


def test_svg_gets_the_clear_message(client, media_root):
    response = post_file(client, BAD_FILES["svg"][0], name="a.svg", content_type="image/svg+xml")
    assert response.json() == {"file": [processing.UNSUPPORTED]}


def test_a_file_over_10_mb_answers_400_and_stores_nothing(client, media_root, settings):
    # Noise does not compress: a real 10 MB+ PNG.
    noise = Image.frombytes("RGB", (2000, 1800), bytes(range(256)) * 42188)
    data = encoded(noise, "PNG", compress_level=0)
    assert len(data) > 10 * 1024 * 1024
    response = post_file(client, data, name="big.png", content_type="image/png")
    assert response.status_code == 400
    assert response.json() == {"file": [processing.TOO_BIG]}
    assert not Upload.objects.exists() and stored_files(media_root) == set()


def test_a_pixel_bomb_answers_400_without_decoding(client, media_root):
    data = declared_bomb()
    assert len(data) < 1_000_000
    tracemalloc.start()
    response = post_file(client, data, name="bomb.png", content_type="image/png")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert response.status_code == 400
    assert response.json() == {"file": [processing.TOO_MANY_PIXELS]}
    # 2.5 G pixels were declared; decoding even one bit each would need 300 MB.
    assert peak < 20 * 1024 * 1024
    assert not Upload.objects.exists() and stored_files(media_root) == set()


def test_a_gif_of_10000_frames_answers_400(client, media_root):
    response = post_file(client, animated_gif(10_000), name="a.gif", content_type="image/gif")
    assert response.status_code == 400
    assert response.json() == {"file": [processing.TOO_MANY_FRAMES]}
    assert not Upload.objects.exists() and stored_files(media_root) == set()


def test_truncated_and_corrupt_files_answer_400(client, media_root):
    whole = jpeg((640, 480), quality=95)
    truncated = whole[: len(whole) // 2]
    corrupt = whole[:200] + bytes(len(whole) - 200)
    for data in (truncated, corrupt, png()[:400]):
        response = post_file(client, data)
        assert response.status_code == 400
        assert list(response.json()) == ["file"]
    assert not Upload.objects.exists() and stored_files(media_root) == set()


def test_alt_text_over_1500_characters_answers_400(client, media_root):
    response = post_file(client, jpeg(), alt_text="x" * 1501)
    assert response.status_code == 400
    assert response.json() == {"alt_text": [services.ALT_TEXT_TOO_LONG]}
    assert not Upload.objects.exists() and stored_files(media_root) == set()
    assert post_file(client, jpeg(), alt_text="x" * 1500).status_code == 201


def test_uploads_need_a_token(media_root):
    response = APIClient().post(f"{API}/uploads", {"file": upload(jpeg())}, format="multipart")
    assert response.status_code == 401
    assert stored_files(media_root) == set()


def _all_renditions(upload_row: Upload) -> list[bytes]:
    return [Path(default_storage.path(name)).read_bytes() for name in upload_row.names()]


@pytest.mark.parametrize(
    "data, name",
    [
        (encoded(picture((900, 600)), "JPEG", exif=gps_exif()), "gps.jpg"),
        (encoded(picture((900, 600), "RGBA"), "PNG", exif=gps_exif()), "gps.png"),
        (encoded(picture((900, 600)), "WEBP", exif=gps_exif()), "gps.webp"),
    ],
    ids=["jpeg", "png", "webp"],
)
def test_gps_exif_is_gone_from_every_stored_rendition(client, media_root, data, name):
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the upload has GPS
    response = post_file(client, data, name=name)
    assert response.status_code == 201
    renditions = _all_renditions(Upload.objects.get(pk=response.json()["id"]))
    assert len(renditions) == 3
    for stored in renditions:
        image = Image.open(io.BytesIO(stored))
        assert dict(image.getexif()) == {}
        assert not {"exif", "xmp", "icc_profile", "XML:com.adobe.xmp"} & set(image.info)
        assert b"Exif" not in stored and b"PhoneCo" not in stored


def test_exif_orientation_is_applied_before_it_is_stripped(client, media_root):
    data = encoded(picture((300, 200)), "JPEG", exif=gps_exif(orientation=6))
    body = post_file(client, data).json()
    assert (body["width"], body["height"]) == (200, 300)


def test_a_large_image_is_capped_at_4096_px(client, media_root):
    body = post_file(client, jpeg((5000, 2500))).json()
    assert (body["width"], body["height"]) == (4096, 2048)


def test_an_animated_gif_stays_animated(client, media_root):
    response = post_file(client, animated_gif(12, size=(80, 40)), "a.gif", "image/gif")
    assert response.status_code == 201
    body = response.json()
    assert body["type"] == "gif"
    stored = Image.open(io.BytesIO(served(client, body["url"])))
    assert stored.format == "GIF" and stored.n_frames == 12


def test_transparency_is_kept(client, media_root):
    body = post_file(client, encoded(picture((300, 300), "RGBA"), "PNG"), "a.png").json()
    assert Image.open(io.BytesIO(served(client, body["url"]))).mode == "RGBA"


def test_alt_text_is_editable_until_posted(client, alice, media_root):
    upload_id = post_file(client, jpeg()).json()["id"]
    response = client.patch(f"{API}/uploads/{upload_id}", {"alt_text": "A cat"}, format="json")
    assert response.status_code == 200 and response.json()["alt_text"] == "A cat"
    assert (
        client.post(
            f"{API}/tweets", {"content": "look", "media_ids": [upload_id]}, format="json"
        ).status_code
        == 201
    )
    response = client.patch(f"{API}/uploads/{upload_id}", {"alt_text": "A dog"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"alt_text": [services.ALT_TEXT_FROZEN]}
    assert Upload.objects.get(pk=upload_id).alt_text == "A cat"


def test_someone_elses_upload_is_404_to_patch(client, media_root):
    bob = user_create(username="bob")
    upload_id = post_file(bearer_client(user=bob), jpeg()).json()["id"]
    response = client.patch(f"{API}/uploads/{upload_id}", {"alt_text": "mine"}, format="json")
    assert response.status_code == 404
    assert Upload.objects.get(pk=upload_id).alt_text == ""


def test_a_tweet_carries_its_uploads_in_order(client, media_root):
    first = post_file(client, jpeg((400, 300)), alt_text="first").json()
    second = post_file(client, png((300, 600)), alt_text="second").json()
    response = client.post(
        f"{API}/tweets",
        {"content": "two pictures", "media_ids": [second["id"], first["id"]], "sensitive": True},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [item["alt_text"] for item in body["media"]] == ["second", "first"]
    assert body["media"][0] == second
    assert body["sensitive"] is True and body["media_urls"] == []
    tweet = Tweet.objects.get(pk=body["id"])
    assert Upload.objects.filter(tweet_id=tweet.pk, used_as="tweet").count() == 2
    # Read back through the tweet's own endpoint too: the whole body, as the post answered it
    # (the post renders what it wrote, tweets.selectors.tweet_get_visible_posted).
    assert client.get(f"{API}/tweets/{tweet.pk}").content == response.content


def _assert_no_tweet(response, field="media_ids"):
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Tweet.objects.exists()


def test_someone_elses_upload_id_is_400_naming_the_field(client, media_root):
    bob = user_create(username="bob")
    bobs = post_file(bearer_client(user=bob), jpeg()).json()["id"]
    response = client.post(f"{API}/tweets", {"content": "x", "media_ids": [bobs]}, format="json")
    _assert_no_tweet(response)
    assert response.json() == {"media_ids": [services.MEDIA_UNAVAILABLE]}
    assert Upload.objects.get(pk=bobs).used_as == ""


def test_more_than_four_uploads_is_400(client, media_root):
    ids = [post_file(client, jpeg((50, 50))).json()["id"] for _ in range(5)]
    response = client.post(f"{API}/tweets", {"content": "x", "media_ids": ids}, format="json")
    _assert_no_tweet(response)
    assert not Upload.objects.exclude(used_as="").exists()


def test_an_upload_is_posted_once(client, media_root):
    upload_id = post_file(client, jpeg()).json()["id"]
    body = {"content": "x", "media_ids": [upload_id]}
    assert client.post(f"{API}/tweets", body, format="json").status_code == 201
    response = client.post(f"{API}/tweets", body, format="json")
    assert response.status_code == 400 and list(response.json()) == ["media_ids"]
    assert Tweet.objects.count() == 1
    repeated = post_file(client, jpeg()).json()["id"]
    response = client.post(
        f"{API}/tweets", {"content": "y", "media_ids": [repeated, repeated]}, format="json"
    )
    assert response.status_code == 400 and Tweet.objects.count() == 1


@pytest.mark.parametrize("bad", [["1"], [0], [True], "12", [2**63]])
def test_bad_media_ids_answer_400(client, bad):
    _assert_no_tweet(
        client.post(f"{API}/tweets", {"content": "x", "media_ids": bad}, format="json")
    )


def test_deleting_a_tweet_deletes_its_files_in_a_job(client, alice, media_root):
    ids = [post_file(client, jpeg()).json()["id"] for _ in range(2)]
    tweet_id = client.post(
        f"{API}/tweets", {"content": "x", "media_ids": ids}, format="json"
    ).json()["id"]
    assert len(stored_files(media_root)) == 6
    committed(tweet_delete)(tweet=Tweet.objects.get(pk=tweet_id), actor=alice)
    assert not Upload.objects.exists()
    assert stored_files(media_root) == set()


def test_unattached_uploads_expire_after_24_hours(client, alice, media_root):
    old = post_file(client, jpeg()).json()["id"]
    young = post_file(client, jpeg()).json()["id"]
    posted = post_file(client, jpeg()).json()["id"]
    client.post(f"{API}/tweets", {"content": "x", "media_ids": [posted]}, format="json")
    long_ago = timezone.now() - timezone.timedelta(hours=25)
    Upload.objects.filter(pk__in=[old, posted]).update(created_at=long_ago)
    old_names = set(Upload.objects.get(pk=old).names())
    with committed_commands():
        call_command("expire_uploads", stdout=io.StringIO())
    assert set(Upload.objects.values_list("pk", flat=True)) == {young, posted}
    assert not old_names & stored_files(media_root)
    assert len(stored_files(media_root)) == 6


def committed_commands():
    """Run the on-commit jobs queued inside the block once it ends (file deletions)."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def test_avatar_and_header_are_cropped_and_shown(client, alice, media_root):
    avatar = post_file(client, jpeg((900, 600))).json()["id"]
    header = post_file(client, jpeg((900, 900))).json()["id"]
    with committed_commands():
        response = client.patch(
            f"{API}/me", {"avatar_id": avatar, "header_id": header}, format="json"
        )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert Image.open(io.BytesIO(served(client, body["profile_image_url"]))).size == (400, 400)
    assert Image.open(io.BytesIO(served(client, body["header_image_url"]))).size == (1500, 500)
    # Only the crops are kept: one file each.
    assert len(stored_files(media_root)) == 2
    tweet = client.post(f"{API}/tweets", {"content": "hi"}, format="json").json()
    assert tweet["author"]["profile_image_url"] == body["profile_image_url"]


def test_a_new_avatar_replaces_the_old_files(client, alice, media_root):
    first = post_file(client, jpeg()).json()["id"]
    with committed_commands():
        client.patch(f"{API}/me", {"avatar_id": first}, format="json")
    second = post_file(client, jpeg()).json()["id"]
    with committed_commands():
        body = client.patch(f"{API}/me", {"avatar_id": second}, format="json").json()
    assert list(Upload.objects.values_list("pk", flat=True)) == [second]
    assert stored_files(media_root) == {body["profile_image_url"].rsplit("/", 1)[1]}
    with committed_commands():
        body = client.patch(f"{API}/me", {"avatar_id": None}, format="json").json()
    assert body["profile_image_url"] == "" and stored_files(media_root) == set()


def test_someone_elses_upload_cannot_be_my_avatar(client, alice, media_root):
    bobs = post_file(bearer_client(user=user_create(username="bob")), jpeg()).json()["id"]
    response = client.patch(f"{API}/me", {"avatar_id": bobs}, format="json")
    assert response.status_code == 400
    assert response.json() == {"avatar_id": [services.IMAGE_UNAVAILABLE]}
    alice.refresh_from_db()
    assert alice.avatar_file == ""


def test_the_url_avatar_keeps_working(client, alice):
    response = client.patch(
        f"{API}/me", {"profile_image_url": "https://example.com/a.png"}, format="json"
    )
    assert response.json()["profile_image_url"] == "https://example.com/a.png"
    assert response.json()["header_image_url"] == ""


def test_a_large_jpeg_is_decoded_at_reduced_scale_and_capped(client, media_root):
    body = post_file(client, jpeg((9000, 5000))).json()
    assert (body["width"], body["height"]) == (4096, 2276)


def test_patch_without_alt_text_changes_nothing(client, media_root):
    upload_id = post_file(client, jpeg(), alt_text="kept").json()["id"]
    response = client.patch(f"{API}/uploads/{upload_id}", {}, format="json")
    assert response.status_code == 200 and response.json()["alt_text"] == "kept"


def test_deleting_an_account_deletes_every_file_it_uploaded(client, alice, media_root):
    """Its tweets' images, its avatar and an unattached upload: none stays served."""
    in_tweet = post_file(client, jpeg()).json()["id"]
    client.post(f"{API}/tweets", {"content": "x", "media_ids": [in_tweet]}, format="json")
    avatar = post_file(client, jpeg((600, 600))).json()["id"]
    with committed_commands():
        assert client.patch(f"{API}/me", {"avatar_id": avatar}, format="json").status_code == 200
    post_file(client, png())  # never attached
    bob = user_create(username="bob")
    kept = post_file(bearer_client(user=bob), jpeg()).json()["id"]
    kept_names = set(Upload.objects.get(pk=kept).names())
    assert stored_files(media_root) - kept_names  # alice's files are there

    with committed_commands():
        User.objects.get(pk=alice.pk).delete()

    assert not Upload.objects.filter(owner_id=alice.pk).exists()
    assert stored_files(media_root) == kept_names  # only bob's remain
