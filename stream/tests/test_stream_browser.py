"""Two browsers: one posts, the other sees "Show 1 new tweet" within 2 s and clicks it.

The pages come from pytest-django's live server (WSGI, as every browser test); the stream
from a granian ASGI process on another port (stream/tests/conftest.py), as in production
where the ASGI process serves only the stream. The page is told the stream's origin
(STREAM_URL) and the stream lets the page's origin read it (STREAM_CORS_ORIGINS); the
session cookie is the same host's, so EventSource signs in with it.

Uses the browser suite's chromium settings (twitterclone/tests/browser/conftest.py).
"""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import user_create
from social.services import follow_create
from twitterclone.tests.browser.conftest import (  # noqa: F401 (fixtures)
    artifacts_dir,
    browser_type_launch_args,
)
from twitterclone.tests.browser.test_flows import log_in, new_page

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_a_new_tweet_shows_in_the_other_browser_within_two_seconds(
    browser,
    live_server,
    stream_server_factory,
    settings,
    artifacts_dir,  # noqa: F811
):
    host = urlsplit(live_server.url).hostname
    server = stream_server_factory(STREAM_CORS_ORIGINS=live_server.url)
    settings.STREAM_URL = f"http://{host}:{server.port}"
    alice, bob = user_create(username="alice"), user_create(username="bob")
    follow_create(follower=bob, followee=alice)

    reader = new_page(browser, viewport={"width": 1200, "height": 800})
    log_in(reader, live_server, "bob")
    reader.goto(f"{live_server.url}/")
    # stream.js marks the page once the stream's first event (hello) arrived.
    expect(reader.locator("body[data-stream=live]")).to_have_count(1)
    bar = reader.get_by_role("button", name=re.compile(r"Show \d+ new tweets?"))
    expect(bar).to_be_hidden()

    writer = new_page(browser)
    log_in(writer, live_server, "alice")
    writer.goto(f"{live_server.url}/")
    writer.locator("textarea[name=content]").fill("Hello from the other browser")
    writer.get_by_role("button", name="Post").click()
    expect(writer.locator("article.tweet").first).to_contain_text("Hello from the other browser")

    expect(bar).to_have_text("Show 1 new tweet", timeout=2_000)
    reader.screenshot(path=artifacts_dir / "live-bar.png")
    bar.click()
    card = reader.locator("article.tweet").first
    expect(card).to_contain_text("Hello from the other browser")
    expect(bar).to_be_hidden()
    reader.screenshot(path=artifacts_dir / "live-new-tweet.png", full_page=True)

    # The inserted card works (htmx): the like reaches the writer's open page live, as the
    # unread badge and the tweet's like count.
    expect(writer.locator("body[data-stream=live]")).to_have_count(1)
    nav = writer.get_by_role("navigation", name="Main")
    # Bob's follow, from before the page loaded.
    expect(nav.get_by_role("link", name=re.compile(r"\b1 unread notification$"))).to_be_visible()
    card.get_by_role("button", name="Like").click()
    expect(card.get_by_role("button", name="Unlike")).to_be_visible()
    expect(nav.get_by_role("link", name=re.compile(r"\b2 unread notifications$"))).to_be_visible(
        timeout=3_000
    )
    own = writer.locator("article.tweet").first
    expect(own.locator("footer.actions .count").nth(2)).to_have_text("1", timeout=3_000)
