"""Acceptance: the real Mastodon.py client against the live test server, through OAuth.

The test drives the authorize page (Django's test client, signed in as the user) exactly as
a person would after the client printed its authorize URL, then lets Mastodon.py do the rest
with its own parsing: a MastodonError or a missing attribute fails the test.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client
from mastodon import Mastodon

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
