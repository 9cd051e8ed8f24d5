"""The S3 path of media storage, against a real S3-compatible server started here.

moto's server mode (requirements-dev.txt) runs as its own process on a free port; the app's
storage is configured exactly as MEDIA_STORAGE=s3 configures it in production
(twitterclone.settings.base.media_storage_from_env), and files travel over HTTP.
"""

import socket
import subprocess
import sys
import time
import urllib.request

import boto3
import pytest
from django.core.files.storage import default_storage

from accounts.tests.factories import user_create
from media.models import Upload
from media.tests.images import jpeg, upload
from tweets.models import Tweet
from tweets.services import tweet_delete
from tweets.tests.factories import committed
from twitterclone.settings.base import media_storage_from_env
from twitterclone.tests.api_helpers import bearer_client

pytestmark = pytest.mark.django_db

BUCKET = "tc-media-test"
KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """Start moto's S3 server as a process; yield its URL; stop it."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("moto's S3 server did not start")
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def s3(s3_endpoint, settings, monkeypatch):
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **_keys())
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": media_storage_from_env(
            {
                "MEDIA_STORAGE": "s3",
                "MEDIA_S3_BUCKET": BUCKET,
                "MEDIA_S3_ENDPOINT_URL": s3_endpoint,
                "MEDIA_S3_REGION": "us-east-1",
                # Objects readable by anyone with the name (or a bucket policy that says so).
                "MEDIA_S3_ACL": "public-read",
            }
        ),
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys() -> dict:
    return {"aws_access_key_id": KEYS["AWS_ACCESS_KEY_ID"], "aws_secret_access_key": "testing"}


def _keys_in(client) -> set[str]:
    return {item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_uploads_are_stored_in_the_bucket_and_served_from_it(s3, s3_endpoint):
    assert default_storage.url("x.jpg").startswith(s3_endpoint)
    alice = user_create()
    api = bearer_client(user=alice)
    body = api.post("/api/v1/uploads", {"file": upload(jpeg())}, format="multipart").json()
    row = Upload.objects.get(pk=body["id"])
    assert _keys_in(s3) == set(row.names())
    head = s3.head_object(Bucket=BUCKET, Key=row.file)
    assert head["ContentType"] == "image/jpeg"
    assert head["ContentDisposition"] == "inline"
    assert "immutable" in head["CacheControl"]
    # The URL is the bucket's own, unsigned: the random name is the capability.
    assert body["url"] == f"{s3_endpoint}/{BUCKET}/{row.file}"
    with urllib.request.urlopen(body["preview_url"]) as response:
        assert response.read()[:3] == b"\xff\xd8\xff"

    tweet_id = api.post(
        "/api/v1/tweets", {"content": "from s3", "media_ids": [row.pk]}, format="json"
    ).json()["id"]
    committed(tweet_delete)(tweet=Tweet.objects.get(pk=tweet_id), actor=alice)
    assert _keys_in(s3) == set()


def test_an_avatar_is_cropped_from_the_bucket(s3):
    alice = user_create()
    api = bearer_client(user=alice)
    upload_id = api.post("/api/v1/uploads", {"file": upload(jpeg())}, format="multipart").json()[
        "id"
    ]
    response = api.patch("/api/v1/me", {"avatar_id": upload_id}, format="json")
    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.avatar_file in _keys_in(s3)
