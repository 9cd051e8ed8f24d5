"""The HTML tweet card cache (tweets/templatetags/tweet_ui.py `tweet_card`, issue 17).

A cached card is keyed by everything its templates read, so every change below must show
at once with the cache warm: counts, the viewer's flags, a delete, a moderator's hide, a
privacy change, a block, a new display name or avatar. Pages with the cache on, cold or
warm, equal pages with it off; each response carries its own CSRF token.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.services import user_images_set, user_update_profile
from accounts.tests.factories import user_create
from social.services import block_create, follow_create, privacy_set
from tweets.services import (
    bookmark_create,
    like_create,
    retweet_create,
    tweet_delete,
    tweet_set_hidden,
)
from tweets.templatetags.tweet_ui import CSRF_SLOT, cards
from tweets.tests.factories import post

pytestmark = pytest.mark.django_db

CSRF_TOKEN_RE = re.compile(r"[A-Za-z0-9]{64}")
CSRF_INPUT_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')


@pytest.fixture
def world(settings):
    settings.RENDER_CACHES = True
    cards.clear()
    author = user_create(username="author", display_name="Author One")
    reader = user_create(username="reader")
    stranger = user_create(username="stranger")
    follow_create(follower=reader, followee=author)
    tweet = post(author, "card words #tag @reader")
    return {"author": author, "reader": reader, "stranger": stranger, "tweet": tweet}


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _page(client: Client, path: str = "/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def _card(html: str, tweet_id: int) -> str | None:
    """The <article> of `tweet_id`'s card in `html`, or None."""
    pattern = rf'<article class="tweet[^"]*" data-tweet-id="{tweet_id}">.*?</article>'
    match = re.search(pattern, html, re.S)
    return match.group(0) if match else None


def _warm(client: Client, path: str = "/") -> str:
    _page(client, path)
    hits = cards.hits
    html = _page(client, path)
    assert cards.hits > hits  # the second render came from the cache
    return html


@pytest.mark.parametrize("who", ["reader", "author", None])
@pytest.mark.parametrize("path", ["/", "/@author"])
def test_pages_with_the_cache_cold_or_warm_equal_pages_without_it(world, settings, who, path):
    if who is None and path == "/":
        path = "/explore"
    retweet_create(user=world["reader"], tweet_id=world["tweet"].pk)
    post(world["reader"], "quoting", quote_of_id=world["tweet"].pk)
    like_create(user=world["reader"], tweet_id=world["tweet"].pk)
    user = world[who] if who else None
    settings.RENDER_CACHES = False
    off = _page(_client(user), path)
    settings.RENDER_CACHES = True
    cold = _page(_client(user), path)
    warm = _page(_client(user), path)
    assert cards.hits > 0
    for html in (cold, warm):
        assert CSRF_TOKEN_RE.sub("csrf", html) == CSRF_TOKEN_RE.sub("csrf", off)
    assert _card(off, world["tweet"].pk) is not None


def test_no_entry_holds_a_token_and_each_response_its_own(world, settings):
    reader = Client(enforce_csrf_checks=True)
    reader.force_login(world["reader"])
    other = _client(world["stranger"])
    follow_create(follower=world["stranger"], followee=world["author"])
    _warm(other)
    html = _page(reader)
    card = _card(html, world["tweet"].pk)
    tokens = CSRF_INPUT_RE.findall(card)
    assert tokens and all(CSRF_TOKEN_RE.fullmatch(token) for token in tokens)
    for entry in cards._entries.values():
        assert CSRF_SLOT in entry
        assert not CSRF_TOKEN_RE.search(entry)
    # The token a cached card carries is the reader's own: the like form it sits in works.
    response = reader.post(
        reverse("like", args=[world["tweet"].pk]), {"csrfmiddlewaretoken": tokens[0], "next": "/"}
    )
    assert response.status_code in (200, 302)
    world["tweet"].refresh_from_db()
    assert world["tweet"].like_count == 1


def test_counts_and_flags_show_at_once(world):
    client = _client(world["reader"])
    pk = world["tweet"].pk
    assert '<span class="count">0</span>' in _card(_warm(client), pk)
    like_create(user=world["stranger"], tweet_id=pk)
    card = _card(_page(client), pk)
    assert "act-like on" not in card
    like_create(user=world["reader"], tweet_id=pk)
    retweet_create(user=world["reader"], tweet_id=pk)
    bookmark_create(user=world["reader"], tweet_id=pk)
    html = _page(client)
    card = _card(html, pk)
    assert "act-like on" in card and "act-retweet on" in card and "act-bookmark on" in card
    assert re.search(r'act-like on.*?<span class="count">2</span>', card, re.S)
    assert re.search(r'act-retweet on.*?<span class="count">1</span>', card, re.S)


def test_a_deleted_tweet_leaves_at_once(world):
    client = _client(world["reader"])
    assert _card(_warm(client), world["tweet"].pk)
    tweet_delete(tweet=world["tweet"], actor=world["author"])
    assert _card(_page(client), world["tweet"].pk) is None


def test_a_hidden_tweet_leaves_at_once(world):
    client = _client(world["reader"])
    assert _card(_warm(client, "/@author"), world["tweet"].pk)
    tweet_set_hidden(tweet=world["tweet"], hidden=True)
    assert _card(_page(client, "/@author"), world["tweet"].pk) is None
    assert _card(_page(client), world["tweet"].pk) is None


def test_protecting_the_account_hides_it_from_strangers_and_locks_it_for_followers(world):
    stranger, reader = _client(world["stranger"]), _client(world["reader"])
    assert _card(_warm(stranger, "/@author"), world["tweet"].pk)
    assert "ic-lock" not in _card(_warm(reader), world["tweet"].pk)
    privacy_set(user=world["author"], privacy="protected")
    assert _card(_page(stranger, "/@author"), world["tweet"].pk) is None
    card = _card(_page(reader), world["tweet"].pk)
    assert "ic-lock" in card and "act-retweet" not in card  # no longer shareable


def test_a_block_hides_it_at_once(world):
    client = _client(world["reader"])
    assert _card(_warm(client), world["tweet"].pk)
    block_create(blocker=world["author"], blocked=world["reader"])
    html = _page(client)
    assert _card(html, world["tweet"].pk) is None
    assert "card words" not in html


def test_a_new_display_name_and_avatar_show_at_once(world):
    client = _client(world["reader"])
    assert "Author One" in _card(_warm(client), world["tweet"].pk)
    user_update_profile(user=world["author"], display_name="Renamed Author")
    card = _card(_page(client), world["tweet"].pk)
    assert "Renamed Author" in card and "Author One" not in card
    user_images_set(user=world["author"], avatar_file="avatars/new-face.png")
    assert "avatars/new-face.png" in _card(_page(client), world["tweet"].pk)


def test_the_author_sees_their_delete_button_and_others_never(world):
    author, reader = _client(world["author"]), _client(world["reader"])
    _warm(author)
    assert "act-delete" in _card(_page(author), world["tweet"].pk)
    assert "act-delete" not in _card(_warm(reader), world["tweet"].pk)
    assert "act-delete" in _card(_page(author), world["tweet"].pk)
