"""Accessibility: axe-core on every page type, signed in and out, at 1,280 and 390 px; the phone.

assert_accessible (conftest.py) fails on any serious or critical axe violation at both widths.
The world is made through the services so that every page has its furniture: a verified
author, a protected account, hashtags, mentions, a reply, a quote, a retweet, a like, a
notification, a bookmark, a mute, a muted word, a block and a pending follow request.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from accounts.models import Privacy, User
from accounts.services import user_set_verified
from accounts.tests.factories import PASSWORD, user_create
from mastodon_api.oauth import application_create
from media.services import upload_create
from media.tests.images import jpeg, png
from social.models import UserFollows
from social.services import (
    block_create,
    follow_create,
    follow_request_approve,
    mute_create,
    muted_word_create,
)
from tweets.models import Like, Tweet
from tweets.services import bookmark_create, like_create, retweet_create
from tweets.tests.factories import post

from .conftest import WIDTHS, assert_accessible
from .test_flows import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


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
    # Images with alt text, and a sensitive tweet whose image waits behind a click.
    photos = [
        upload_create(
            owner=bob,
            file=SimpleUploadedFile(name, data, content_type="application/octet-stream"),
            alt_text=f"A drawing called {name}",
        )
        for name, data in (("a.jpg", jpeg((640, 480))), ("b.png", png((300, 600))))
    ]
    pictured = post(bob, "Two pictures of the site #building", media_ids=[u.pk for u in photos])
    hidden = upload_create(
        owner=bob, file=SimpleUploadedFile("c.jpg", jpeg((400, 400))), alt_text="A surprise"
    )
    post(bob, "Spoiler picture", media_ids=[hidden.pk], sensitive=True)
    app, _secret = application_create(
        name="Walk client", redirect_uris=["urn:ietf:wg:oauth:2.0:oob"]
    )
    return {"tweet": original.pk, "pictured": pictured.pk, "client_id": app.client_id}


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
    "/@bob/status/{pictured}",
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
    "/oauth/authorize?client_id={client_id}&response_type=code"
    "&redirect_uri=urn:ietf:wg:oauth:2.0:oob&scope=read+write",
]
SIGNED_OUT_PATHS = ["/login/", "/signup/"]


# Every page at the desktop and phone widths, and at the middle layout between site.css's
# two breakpoints (700 and 1000 px: the sidebar beside the column, no right rail), here a
# tablet held upright (820 CSS pixels).
WALK_WIDTHS = (*WIDTHS, 820)


def walk(page, base_url: str, paths: list[str], ids: dict) -> None:
    """Open each path (and a missing page) and check it; report every failing page at once."""
    failures = []
    for path in [*paths, "/no-such-page"]:
        url = base_url + path.format(**ids)
        response = page.goto(url)
        expected = 404 if path == "/no-such-page" else 200
        assert response.status == expected, f"{url}: {response.status}"
        try:
            assert_accessible(page, widths=WALK_WIDTHS)
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


# What "focus is visible" means here: the focused element is not the body, and it draws an
# outline of 2 px or more, or a box shadow (site.css: :focus-visible and the text fields).
FOCUS_VISIBLE = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return false;
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
    return outline || style.boxShadow !== "none";
}"""
# A short description of the focused element, for assertions and failure messages.
FOCUSED = """() => {
    const el = document.activeElement;
    return {
        tag: el.tagName.toLowerCase(),
        id: el.id,
        key: el.dataset.focusKey || "",
        name: (el.getAttribute("aria-label") || el.innerText || el.value || "").trim(),
        href: el.getAttribute("href") || "",
    };
}"""


def tab_to(page, matches, *, limit: int = 80, backwards: bool = False) -> dict:
    """Press Tab until `matches(focused)` holds; every stop on the way must show its focus."""
    key = "Shift+Tab" if backwards else "Tab"
    focused = page.evaluate(FOCUSED)
    if matches(focused):  # already there (the login form autofocuses its username)
        assert page.evaluate(FOCUS_VISIBLE), f"focus is not visible on {focused}"
        return focused
    for _ in range(limit):
        page.keyboard.press(key)
        focused = page.evaluate(FOCUSED)
        assert page.evaluate(FOCUS_VISIBLE), f"focus is not visible on {focused}"
        if matches(focused):
            return focused
    pytest.fail(f"{limit} presses of {key} never reached the element", pytrace=False)


def announced(page) -> str:
    return page.locator("#announcer").inner_text()


def test_sign_in_post_like_follow_and_open_pages_with_the_keyboard_only(page, live_server):
    alice = user_create(username="alice", display_name="Alice Liddell")
    bob = user_create(username="bob", display_name="Bob Builder")
    user_create(username="carol", display_name="Carol Ann")
    follow_create(follower=alice, followee=bob)
    bobs = post(bob, "Keyboards are fast, and so is @carol")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{live_server.url}/login/")
    assert_accessible(page)
    tab_to(page, lambda f: f["id"] == "id_username")
    page.keyboard.type("alice")
    tab_to(page, lambda f: f["id"] == "id_password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    # Post: the compose box shows its focus (it had outline: none).
    tab_to(page, lambda f: f["tag"] == "textarea")
    page.keyboard.type("Typed and posted without a mouse")
    tab_to(page, lambda f: f["name"] == "Post")
    page.keyboard.press("Enter")
    expect(page.locator("article.tweet").filter(has_text="without a mouse")).to_be_visible()
    assert Tweet.objects.filter(user=alice, content="Typed and posted without a mouse").exists()

    # Like: after htmx swaps the action bar, focus is on the new Like button, and it is said.
    like_key = f"like-{bobs.pk}"
    tab_to(page, lambda f: f["key"] == like_key)
    page.keyboard.press("Enter")
    liked = page.locator(f'[data-focus-key="{like_key}"]')
    expect(liked).to_have_attribute("aria-pressed", "true")
    expect(liked).to_be_focused()
    assert page.evaluate(FOCUS_VISIBLE)
    expect(page.locator("#announcer")).to_have_text("Liked")
    assert Like.objects.filter(user=alice, tweet=bobs).exists()

    # Follow: open @carol from the mention, follow her; focus stays on the swapped button.
    tab_to(page, lambda f: f["href"] == "/@carol", backwards=True)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/@carol")
    assert_accessible(page)
    tab_to(page, lambda f: f["name"] == "Follow")
    page.keyboard.press("Enter")
    unfollow = page.get_by_role("button", name="Unfollow")
    expect(unfollow).to_be_focused()
    assert page.evaluate(FOCUS_VISIBLE)
    expect(page.locator("#announcer")).to_have_text("Following @carol")
    assert UserFollows.objects.filter(follower=alice, following__username="carol").exists()

    # Notifications and bookmarks from the menu.
    tab_to(page, lambda f: f["href"] == "/notifications", backwards=True)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/notifications")
    assert_accessible(page)
    tab_to(page, lambda f: f["href"] == "/bookmarks")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/bookmarks")
    assert_accessible(page)


def focus_and_press(page, selector: str) -> None:
    page.locator(selector).focus()
    page.keyboard.press("Enter")


def test_focus_stays_on_the_control_after_each_htmx_swap(page, live_server):
    alice = user_create(username="alice")
    bob = user_create(username="bob")
    follow_create(follower=alice, followee=bob)
    for n in range(25):
        post(bob, f"filler {n:02d}")
    tweet = post(bob, "act on me")
    log_in(page, live_server, "alice")

    for key, state, word in [
        (f"like-{tweet.pk}", "true", "Liked"),
        (f"like-{tweet.pk}", "false", "Like removed"),
        (f"retweet-{tweet.pk}", "true", "Retweeted"),
        (f"retweet-{tweet.pk}", "false", "Retweet undone"),
        (f"bookmark-{tweet.pk}", "true", "Bookmarked"),
        (f"bookmark-{tweet.pk}", "false", "Bookmark removed"),
    ]:
        selector = f'article[data-tweet-id="{tweet.pk}"] [data-focus-key="{key}"]'
        focus_and_press(page, selector)
        control = page.locator(selector)
        expect(control).to_have_attribute("aria-pressed", state)
        expect(control).to_be_focused()
        expect(page.locator("#announcer")).to_have_text(word)

    # Mute from the card's "More" menu: the form swaps itself; focus stays on its button.
    card = page.locator(f'article[data-tweet-id="{tweet.pk}"]')
    card.locator("summary").focus()
    page.keyboard.press("Enter")
    focus_and_press(page, f'article[data-tweet-id="{tweet.pk}"] [data-focus-key="mute-{bob.pk}"]')
    expect(card.get_by_role("button", name="Unmute @bob")).to_be_focused()
    expect(page.locator("#announcer")).to_have_text("Muted @bob")

    # Load more: focus moves to the next "Load more"; on the last page, to the first new card.
    page.goto(f"{live_server.url}/@bob")
    cards = page.locator("article.tweet")
    expect(cards).to_have_count(20)
    focus_and_press(page, ".load-more a")
    expect(cards).to_have_count(26)
    first_new = cards.nth(20)
    expect(first_new.locator("a").first).to_be_focused()
    assert page.evaluate(FOCUS_VISIBLE)
    expect(page.locator("#announcer")).to_have_text("Everything is loaded")


def test_phone_layout_and_screenshots(browser, live_server, artifacts_dir):
    world()
    bob = User.objects.get(username="bob")
    for n in range(12):
        post(bob, f"A tweet to scroll past, number {n}, with #building in it")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server, "alice")

    # The top bar fits: nothing scrolls sideways, Log out is whole and on screen.
    bar = page.locator("header.sidebar")
    assert bar.evaluate("e => e.scrollWidth <= e.clientWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > 390)"
        ".map(e => [e.tagName, e.className, e.getBoundingClientRect().right])"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide
    log_out = page.get_by_role("button", name="Log out").bounding_box()
    assert log_out["x"] >= 0 and log_out["x"] + log_out["width"] <= 390
    # Each menu link has its name and a 44 px target.
    nav = page.get_by_role("navigation", name="Main")
    for name in ["Home", "Explore", "Search", "Notifications", "Profile", "Bookmarks", "Settings"]:
        box = nav.get_by_role("link", name=name).bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, (name, box)
    # Tweet actions are 44 x 44 px touch targets.
    sizes = page.locator(".actions .act").evaluate_all(
        "els => els.map(e => [e.getBoundingClientRect().width, e.getBoundingClientRect().height])"
    )
    assert sizes and all(w >= 44 and h >= 44 for w, h in sizes), sizes
    # ... and they still fit one row.
    rows = page.locator(".actions").evaluate_all(
        "els => els.map(e => new Set([...e.querySelectorAll('.act')]"
        ".map(a => Math.round(a.getBoundingClientRect().top))).size)"
    )
    assert set(rows) == {1}, rows
    # Scrolled down, the sticky title is on top of whatever is under it, not under the bar.
    page.mouse.wheel(0, 900)
    page.wait_for_function("window.scrollY > 600")
    title = page.locator("h1.page-title")
    box = title.bounding_box()
    assert box["y"] == pytest.approx(0, abs=1)
    on_top = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('h1.page-title') !== null",
        [box["x"] + 10, box["y"] + box["height"] / 2],
    )
    assert on_top
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=artifacts_dir / "home-390.png", full_page=True)

    # The profile's five tabs fit the phone's width.
    page.goto(f"{live_server.url}/@bob")
    assert_accessible(page)
    tabs = page.get_by_role("navigation", name="Profile")
    assert tabs.evaluate("e => e.scrollWidth <= e.clientWidth"), tabs.evaluate(
        "e => [e.scrollWidth, e.clientWidth]"
    )
    for name in ["Tweets", "Replies", "Likes", "Followers", "Following"]:
        expect(tabs.get_by_role("link", name=name)).to_be_in_viewport(ratio=1)
    page.screenshot(path=artifacts_dir / "profile-390.png", full_page=True)
    for name in ("home-390.png", "profile-390.png"):
        assert (artifacts_dir / name).stat().st_size > 10_000
    context.close()


def test_focus_moves_to_the_next_item_when_an_action_removes_its_own(page, live_server):
    """Deleting a tweet or answering a follow request swaps the item out with the focused
    button in it: focus goes to the next item (else the previous one, else the heading) and
    the announcer says what happened, instead of focus falling to the page body."""
    alice = user_create(username="alice", privacy=Privacy.PROTECTED)
    tweets = [post(alice, f"tweet number {n}") for n in range(3)]  # newest last
    for name in ("dan", "erin"):
        follow_create(follower=user_create(username=name), followee=alice)
    log_in(page, live_server, "alice")

    page.goto(f"{live_server.url}/@alice")
    middle = tweets[1]
    focus_and_press(page, f'article[data-tweet-id="{middle.pk}"] .act-delete')
    expect(page.locator(f'article[data-tweet-id="{middle.pk}"]')).to_have_count(0)
    expect(page.locator("#announcer")).to_have_text("Tweet deleted")
    # The card below the deleted one (the older tweet) now holds the focus, visibly.
    below = page.locator(f'article[data-tweet-id="{tweets[0].pk}"]')
    assert below.evaluate("card => card.contains(document.activeElement)")
    assert page.evaluate(FOCUS_VISIBLE)

    # The last card on the page: focus goes up to the one before it.
    focus_and_press(page, f'article[data-tweet-id="{tweets[0].pk}"] .act-delete')
    expect(below).to_have_count(0)
    expect(page.locator("#announcer")).to_have_text("Tweet deleted")
    above = page.locator(f'article[data-tweet-id="{tweets[2].pk}"]')
    assert above.evaluate("card => card.contains(document.activeElement)")

    page.goto(f"{live_server.url}/follow-requests")
    requests = page.locator("li.request")
    expect(requests).to_have_count(2)
    requests.first.get_by_role("button", name="Approve").focus()
    first_name = requests.first.locator(".handle").inner_text()
    page.keyboard.press("Enter")
    expect(requests).to_have_count(1)
    expect(page.locator("#announcer")).to_have_text(f"Request from {first_name} approved")
    assert requests.first.evaluate("item => item.contains(document.activeElement)")

    # The last request: no item is left, so the page's heading takes the focus.
    requests.first.get_by_role("button", name="Reject").focus()
    page.keyboard.press("Enter")
    expect(requests).to_have_count(0)
    focused = page.evaluate(FOCUSED)
    assert focused["tag"] in ("h1", "h2"), focused
