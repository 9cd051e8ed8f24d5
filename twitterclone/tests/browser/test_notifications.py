"""Notifications in the browser: a like made in one session is a grouped row in another."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import user_create
from notifications.models import Notification, NotificationSettings
from tweets.services import like_create
from tweets.tests.factories import post

from .conftest import assert_accessible
from .test_flows import log_in, new_page, tweet_card

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_like_shows_as_a_grouped_row_with_a_badge(browser, live_server, artifacts_dir):
    alice = user_create(username="alice", display_name="Alice Liddell")
    user_create(username="bob", display_name="Bob")
    carl = user_create(username="carl", display_name="Carl")
    tweet = post(alice, "Curiouser and curiouser! #wonderland")
    like_create(user=carl, tweet_id=tweet.pk)

    bob_page = new_page(browser)
    log_in(bob_page, live_server, "bob")
    bob_page.goto(f"{live_server.url}/@alice")
    card = tweet_card(bob_page, tweet)
    card.get_by_role("button", name="Like").click()
    expect(card.get_by_role("button", name="Unlike")).to_be_visible()

    page = new_page(browser, viewport={"width": 1200, "height": 800})
    log_in(page, live_server, "alice")
    nav = page.get_by_role("navigation", name="Main")
    badged = re.compile(r"^Notifications\W+2 unread notifications$")
    expect(nav.get_by_role("link", name=badged)).to_be_visible()
    nav.get_by_role("link", name="Notifications").click()

    row = page.locator("li.notification").filter(has_text="liked your tweet")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Bob and 1 other liked your tweet")
    expect(row).to_have_class("notification unread")
    # Opening the page read them: the badge is gone.
    expect(nav.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    assert_accessible(page)
    path = artifacts_dir / "notifications.png"
    page.screenshot(path=path, full_page=True)
    assert path.stat().st_size > 10_000

    row.get_by_role("link", name="Bob and 1 other liked your tweet").click()
    expect(tweet_card(page, tweet)).to_be_visible()
    newest = Notification.objects.filter(recipient=alice).latest("id").pk
    assert NotificationSettings.objects.get(user=alice).last_read_id == newest
