"""The engagement loop in the browser: mutes, muted words, folded replies, the policy, bookmarks.

Data is made through the services; each test clicks through the real pages (htmx on) and
checks both what the page shows and what the database holds afterwards.
"""

import time

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import user_create
from notifications.models import NotificationSettings
from social.models import Mute, MutedWord
from social.services import follow_create
from tweets.models import Bookmark
from tweets.services import like_create
from tweets.tests.factories import post

from .test_flows import log_in, new_page, tweet_card

pytestmark = pytest.mark.django_db(transaction=True)


def eventually(check, seconds: float = 5.0) -> None:
    """Wait until `check()` is true: the page can show a swap a moment before this thread's
    connection sees the live server's commit."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the database never reached the state the page shows"
        time.sleep(0.05)


def test_mute_from_the_profile_hides_tweets_from_home_until_unmuted_in_settings(page, live_server):
    viewer, writer = user_create(username="viewer"), user_create(username="writer")
    follow_create(follower=viewer, followee=writer)
    tweet = post(writer, "a loud opinion")
    page.set_default_timeout(10_000)
    log_in(page, live_server, "viewer")
    expect(tweet_card(page, tweet)).to_be_visible()

    page.goto(f"{live_server.url}/@writer")
    page.locator(".profile-more > summary").click()
    page.get_by_role("button", name="Mute @writer").click()
    expect(page.get_by_role("button", name="Unmute @writer")).to_be_visible()
    assert Mute.objects.filter(muter=viewer, muted=writer).exists()
    page.goto(f"{live_server.url}/")
    expect(tweet_card(page, tweet)).to_have_count(0)

    page.goto(f"{live_server.url}/settings/mutes")
    page.get_by_role("button", name="Unmute @writer").click()
    expect(page.get_by_role("button", name="Mute @writer")).to_be_visible()
    eventually(lambda: not Mute.objects.filter(muter=viewer).exists())
    page.goto(f"{live_server.url}/")
    expect(tweet_card(page, tweet)).to_be_visible()


def test_a_muted_word_hides_matching_tweets_until_removed(page, live_server):
    viewer, writer = user_create(username="viewer"), user_create(username="writer")
    follow_create(follower=viewer, followee=writer)
    spoiler = post(writer, "The butler did it #Spoilers")
    plain = post(writer, "Lovely weather")
    page.set_default_timeout(10_000)
    log_in(page, live_server, "viewer")

    page.goto(f"{live_server.url}/settings/muted-words")
    page.get_by_label("Word, phrase or #hashtag").fill("spoilers")
    page.get_by_role("button", name="Mute", exact=True).click()
    expect(page.locator(".muted-word .phrase")).to_have_text(["spoilers"])
    assert MutedWord.objects.filter(user=viewer).count() == 1

    page.goto(f"{live_server.url}/")
    expect(tweet_card(page, plain)).to_be_visible()
    expect(tweet_card(page, spoiler)).to_have_count(0)

    page.goto(f"{live_server.url}/settings/muted-words")
    page.get_by_role("button", name="Remove").click()
    expect(page.locator(".muted-word")).to_have_count(0)
    page.goto(f"{live_server.url}/")
    expect(tweet_card(page, spoiler)).to_be_visible()


def test_an_empty_muted_word_is_a_form_error_and_writes_nothing(page, live_server):
    user_create(username="viewer")
    page.set_default_timeout(10_000)
    log_in(page, live_server, "viewer")
    page.goto(f"{live_server.url}/settings/muted-words")
    page.get_by_label("Word, phrase or #hashtag").fill("   ")
    page.get_by_role("button", name="Mute", exact=True).click()
    expect(page.get_by_role("alert").first).to_be_visible()
    assert not MutedWord.objects.exists()


def test_a_reply_from_a_muted_account_is_folded_and_opens_on_click(page, live_server):
    viewer, rude = user_create(username="viewer"), user_create(username="rude")
    tweet = post(viewer, "What do you all think?")
    reply = post(rude, "@viewer nobody asked", reply_to_id=tweet.pk)
    Mute.objects.create(muter=viewer, muted=rude)
    page.set_default_timeout(10_000)
    log_in(page, live_server, "viewer")

    page.goto(f"{live_server.url}/@viewer/status/{tweet.pk}")
    fold = page.locator("details.muted-reply")
    expect(fold).to_have_count(1)
    expect(tweet_card(page, reply)).to_be_hidden()
    fold.get_by_text("Reply from a muted account: show").click()
    expect(tweet_card(page, reply)).to_be_visible()


def test_the_policy_keeps_only_notifications_from_followed_accounts(browser, live_server):
    alice, friend = user_create(username="alice"), user_create(username="friend")
    stranger = user_create(username="stranger")
    follow_create(follower=alice, followee=friend)
    tweet = post(alice, "Down the rabbit hole")
    page = new_page(browser)
    log_in(page, live_server, "alice")

    page.goto(f"{live_server.url}/settings/notifications")
    page.get_by_label("Only from people you follow").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_label("Only from people you follow")).to_be_checked()
    assert NotificationSettings.objects.get(user=alice).filter_not_following

    like_create(user=stranger, tweet_id=tweet.pk)
    post(friend, "@alice look at this")
    page.goto(f"{live_server.url}/notifications")
    rows = page.locator("li.notification")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("mentioned you")
    expect(rows.first.get_by_role("link", name="mentioned you")).to_have_attribute(
        "href", f"/@friend/status/{friend.tweets.get().pk}"
    )


def test_bookmarks_page_lists_what_was_bookmarked_and_forgets_it_on_removal(page, live_server):
    reader = user_create(username="reader")
    tweet = post(user_create(username="writer"), "worth keeping for later")
    page.set_default_timeout(10_000)
    log_in(page, live_server, "reader")

    page.goto(f"{live_server.url}/explore")
    tweet_card(page, tweet).get_by_role("button", name="Bookmark", exact=True).click()
    expect(tweet_card(page, tweet).get_by_role("button", name="Remove bookmark")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Bookmarks").click()
    card = tweet_card(page, tweet)
    expect(card).to_be_visible()

    card.get_by_role("button", name="Remove bookmark").click()
    expect(card.get_by_role("button", name="Bookmark", exact=True)).to_be_visible()
    assert not Bookmark.objects.filter(user=reader).exists()
    page.reload()
    expect(tweet_card(page, tweet)).to_have_count(0)
