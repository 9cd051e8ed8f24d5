"""POST /api/v2/media, GET|PUT /api/v1/media/:id, NodeInfo, WebFinger and host-meta."""

import pytest
from django.test import Client

from accounts.models import Privacy
from accounts.tests.factories import user_create
from media.models import Upload
from media.tests.images import animated_gif, png
from media.tests.images import upload as uploaded
from moderation.services import user_suspend

from .helpers import token_for

pytestmark = pytest.mark.django_db

MEDIA_ATTACHMENT = ["id", "type", "url", "preview_url", "remote_url", "meta", "description"]
MEDIA_ATTACHMENT += ["blurhash"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def alice():
    return user_create(username="alice")


@pytest.fixture
def api(alice):
    return Client(headers={"authorization": f"Bearer {token_for(alice)}"})


def _post(api, data=None, **extra):
    file = uploaded(png((1200, 800)), "photo.png", "image/png")
    return api.post("/api/v2/media", {"file": file, **(data or {})}, **extra)


def test_upload_answers_a_processed_attachment_with_mastodons_fields(api):
    response = _post(api, {"description": "a drawing", "focus": "0.5,-0.2"})
    assert response.status_code == 200, response.content
    media = response.json()
    assert set(MEDIA_ATTACHMENT) <= media.keys()
    assert media["type"] == "image" and media["description"] == "a drawing"
    assert media["url"].startswith("http://testserver/") and media["preview_url"] != media["url"]
    assert media["meta"]["original"] == {
        "width": 1200,
        "height": 800,
        "size": "1200x800",
        "aspect": 1.5,
    }
    assert media["meta"]["small"]["width"] == 600 and media["meta"]["small"]["height"] == 400
    assert media["blurhash"]
    assert Upload.objects.get(pk=int(media["id"])).alt_text == "a drawing"


def test_an_animated_gif_is_an_image_clients_show_as_is(api):
    file = uploaded(animated_gif(3), "moving.gif", "image/gif")
    media = api.post("/api/v2/media", {"file": file}).json()
    assert media["type"] == "image" and media["url"].endswith(".gif")
    assert media["description"] is None


def test_bad_uploads_are_422_with_the_field_and_store_nothing(api):
    empty = api.post("/api/v2/media", {"description": "no file"})
    assert empty.status_code == 422 and "file" in empty.json()["error"]
    junk = api.post("/api/v2/media", {"file": uploaded(b"not an image", "x.png", "image/png")})
    assert junk.status_code == 422 and "file" in junk.json()["error"]
    long = _post(api, {"description": "x" * 1501})
    assert long.status_code == 422 and "description" in long.json()["error"]
    assert not Upload.objects.exists()


def test_upload_needs_write_media_and_a_token(alice):
    assert Client().post("/api/v2/media").status_code == 401
    reader = Client(headers={"authorization": f"Bearer {token_for(alice, scope='read')}"})
    assert _post(reader).status_code == 403
    writer = Client(headers={"authorization": f"Bearer {token_for(alice, scope='write:media')}"})
    assert _post(writer).status_code == 200


def test_only_the_owner_reads_or_describes_an_upload(api):
    media = _post(api).json()
    assert api.get(f"/api/v1/media/{media['id']}").json()["id"] == media["id"]
    changed = api.put(
        f"/api/v1/media/{media['id']}",
        {"description": "now described"},
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["description"] == "now described"
    unchanged = api.put(
        f"/api/v1/media/{media['id']}", {"focus": "0,0"}, content_type="application/json"
    )
    assert unchanged.json()["description"] == "now described"
    mallory = user_create(username="mallory")
    other = Client(headers={"authorization": f"Bearer {token_for(mallory)}"})
    assert other.get(f"/api/v1/media/{media['id']}").status_code == 404
    stolen = other.put(
        f"/api/v1/media/{media['id']}", {"description": "mine"}, content_type="application/json"
    )
    assert stolen.status_code == 404
    assert Upload.objects.get(pk=int(media["id"])).alt_text == "now described"
    assert api.get("/api/v1/media/99999999").status_code == 404


def test_media_ids_post_an_uploaded_image_and_its_description_then_freezes(api):
    media = _post(api, {"description": "alt"}).json()
    status = api.post(
        "/api/v1/statuses", {"status": "with a picture", "media_ids[]": [media["id"]]}
    )
    assert status.status_code == 200, status.content
    attachment = status.json()["media_attachments"][0]
    assert attachment["id"] == media["id"] and attachment["description"] == "alt"
    assert attachment["meta"]["small"]["width"] == 600
    frozen = api.put(
        f"/api/v1/media/{media['id']}", {"description": "late"}, content_type="application/json"
    )
    assert frozen.status_code == 422
    again = api.post("/api/v1/statuses", {"status": "twice", "media_ids[]": [media["id"]]})
    assert again.status_code == 422


def test_nodeinfo_names_the_software_and_counts():
    user_create(username="alice")
    index = Client().get("/.well-known/nodeinfo").json()
    href = index["links"][0]["href"]
    assert index["links"][0]["rel"] == "http://nodeinfo.diaspora.software/ns/schema/2.0"
    response = Client().get(href)
    assert response["Content-Type"].startswith("application/json")
    info = response.json()
    assert info["version"] == "2.0" and info["software"]["name"] == "twitterclone"
    assert info["protocols"] == [] and info["openRegistrations"] is True
    assert info["usage"]["users"]["total"] == 1 and info["usage"]["localPosts"] == 0


def test_webfinger_answers_local_accounts_only():
    alice = user_create(username="alice")
    found = Client().get("/.well-known/webfinger", {"resource": "acct:alice@testserver"})
    assert found.status_code == 200 and found["Content-Type"] == "application/jrd+json"
    assert found["Access-Control-Allow-Origin"] == "*"
    jrd = found.json()
    assert jrd["subject"] == "acct:alice@testserver"
    rels = {link["rel"]: link["href"] for link in jrd["links"]}
    assert rels["http://webfinger.net/rel/profile-page"] == "http://testserver/@alice"
    assert rels["self"] == f"http://testserver/api/v1/accounts/{alice.pk}"
    by_url = Client().get("/.well-known/webfinger", {"resource": "http://testserver/@alice"})
    assert by_url.json()["subject"] == "acct:alice@testserver"
    for resource in ("acct:alice@elsewhere.example", "acct:nobody@testserver", "mailto:x@y"):
        response = Client().get("/.well-known/webfinger", {"resource": resource})
        assert response.status_code == 404, resource
    assert Client().get("/.well-known/webfinger").status_code == 400


def test_webfinger_names_a_protected_account_but_not_a_suspended_one():
    user_create(username="carol", privacy=Privacy.PROTECTED)
    dave = user_create(username="dave")
    admin = user_create(username="admin", is_staff=True)
    user_suspend(moderator=admin, user=dave)
    finger = Client().get("/.well-known/webfinger", {"resource": "acct:carol@testserver"})
    assert finger.status_code == 200
    gone = Client().get("/.well-known/webfinger", {"resource": "acct:dave@testserver"})
    assert gone.status_code == 404


def test_host_meta_points_at_webfinger():
    response = Client().get("/.well-known/host-meta")
    assert response.status_code == 200
    assert 'template="http://testserver/.well-known/webfinger?resource={uri}"' in (
        response.content.decode()
    )
