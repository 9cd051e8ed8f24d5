"""Acceptance: the real Mastodon.py client against the live test server, through OAuth.

The test drives the authorize page (Django's test client, signed in as the user) exactly as
a person would after the client printed its authorize URL, then lets Mastodon.py do the rest
with its own parsing: a MastodonError or a missing attribute fails the test.
"""

import re
from io import BytesIO
from urllib.parse import urlsplit

import pytest
from django.test import Client
from mastodon import Mastodon
from PIL import Image

from accounts.models import Privacy
from accounts.tests.factories import user_create
from social.services import follow_request_approve
from tweets.models import Tweet

OOB = "urn:ietf:wg:oauth:2.0:oob"
SCOPES = ["read", "write", "follow", "push"]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_THROTTLING = False


def _log_in(base_url: str, user) -> Mastodon:
    client_id, client_secret = Mastodon.create_app(
        "pytest client", scopes=SCOPES, redirect_uris=OOB, api_base_url=base_url
    )
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base_url)
    url = urlsplit(api.auth_request_url(redirect_uris=OOB, scopes=SCOPES))
    browser = Client()
    browser.force_login(user)
    page = browser.get(f"{url.path}?{url.query}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "pytest client" in html
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    done = browser.post(url.path, {**form, "allow": "Authorize"}).content.decode()
    code = re.search(r'id="authorization-code">([^<]+)<', done).group(1)
    api.log_in(code=code, redirect_uri=OOB, scopes=SCOPES)
    return api


def test_a_day_of_use_with_mastodon_py(live_server):
    alice = user_create(username="alice", display_name="Alice")
    bob = user_create(username="bob", display_name="Bob")
    carol = user_create(username="carol", privacy=Privacy.PROTECTED)
    api = _log_in(live_server.url, alice)
    bob_api = _log_in(live_server.url, bob)

    me = api.account_verify_credentials()
    assert me.username == "alice" and me.acct == "alice" and me.id == str(alice.pk)
    instance = api.instance()
    assert instance.configuration.statuses.max_characters == 280

    # Follow bob (public) and ask carol (protected).
    assert api.account_follow(bob.pk).following is True
    asked = api.account_follow(carol.pk)
    assert asked.requested is True and asked.following is False
    follow_request_approve(owner=carol, requester=alice)
    assert api.account_relationships([carol.pk])[0].following is True
    assert api.account_lookup("bob").id == str(bob.pk)

    # Bob posts; alice reads them on home with paging both ways.
    posted = [bob_api.status_post(f"bob says #hello number {n}") for n in range(5)]
    assert posted[0].visibility == "public" and posted[0].tags[0].name == "hello"
    # The same Idempotency-Key twice: one status.
    hello = bob_api.status_post("hello again", idempotency_key="k1")
    assert bob_api.status_post("hello again", idempotency_key="k1").id == hello.id
    assert Tweet.objects.filter(content="hello again").count() == 1
    first = api.timeline_home(limit=2)
    assert [s.id for s in first] == [hello.id, posted[4].id]
    older = api.fetch_next(first)
    assert [s.id for s in older] == [posted[3].id, posted[2].id]
    newer = api.fetch_previous(older)
    assert [s.id for s in newer] == [hello.id, posted[4].id]
    public = api.timeline_public(limit=3)
    assert len(public) == 3
    tagged = api.timeline_hashtag("hello")
    assert {s.id for s in tagged} >= {s.id for s in posted}

    # Favourite, reblog, bookmark, reply and the context.
    target = posted[2]
    assert api.status_favourite(target.id).favourited is True
    assert api.status_reblog(target.id).reblogged is True
    assert api.status_bookmark(target.id).bookmarked is True
    again = api.status(target.id)
    assert again.favourites_count == 1 and again.reblogs_count == 1
    reply = api.status_post("@bob nice one", in_reply_to_id=target.id)
    assert reply.in_reply_to_id == target.id and reply.mentions[0].acct == "bob"
    context = api.status_context(target.id)
    assert [s.id for s in context.descendants] == [reply.id]
    assert [s.id for s in api.status_context(reply.id).ancestors] == [target.id]
    assert api.status_unbookmark(target.id).bookmarked is False
    assert api.status_unfavourite(target.id).favourited is False

    # Bob is notified of the favourite (taken back: gone), the reblog, the reply, the follow.
    kinds = {n.type for n in bob_api.notifications()}
    assert {"reblog", "mention", "follow"} <= kinds

    statuses = api.account_statuses(bob.pk, limit=40)
    assert {s.id for s in posted} <= {s.id for s in statuses}
    api.status_delete(reply.id)
    assert api.account_unfollow(bob.pk).following is False


def _png() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (64, 64), "green").save(buffer, "PNG")
    return buffer.getvalue()


def test_the_rest_of_the_day_with_mastodon_py(live_server):
    """Follow requests answered from the other side, lists, notifications, search, markers."""
    alice = user_create(username="alice", display_name="Alice")
    bob = user_create(username="bob", display_name="Bob")
    carol = user_create(username="carol", privacy=Privacy.PROTECTED)
    api = _log_in(live_server.url, alice)
    bob_api = _log_in(live_server.url, bob)
    carol_api = _log_in(live_server.url, carol)

    # Alice asks carol (protected); carol approves from her side; bob follows alice.
    assert api.account_follow(carol.pk).requested is True
    requests = carol_api.follow_requests()
    assert [a.acct for a in requests] == ["alice"]
    assert carol_api.follow_request_authorize(alice.pk).followed_by is True
    assert api.account_relationships([carol.pk])[0].following is True
    assert carol_api.follow_requests() == []
    bob_api.account_follow(alice.pk)
    api.account_follow(bob.pk)
    assert [a.acct for a in api.account_followers(alice.pk)] == ["bob"]
    assert {a.acct for a in api.account_following(alice.pk)} == {"bob", "carol"}
    first = api.account_following(alice.pk, limit=1)
    assert len(first) == 1 and len(api.fetch_next(first)) == 1

    # Favourite, reblog, bookmark, reply; who favourited and reblogged; the lists.
    status = bob_api.status_post("a #quiet morning")
    api.status_favourite(status.id)
    api.status_reblog(status.id)
    api.status_bookmark(status.id)
    reply = api.status_post("@bob lovely", in_reply_to_id=status.id)
    assert [s.id for s in api.status_context(status.id).descendants] == [reply.id]
    assert [a.acct for a in bob_api.status_favourited_by(status.id)] == ["alice"]
    assert [a.acct for a in bob_api.status_reblogged_by(status.id)] == ["alice"]
    assert [s.id for s in api.bookmarks()] == [status.id]
    assert [s.id for s in api.favourites()] == [status.id]

    # Bob's notifications: flat, one by id, grouped, dismissed, cleared.
    flat = bob_api.notifications()
    assert {"favourite", "reblog", "mention", "follow"} <= {n.type for n in flat}
    assert bob_api.notifications(id=flat[0].id).id == flat[0].id
    grouped = bob_api.grouped_notifications()
    assert {g.type for g in grouped.notification_groups} >= {"favourite", "reblog", "follow"}
    assert str(alice.pk) in {a.id for a in grouped.accounts}
    mentions = bob_api.notifications(types=["mention"])
    assert [n.status.id for n in mentions] == [reply.id]

    # Markers: home and notifications (bob's read marker moves).
    markers = bob_api.markers_set(["home", "notifications"], [status.id, flat[0].id])
    assert markers.home.last_read_id == status.id
    read = bob_api.markers_get(["home", "notifications"])
    assert read.notifications.last_read_id == flat[0].id and read.home.version == 1
    bob_api.notifications_dismiss(flat[0].id)
    assert flat[0].id not in {n.id for n in bob_api.notifications()}
    bob_api.notifications_clear()
    assert bob_api.notifications() == []

    # Search: accounts and v2 (statuses, hashtags); trends, suggestions, preferences.
    assert [a.acct for a in api.account_search("bo")] == ["bob"]
    found = api.search_v2("quiet")
    assert status.id in {s.id for s in found.statuses}
    assert [t.name for t in api.search_v2("#quiet", result_type="hashtags").hashtags] == ["quiet"]
    assert "quiet" in {t.name for t in api.trending_tags()}
    assert isinstance(api.suggestions(), list)
    assert api.preferences()["posting:default:visibility"] == "public"
    assert api.custom_emojis() == []

    # Profile: name, note, an avatar file, locked.
    me = api.account_update_credentials(
        display_name="Alice Q",
        note="hello there",
        avatar=_png(),
        avatar_mime_type="image/png",
        locked=True,
    )
    assert me.display_name == "Alice Q" and me.locked is True
    assert "/mastodon/avatars/" not in me.avatar

    # Mute, block and their lists; remove a follower.
    assert api.account_mute(bob.pk).muting is True
    assert [a.acct for a in api.mutes()] == ["bob"]
    assert api.account_unmute(bob.pk).muting is False
    assert api.account_remove_from_followers(bob.pk).followed_by is False
    assert api.account_block(bob.pk).blocking is True
    assert [a.acct for a in api.blocks()] == ["bob"]
    assert api.account_unblock(bob.pk).blocking is False
