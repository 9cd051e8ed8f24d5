"""Accessibility: axe-core on every page type, signed in and out, at 1,280 and 390 px; the phone.

assert_accessible (conftest.py) fails on any serious or critical axe violation at both widths.
The world is made through the services so that every page has its furniture: a verified
author, a protected account, hashtags, mentions, a reply, a quote, a retweet, a like, a
notification, a bookmark, a mute, a muted word, a block and a pending follow request.
"""

import pytest

from accounts.models import Privacy
from accounts.services import user_set_verified
from accounts.tests.factories import user_create
from social.services import (
    block_create,
    follow_create,
    follow_request_approve,
    mute_create,
    muted_word_create,
)
from tweets.services import bookmark_create, like_create, retweet_create
from tweets.tests.factories import post

from .conftest import assert_accessible
from .test_flows import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def world() -> dict:
    """Make the pages' furniture; return the ids the paths need."""
    alice = user_create(username="alice", display_name="Alice Liddell", privacy=Privacy.PROTECTED)
    bob = user_create(username="bob", display_name="Bob Builder")
    user_set_verified(user=bob, verified=True)
    carol = user_create(username="carol", display_name="Carol", privacy=Privacy.PROTECTED)
    dave = user_create(username="dave", display_name="Dave")
    eve = user_create(username="eve", display_name="Eve")
    mallory = user_create(username="mallory", display_name="Mallory")

    follow_create(follower=alice, followee=bob)
    follow_create(follower=bob, followee=alice)
    follow_request_approve(owner=alice, requester=bob)
    follow_create(follower=dave, followee=alice)  # alice is protected: a pending request
    follow_create(follower=dave, followee=bob)
    original = post(bob, "Can we fix it? Yes we can! #building with @alice")
    post(bob, "A second tweet about #building, longer than the first one by a few words")
    reply = post(alice, "@bob Of course we can", reply_to_id=original.pk)
    post(alice, "Quoting the builder #building", quote_of_id=original.pk)
    post(carol, "Only for approved followers")
    retweet_create(user=alice, tweet_id=original.pk)
    like_create(user=bob, tweet_id=reply.pk)
    bookmark_create(user=alice, tweet_id=original.pk)
    mute_create(muter=alice, muted=eve)
    muted_word_create(user=alice, phrase="spoilers")
    block_create(blocker=alice, blocked=mallory)
    return {"tweet": original.pk}


PUBLIC_PATHS = [
    "/",
    "/explore",
    "/search?q=building",
    "/search?q=bob&type=people",
    "/hashtag/building",
    "/@bob",
    "/@bob/with_replies",
    "/@bob/likes",
    "/@bob/followers",
    "/@bob/following",
    "/@bob/status/{tweet}",
    "/@carol",
]
SIGNED_IN_PATHS = [
    "/notifications",
    "/bookmarks",
    "/follow-requests",
    "/settings",
    "/settings/blocks",
    "/settings/mutes",
    "/settings/muted-words",
    "/settings/notifications",
]
SIGNED_OUT_PATHS = ["/login/", "/signup/"]


def walk(page, base_url: str, paths: list[str], ids: dict) -> None:
    """Open each path (and a missing page) and check it; report every failing page at once."""
    failures = []
    for path in [*paths, "/no-such-page"]:
        url = base_url + path.format(**ids)
        response = page.goto(url)
        expected = 404 if path == "/no-such-page" else 200
        assert response.status == expected, f"{url}: {response.status}"
        try:
            assert_accessible(page)
        except pytest.fail.Exception as failure:
            failures.append(str(failure))
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)


def test_every_page_type_signed_out(page, live_server):
    walk(page, live_server.url, PUBLIC_PATHS + SIGNED_OUT_PATHS, world())


def test_every_page_type_signed_in(page, live_server):
    ids = world()
    log_in(page, live_server, "alice")
    walk(page, live_server.url, PUBLIC_PATHS + SIGNED_IN_PATHS, ids)
