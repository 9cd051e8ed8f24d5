"""The "Who to follow" box and the bookmark button in the browser (htmx), on a profile page.

Uses the browser suite's chromium settings (twitterclone/tests/browser/conftest.py).
"""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import user_create
from social.models import SuggestionDismissal, UserFollows
from social.services import follow_create
from tweets.models import Bookmark
from tweets.tests.factories import post
from twitterclone.tests.browser.conftest import (  # noqa: F401 (fixtures)
    artifacts_dir,
    browser_type_launch_args,
)
from twitterclone.tests.browser.test_flows import log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _log_in(page, live_server, username: str) -> None:
    page.set_default_timeout(10_000)
    log_in(page, live_server, username)


def test_follow_and_dismiss_from_the_box_on_someone_elses_profile(page, live_server):
    viewer, hub = user_create(username="viewer"), user_create(username="hub")
    first, second = user_create(username="first"), user_create(username="second")
    follow_create(follower=viewer, followee=hub)
    follow_create(follower=hub, followee=first)
    follow_create(follower=hub, followee=second)
    _log_in(page, live_server, "viewer")

    page.goto(f"{live_server.url}/@hub")
    header_count = page.locator(f".profile-head #followers-count-{hub.pk}")
    expect(header_count).to_have_text("1")
    box = page.locator(".who-to-follow")
    row = box.locator(".suggestion").filter(has_text="@first")
    row.get_by_role("button", name="Follow", exact=True).click()
    expect(row.get_by_role("button", name="Unfollow")).to_be_visible()
    # The box's follow answers the header's count out of band: it must not land on @hub's.
    expect(header_count).to_have_text("1")
    assert UserFollows.objects.filter(follower=viewer, following=first).exists()

    other = box.locator(".suggestion").filter(has_text="@second")
    other.get_by_role("button", name="Dismiss @second").click()
    expect(other).to_have_count(0)
    assert SuggestionDismissal.objects.filter(user=viewer, dismissed=second).exists()


def test_bookmark_toggle_in_place(page, live_server):
    user_create(username="reader")
    tweet = post(user_create(username="writer"), "worth keeping")
    _log_in(page, live_server, "reader")

    page.goto(f"{live_server.url}/explore")
    card = page.locator(f'article.tweet[data-tweet-id="{tweet.pk}"]')
    card.get_by_role("button", name="Bookmark", exact=True).click()
    expect(card.get_by_role("button", name="Remove bookmark")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert Bookmark.objects.filter(user__username="reader", tweet=tweet).exists()

    page.goto(f"{live_server.url}/bookmarks")
    expect(page.locator("article.tweet")).to_have_count(1)
    page.get_by_role("button", name="Remove bookmark").click()
    expect(page.get_by_role("button", name="Bookmark", exact=True)).to_be_visible()
    assert not Bookmark.objects.exists()
