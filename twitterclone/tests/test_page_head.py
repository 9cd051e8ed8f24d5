"""What every page says about itself: compressed bodies, a language, a meta description.

The descriptions come from the same fields the page shows, so they follow the privacy rule:
a private profile's description names only the handle, never the bio.
"""

import gzip
import re

import pytest

from accounts.models import Privacy
from accounts.services import user_update_profile
from accounts.tests.factories import user_create
from tweets.tests.factories import post

pytestmark = pytest.mark.django_db

DESCRIPTION = re.compile(r'<meta name="description" content="([^"]*)">')


def description(response) -> str:
    (found,) = DESCRIPTION.findall(response.content.decode())
    return found


def test_html_and_json_are_gzipped_for_clients_that_ask(client):
    author = user_create(username="bob")
    tweet = post(author, "compress me " * 20)

    page = client.get("/explore", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert page["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in page["Vary"]
    html = gzip.decompress(page.content).decode()
    assert html.startswith("<!doctype html>") and '<html lang="en">' in html
    assert "compress me" in html

    api = client.get(f"/api/v1/tweets/{tweet.pk}", HTTP_ACCEPT_ENCODING="gzip")
    assert api["Content-Encoding"] == "gzip"
    assert b"compress me" in gzip.decompress(api.content)

    plain = client.get("/explore")
    assert not plain.has_header("Content-Encoding")
    assert plain.content.decode() != html  # the CSRF token is masked anew in each response
    assert DESCRIPTION.search(plain.content.decode())


def test_each_page_type_has_its_own_description(client):
    bob = user_create(username="bob", display_name="Bob Builder")
    user_update_profile(user=bob, bio="Builds things that last")
    tweet = post(bob, "Can we fix it? #building")

    pages = {
        "/": "follow people",
        "/explore": "Trending hashtags",
        "/search?q=fix": "matching “fix”",
        "/hashtag/building": "Tweets tagged #building",
        "/@bob": "Bob Builder (@bob) on twitterclone: Builds things that last",
        "/@bob/followers": "People following @bob",
        f"/@bob/status/{tweet.pk}": "Bob Builder on twitterclone: “Can we fix it? #building”",
        "/signup/": "Create a twitterclone account",
        "/login/": "Log in to twitterclone",
    }
    for path, expected in pages.items():
        text = description(client.get(path))
        assert expected in text, (path, text)


def test_a_private_profile_description_shows_no_bio(client):
    carol = user_create(username="carol", display_name="Carol Secret", privacy=Privacy.PRIVATE)
    user_update_profile(user=carol, bio="my hidden bio")

    text = description(client.get("/@carol"))
    assert text == "@carol on twitterclone: a private account."


@pytest.mark.parametrize("streaming", [False, True])
def test_server_sent_events_are_never_gzipped(rf, streaming):
    # Django's streaming gzip keeps small chunks in zlib's buffer: an event stream would stall.
    from django.http import HttpResponse, StreamingHttpResponse

    from twitterclone.compression import GZipMiddleware

    events = [f'id: {n}\nevent: tweet\ndata: {{"id": {n}}}\n\n' for n in range(100)]
    response = (
        StreamingHttpResponse(iter(events), content_type="text/event-stream")
        if streaming
        else HttpResponse("".join(events), content_type="text/event-stream")
    )
    request = rf.get("/api/v1/me/stream", HTTP_ACCEPT_ENCODING="gzip")
    answer = GZipMiddleware(lambda request: response)(request)
    assert not answer.has_header("Content-Encoding")
    body = b"".join(answer.streaming_content) if streaming else answer.content
    assert body.decode() == "".join(events)

    json = HttpResponse("x" * 1000, content_type="application/json")
    assert GZipMiddleware(lambda request: json)(request)["Content-Encoding"] == "gzip"
