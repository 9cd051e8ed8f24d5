"""What a person does in the browser: sign up, post, follow, like, requests, blocks, scrolling.

Each test drives Debian's chromium through the real pages; the data it starts from is made
through the services, and what the clicks changed is checked in the database afterwards.
"""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Privacy, User
from accounts.tests.factories import PASSWORD, user_create
from social.models import FollowRequest, UserFollows
from tweets.models import Like, Tweet
from tweets.tests.factories import post
from twitterclone.tests.api_helpers import throttle_rates

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, live_server, username: str, *, axe: bool = True) -> None:
    """Sign in through the login page; axe checks that page and the home page it lands on.

    axe is a script: a page with JavaScript off passes axe=False (the walk in
    test_accessibility.py checks the same pages with it on).
    """
    page.goto(f"{live_server.url}/login/")
    if axe:
        assert_accessible(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    if axe:
        assert_accessible(page)


def new_page(browser, **context_options):
    page = browser.new_context(**context_options).new_page()
    page.set_default_timeout(10_000)
    return page


def tweet_card(page, tweet: Tweet):
    return page.locator(f'article.tweet[data-tweet-id="{tweet.pk}"]')


def test_sign_up_and_post_a_tweet(site, live_server):
    page = site("/signup/")
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Email").fill("newcomer@example.com")
    page.get_by_label("Display name").fill("New Comer")
    page.get_by_label("Password", exact=True).fill("a-long-enough-passphrase")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert_accessible(page)

    compose = page.get_by_label("What's happening?")
    compose.fill("Hello from the browser #firstpost")
    expect(page.locator("#compose-counter")).to_contain_text(str(280 - 33))
    page.get_by_role("button", name="Post").click()

    card = page.locator("article.tweet").filter(has_text="Hello from the browser")
    expect(card).to_be_visible()
    expect(card.get_by_role("link", name="#firstpost")).to_have_attribute(
        "href", re.compile(r"/hashtag/firstpost$")
    )
    tweet = Tweet.objects.get(user__username="newcomer")
    assert tweet.hashtags == ["firstpost"]


def test_sign_up_shows_form_errors_and_creates_nobody(site):
    user_create(username="taken")
    page = site("/signup/")
    page.get_by_label("Username").fill("Taken")
    page.get_by_label("Email").fill("someone@example.com")
    page.get_by_label("Password", exact=True).fill("a-long-enough-passphrase")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("alert").filter(has_text=re.compile("taken", re.I))).to_be_visible()

    page.get_by_label("Username").fill("someone")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("alert").filter(has_text="valid email")).to_be_visible()
    assert_accessible(page)

    assert list(User.objects.values_list("username", flat=True)) == ["taken"]
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)


def test_follow_then_like_from_the_home_timeline(page, live_server):
    user_create(username="alice")
    bob = user_create(username="bob")
    tweet = post(bob, "bob's first words")
    log_in(page, live_server, "alice")

    page.goto(f"{live_server.url}/@bob")
    page.get_by_role("button", name="Follow", exact=True).click()
    expect(page.get_by_role("button", name="Unfollow")).to_be_visible()
    assert_accessible(page)
    assert UserFollows.objects.filter(follower__username="alice", following=bob).exists()

    page.get_by_role("link", name="Home").first.click()
    card = tweet_card(page, tweet)
    expect(card).to_contain_text("bob's first words")
    card.get_by_role("button", name="Like", exact=True).click()
    expect(card.get_by_role("button", name="Unlike")).to_be_visible()
    expect(card.get_by_role("button", name="Unlike")).to_have_attribute("aria-pressed", "true")
    assert_accessible(page)
    assert Like.objects.filter(user__username="alice", tweet=tweet).exists()
    tweet.refresh_from_db()
    assert tweet.like_count == 1


def test_request_to_follow_a_protected_account_and_have_it_approved(browser, live_server):
    user_create(username="alice")
    carol = user_create(username="carol", privacy=Privacy.PROTECTED)
    secret = post(carol, "only for approved followers")

    alice_page = new_page(browser)
    log_in(alice_page, live_server, "alice")
    alice_page.goto(f"{live_server.url}/@carol")
    expect(alice_page.get_by_text("only for approved followers")).to_have_count(0)
    alice_page.get_by_role("button", name="Follow", exact=True).click()
    expect(alice_page.get_by_role("button", name="Requested")).to_be_visible()
    assert FollowRequest.objects.filter(requester__username="alice", target=carol).exists()

    carol_page = new_page(browser)
    log_in(carol_page, live_server, "carol")
    carol_page.get_by_role("link", name="Follow requests").first.click()
    assert_accessible(carol_page)
    row = carol_page.locator("li, article, tr").filter(has_text="alice").first
    row.get_by_role("button", name="Approve").click()
    expect(carol_page.get_by_role("button", name="Approve")).to_have_count(0)

    alice_page.goto(f"{live_server.url}/@carol")
    expect(alice_page.get_by_role("button", name="Unfollow")).to_be_visible()
    expect(tweet_card(alice_page, secret)).to_be_visible()


def test_blocked_account_sees_not_found(browser, live_server):
    user_create(username="alice")
    user_create(username="bob")

    alice_page = new_page(browser)
    log_in(alice_page, live_server, "alice")
    alice_page.goto(f"{live_server.url}/@bob")
    alice_page.get_by_role("button", name="Block").click()
    expect(alice_page.get_by_role("button", name="Unblock")).to_be_visible()

    bob_page = new_page(browser)
    log_in(bob_page, live_server, "bob")
    response = bob_page.goto(f"{live_server.url}/@alice")
    assert response.status == 404
    assert_accessible(bob_page)
    expect(bob_page.get_by_role("button", name="Follow", exact=True)).to_have_count(0)


def test_load_more_appends_the_next_page_without_duplicates(page, live_server):
    alice = user_create(username="alice")
    bob = user_create(username="bob")
    from social.services import follow_create

    follow_create(follower=alice, followee=bob)
    tweets = [post(bob, f"numbered tweet {n:02d}") for n in range(45)]
    log_in(page, live_server, "alice")

    cards = page.locator("article.tweet")
    expect(cards).to_have_count(20)
    page.get_by_role("link", name="Load more").click()
    expect(cards).to_have_count(40)
    page.get_by_role("link", name="Load more").click()
    expect(cards).to_have_count(45)
    expect(page.get_by_role("link", name="Load more")).to_have_count(0)
    assert_accessible(page)

    shown = [int(i) for i in cards.evaluate_all("els => els.map(e => e.dataset.tweetId)")]
    assert shown == [t.pk for t in reversed(tweets)]
    assert page.url.rstrip("/") == live_server.url  # swapped in place, no navigation


def test_post_like_and_follow_with_javascript_off(browser, live_server):
    user_create(username="alice")
    bob = user_create(username="bob")
    tweet = post(bob, "readable without scripts")

    page = new_page(browser, java_script_enabled=False)
    log_in(page, live_server, "alice", axe=False)
    page.goto(f"{live_server.url}/@bob")
    page.get_by_role("button", name="Follow", exact=True).click()
    expect(page.get_by_role("button", name="Unfollow")).to_be_visible()

    card = tweet_card(page, tweet)
    card.get_by_role("button", name="Like", exact=True).click()
    expect(tweet_card(page, tweet).get_by_role("button", name="Unlike")).to_be_visible()

    page.goto(f"{live_server.url}/")
    page.get_by_label("What's happening?").fill("posted with scripts off")
    page.get_by_role("button", name="Post").click()
    expect(page.locator("article.tweet").filter(has_text="posted with scripts off")).to_be_visible()

    assert Like.objects.filter(user__username="alice", tweet=tweet).exists()
    assert Tweet.objects.filter(user__username="alice", content="posted with scripts off").exists()


def test_home_page_screenshot(page, live_server, artifacts_dir):
    from social.services import follow_create

    alice = user_create(username="alice", display_name="Alice Liddell")
    for name, text in [
        ("grace", "Compilers are just programs that write programs. #computing"),
        ("ada", "The engine weaves algebraic patterns @grace"),
        ("linus", "Talk is cheap. Show me the code. #opensource"),
    ]:
        author = user_create(username=name, display_name=name.title())
        follow_create(follower=alice, followee=author)
        post(author, text)
    log_in(page, live_server, "alice")
    page.set_viewport_size({"width": 1280, "height": 900})

    expect(page.locator("article.tweet")).to_have_count(3)
    path = artifacts_dir / "home.png"
    page.screenshot(path=path, full_page=True)
    assert path.stat().st_size > 10_000


def test_retweet_undo_and_delete_own_tweet(page, live_server):
    alice = user_create(username="alice")
    bob = user_create(username="bob")
    theirs = post(bob, "worth sharing")
    mine = post(alice, "a tweet I regret")
    log_in(page, live_server, "alice")

    page.goto(f"{live_server.url}/@bob")
    card = tweet_card(page, theirs)
    card.get_by_role("button", name="Retweet", exact=True).click()
    expect(card.get_by_role("button", name="Undo retweet")).to_be_visible()
    assert_accessible(page)
    assert Tweet.objects.filter(user=alice, original_tweet=theirs, content="").exists()
    card.get_by_role("button", name="Undo retweet").click()
    expect(card.get_by_role("button", name="Retweet", exact=True)).to_be_visible()
    assert not Tweet.objects.filter(user=alice, original_tweet=theirs).exists()

    page.goto(f"{live_server.url}/@alice")
    tweet_card(page, mine).get_by_role("button", name="Delete").click()
    expect(tweet_card(page, mine)).to_have_count(0)
    assert not Tweet.objects.filter(pk=mine.pk).exists()
    alice.refresh_from_db()
    assert alice.tweets_count == 0


def test_report_a_tweet_from_its_page(page, live_server):
    from tweets.models import Report

    user_create(username="alice")
    bob = user_create(username="bob")
    tweet = post(bob, "something against the rules")
    log_in(page, live_server, "alice")

    page.goto(f"{live_server.url}/@bob/status/{tweet.pk}")
    page.get_by_text("Report this tweet").click()
    assert_accessible(page)
    page.get_by_label("Reason").fill("Spam")
    page.get_by_role("button", name="Report").click()

    expect(page.get_by_text(re.compile("report", re.I)).first).to_be_visible()
    report = Report.objects.get(tweet=tweet)
    assert (report.reporter.username, report.reason, report.status) == ("alice", "Spam", "open")


def test_making_an_account_protected_hides_its_tweets_from_strangers(browser, live_server):
    carol = user_create(username="carol")
    tweet = post(carol, "was public until now")
    user_create(username="stranger")

    carol_page = new_page(browser)
    log_in(carol_page, live_server, "carol")
    carol_page.get_by_role("link", name="Settings").first.click()
    carol_page.get_by_label("Privacy", exact=True).select_option("protected")
    carol_page.get_by_role("button", name="Save").click()
    expect(carol_page.get_by_label("Privacy", exact=True)).to_have_value("protected")
    assert_accessible(carol_page)
    carol.refresh_from_db()
    assert carol.privacy == Privacy.PROTECTED

    stranger_page = new_page(browser)
    log_in(stranger_page, live_server, "stranger")
    stranger_page.goto(f"{live_server.url}/@carol")
    expect(stranger_page.get_by_role("button", name="Follow", exact=True)).to_be_visible()
    expect(tweet_card(stranger_page, tweet)).to_have_count(0)
    assert_accessible(stranger_page)
    response = stranger_page.goto(f"{live_server.url}/@carol/status/{tweet.pk}")
    assert response.status == 404


def test_search_finds_tweets_and_people(site):
    dana = user_create(username="dana", display_name="Dana Scully")
    tweet = post(dana, "The truth is out there #xfiles")
    page = site("/search")

    page.get_by_role("searchbox").first.fill("truth")
    page.get_by_role("button", name="Search").first.click()
    expect(tweet_card(page, tweet)).to_be_visible()

    page.get_by_role("searchbox").first.fill("dana")
    page.get_by_role("button", name="Search").first.click()
    page.get_by_role("link", name="People").click()
    expect(
        page.get_by_role("main").get_by_role("link", name=re.compile("Dana Scully"))
    ).to_be_visible()
    assert_accessible(page)


def test_a_refused_htmx_action_says_why(page, live_server, settings):
    settings.REST_FRAMEWORK = throttle_rates(write="1/h")
    user_create(username="alice")
    bob = user_create(username="bob")
    tweet = post(bob, "like me twice")
    log_in(page, live_server, "alice")

    page.goto(f"{live_server.url}/@bob")
    card = tweet_card(page, tweet)
    card.get_by_role("button", name="Like", exact=True).click()
    expect(card.get_by_role("button", name="Unlike")).to_be_visible()
    card.get_by_role("button", name="Unlike").click()  # the second write of the hour: refused

    expect(page.get_by_role("status")).to_contain_text("Too many attempts")
    assert_accessible(page)
    expect(card.get_by_role("button", name="Unlike")).to_be_visible()
    assert Like.objects.filter(user__username="alice", tweet=tweet).exists()
