"""Mastodon's entities against its documentation's field lists, and the endpoints' edges.

The field lists are copied from github.com/mastodon/documentation, content/en/entities/
(Account.md, Status.md, Relationship.md, Instance.md, Notification.md, MediaAttachment.md,
Marker.md, Tag.md, Suggestion.md, Preferences.md) and content/en/methods/
grouped_notifications.md (GroupedNotificationsResults, NotificationGroup) at commit
2903485da54a, 2026-07-02: every field Mastodon always sends. Left out on purpose, as
Mastodon leaves them out: Account `moved`, `memorial`, `suspended`, `limited` (only when
true), `source`, `role` (CredentialAccount), `mute_expires_at` (MutedAccount); Notification
`report`, `event`, `moderation_warning` (only for those types).
"""

from io import BytesIO

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from accounts.tests.factories import user_create
from media.services import upload_create
from social.services import follow_create
from tweets.services import like_create
from tweets.tests.factories import committed, post

from .helpers import token_for

pytestmark = pytest.mark.django_db

ACCOUNT = [
    "id",
    "username",
    "acct",
    "url",
    "uri",
    "display_name",
    "note",
    "avatar",
    "avatar_static",
    "avatar_description",
    "header",
    "header_static",
    "header_description",
    "locked",
    "fields",
    "emojis",
    "bot",
    "group",
    "discoverable",
    "indexable",
    "noindex",
    "created_at",
    "last_status_at",
    "statuses_count",
    "followers_count",
    "following_count",
    "hide_collections",
    "show_media",
    "show_media_replies",
    "show_featured",
    "roles",
    "feature_approval",
]
STATUS = [
    "id",
    "uri",
    "created_at",
    "account",
    "content",
    "visibility",
    "sensitive",
    "spoiler_text",
    "media_attachments",
    "application",
    "mentions",
    "tags",
    "emojis",
    "reblogs_count",
    "favourites_count",
    "quotes_count",
    "replies_count",
    "url",
    "in_reply_to_id",
    "in_reply_to_account_id",
    "reblog",
    "poll",
    "card",
    "language",
    "text",
    "edited_at",
    "quote",
    "quote_approval",
    "favourited",
    "reblogged",
    "muted",
    "bookmarked",
    "pinned",
    "filtered",
    "tagged_collections",
]
RELATIONSHIP = [
    "id",
    "following",
    "showing_reblogs",
    "notifying",
    "languages",
    "followed_by",
    "blocking",
    "blocked_by",
    "muting",
    "muting_notifications",
    "muting_expires_at",
    "requested",
    "requested_by",
    "domain_blocking",
    "endorsed",
    "note",
]
INSTANCE = [
    "domain",
    "title",
    "version",
    "source_url",
    "description",
    "wrapstodon",
    "usage",
    "thumbnail",
    "icon",
    "languages",
    "configuration",
    "registrations",
    "api_versions",
    "contact",
    "rules",
]
NOTIFICATION = ["id", "type", "group_key", "created_at", "account", "status"]
MENTION = ["id", "username", "url", "acct"]
TAG = ["name", "url"]
# A Tag outside a status (search, trends) carries its id and history.
TAG_WITH_HISTORY = ["id", "name", "url", "history"]
TAG_HISTORY = ["day", "uses", "accounts"]
GROUPED_NOTIFICATIONS_RESULTS = ["accounts", "statuses", "notification_groups"]
NOTIFICATION_GROUP = [
    "group_key",
    "notifications_count",
    "type",
    "most_recent_notification_id",
    "sample_account_ids",
]
MARKER = ["last_read_id", "version", "updated_at"]
SUGGESTION = ["source", "sources", "account"]
PREFERENCES = [
    "posting:default:visibility",
    "posting:default:sensitive",
    "posting:default:language",
    "reading:expand:media",
    "reading:expand:spoilers",
]
SEARCH = ["accounts", "statuses", "hashtags"]


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_THROTTLING = False


@pytest.fixture
def world():
    alice = user_create(username="alice", display_name="Alice <b>A</b>")
    bob = user_create(username="bob")
    follow_create(follower=alice, followee=bob)
    original = post(bob, "hi @alice see #Django https://example.com/x?a=1&b=<2>")
    committed(like_create)(user=alice, tweet_id=original.pk)
    api = Client(headers={"authorization": f"Bearer {token_for(alice)}"})
    bob_api = Client(headers={"authorization": f"Bearer {token_for(bob)}"})
    return alice, bob, original, api, bob_api


def test_every_entity_has_the_documented_fields(world):
    _alice, bob, original, api, bob_api = world
    status = api.get(f"/api/v1/statuses/{original.pk}").json()
    assert set(STATUS) <= status.keys()
    assert set(ACCOUNT) <= status["account"].keys()
    assert set(MENTION) <= status["mentions"][0].keys()
    assert set(TAG) <= status["tags"][0].keys()
    relationship = api.get(f"/api/v1/accounts/relationships?id[]={bob.pk}").json()[0]
    assert set(RELATIONSHIP) <= relationship.keys()
    instance = Client().get("/api/v2/instance").json()
    assert set(INSTANCE) <= instance.keys()
    notification = bob_api.get("/api/v1/notifications").json()[0]
    assert set(NOTIFICATION) <= notification.keys()
    assert notification["type"] == "favourite" and notification["status"]["id"] == str(original.pk)


def test_every_entity_of_the_later_endpoints_has_the_documented_fields(world):
    alice, bob, original, api, bob_api = world
    post(bob, "more #Django")
    assert set(ACCOUNT) <= api.get(f"/api/v1/accounts/{bob.pk}/followers").json()[0].keys()
    grouped = bob_api.get("/api/v2/notifications").json()
    assert set(GROUPED_NOTIFICATIONS_RESULTS) <= grouped.keys()
    group = grouped["notification_groups"][0]
    assert set(NOTIFICATION_GROUP) <= group.keys() and group["type"] == "favourite"
    assert group["status_id"] == str(original.pk)
    assert set(ACCOUNT) <= grouped["accounts"][0].keys()
    assert set(STATUS) <= grouped["statuses"][0].keys()
    flat = bob_api.get("/api/v1/notifications").json()[0]
    assert set(NOTIFICATION) <= bob_api.get(f"/api/v1/notifications/{flat['id']}").json().keys()
    markers = api.post(
        "/api/v1/markers", {"home": {"last_read_id": "1"}}, content_type="application/json"
    ).json()
    assert set(MARKER) <= markers["home"].keys() and isinstance(markers["home"]["version"], int)
    found = api.get("/api/v2/search?q=django").json()
    assert set(SEARCH) <= found.keys()
    assert set(TAG_WITH_HISTORY) <= found["hashtags"][0].keys()
    trend = Client().get("/api/v1/trends/tags").json()[0]
    assert set(TAG_WITH_HISTORY) <= trend.keys() and set(TAG_HISTORY) <= trend["history"][0].keys()
    carol = user_create(username="carol")
    follow_create(follower=bob, followee=carol)
    # The authorize page's sidebar (token_for) cached alice's suggestions before carol was.
    cache.clear()
    suggestion = api.get("/api/v2/suggestions").json()[0]
    assert set(SUGGESTION) <= suggestion.keys() and set(ACCOUNT) <= suggestion["account"].keys()
    assert set(PREFERENCES) <= api.get("/api/v1/preferences").json().keys()
    me = api.patch(
        "/api/v1/accounts/update_credentials", {"note": "hi"}, content_type="application/json"
    ).json()
    assert set(ACCOUNT) <= me.keys() and me["source"]["note"] == "hi" and me["id"] == str(alice.pk)
    relationship = api.post(f"/api/v1/accounts/{bob.pk}/mute").json()
    assert set(RELATIONSHIP) <= relationship.keys() and relationship["muting"] is True


def test_status_content_is_escaped_html_with_links_and_ids_are_strings(world):
    _alice, bob, original, api, _ = world
    status = api.get(f"/api/v1/statuses/{original.pk}/").json()
    content = status["content"]
    assert content.startswith("<p>") and content.endswith("</p>")
    assert "<2>" not in content and "&lt;2&gt;" in content
    assert 'href="http://testserver/@alice"' in content
    assert 'href="http://testserver/hashtag/django"' in content
    assert status["id"] == str(original.pk) and status["account"]["id"] == str(bob.pk)
    assert status["favourited"] is True and status["favourites_count"] == 1
    assert status["visibility"] == "public" and status["account"]["locked"] is False
    me = api.get("/api/v1/accounts/verify_credentials").json()
    assert me["display_name"] == "Alice <b>A</b>"  # plain text, as Mastodon sends it
    avatar = Client().get(me["avatar"].replace("http://testserver", ""))
    assert avatar.status_code == 200 and avatar["Content-Type"] == "image/svg+xml"


def test_instance_v1_and_v2_carry_the_limits():
    v1 = Client().get("/api/v1/instance").json()
    v2 = Client().get("/api/v2/instance/").json()
    assert v1["configuration"]["statuses"]["max_characters"] == 280
    assert v2["configuration"]["statuses"]["max_characters"] == 280
    assert v2["configuration"]["statuses"]["max_media_attachments"] == 4
    assert v2["configuration"]["media_attachments"]["image_size_limit"] == 10 * 1024 * 1024


def test_errors_are_mastodon_shaped(world):
    _alice, _bob, original, api, _ = world
    missing = api.get("/api/v1/statuses/999999999")
    assert missing.status_code == 404 and missing.json() == {"error": "Record not found"}
    empty = api.post("/api/v1/statuses", {"status": ""})
    assert empty.status_code == 422 and set(empty.json()) == {"error"}
    too_long = api.post("/api/v1/statuses", {"status": "x" * 281})
    assert too_long.status_code == 422
    bad_id = api.get("/api/v1/timelines/home?max_id=abc")
    assert bad_id.status_code == 422
    anonymous = Client().get("/api/v1/timelines/home")
    assert anonymous.status_code == 401 and set(anonymous.json()) == {"error"}
    not_mine = api.delete(f"/api/v1/statuses/{original.pk}")
    assert not_mine.status_code == 403 and set(not_mine.json()) == {"error"}


def test_since_id_and_min_id_page_forward_with_link_headers(world):
    _alice, bob, _original, api, _ = world
    ids = [post(bob, f"number {n}").pk for n in range(6)]
    page = api.get(f"/api/v1/timelines/public?limit=2&min_id={ids[1]}")
    assert [int(s["id"]) for s in page.json()] == [ids[3], ids[2]]
    assert f"min_id={ids[3]}" in page["Link"] and f"max_id={ids[2]}" in page["Link"]
    since = api.get(f"/api/v1/timelines/public?limit=2&since_id={ids[1]}").json()
    assert [int(s["id"]) for s in since] == [ids[5], ids[4]]
    older = api.get(f"/api/v1/timelines/public?limit=2&max_id={ids[2]}").json()
    assert [int(s["id"]) for s in older] == [ids[1], ids[0]]


def test_a_reblog_wraps_the_original_and_delete_answers_the_status(world):
    alice, _bob, original, api, _ = world
    api.post(f"/api/v1/statuses/{original.pk}/reblog")
    home = api.get(f"/api/v1/accounts/{alice.pk}/statuses").json()
    assert home[0]["reblog"]["id"] == str(original.pk)
    assert home[0]["reblog"]["reblogged"] is True and home[0]["content"] == ""
    mine = api.post("/api/v1/statuses", {"status": "short-lived"}).json()
    deleted = api.delete(f"/api/v1/statuses/{mine['id']}")
    assert deleted.status_code == 200 and deleted.json()["id"] == mine["id"]
    assert api.get(f"/api/v1/statuses/{mine['id']}").status_code == 404


def test_media_ids_attach_an_upload(world):
    alice, _bob, _original, api, _ = world
    buffer = BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "PNG")
    file = SimpleUploadedFile("red.png", buffer.getvalue(), content_type="image/png")
    upload = upload_create(owner=alice, file=file, alt_text="a red box")
    status = api.post("/api/v1/statuses", {"status": "look", "media_ids[]": [upload.pk]}).json()
    attachment = status["media_attachments"][0]
    assert attachment["id"] == str(upload.pk) and attachment["type"] == "image"
    assert attachment["description"] == "a red box"
    assert attachment["meta"]["original"]["width"] == 40
