"""Media in the browser: attach images with alt text, see them; an avatar; a refused file."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from accounts.tests.factories import user_create
from media import processing
from media.tests.images import jpeg, png
from tweets.models import Tweet
from tweets.tests.factories import post

from .test_flows import log_in, tweet_card

pytestmark = pytest.mark.django_db(transaction=True)


# Every image the selector finds has finished loading (successfully: a broken one has width 0).
LOADED = """selector => {
  const images = [...document.querySelectorAll(selector)];
  return images.length > 0 && images.every(img => img.complete && img.naturalWidth > 0);
}"""


def _file(name: str, data: bytes, mime: str) -> dict:
    return {"name": name, "mimeType": mime, "buffer": data}


def test_attach_two_images_with_alt_text_and_see_them(page, live_server, artifacts_dir):
    user_create(username="painter")
    page.set_default_timeout(15_000)
    log_in(page, live_server, "painter")

    page.get_by_label("What's happening?").fill("Two drawings from today")
    # compose-media.js turns the four slots into one picker.
    page.locator(".media-pick").wait_for()
    page.locator("[data-compose-media] input[type=file][multiple]").set_input_files(
        [
            _file("sun.jpg", jpeg((1200, 800)), "image/jpeg"),
            _file("tall.png", png((600, 900)), "image/png"),
        ]
    )
    expect(page.locator(".media-slot.filled")).to_have_count(2)
    expect(page.locator(".media-preview img")).to_have_count(2)
    page.get_by_label("Description of image 1 (alt text)").fill("A yellow sun over blue")
    page.get_by_label("Description of image 2 (alt text)").fill("A tall drawing with a circle")
    page.locator("form.compose").screenshot(path=artifacts_dir / "compose-with-images.png")
    page.get_by_role("button", name="Post").click()

    card = page.locator("article.tweet").filter(has_text="Two drawings from today")
    expect(card.locator(".media-cell img")).to_have_count(2)
    expect(card.get_by_alt_text("A yellow sun over blue")).to_be_visible()
    expect(card.get_by_alt_text("A tall drawing with a circle")).to_have_attribute(
        "loading", "lazy"
    )
    tweet = Tweet.objects.get(user__username="painter")
    assert [item["alt_text"] for item in tweet.media] == [
        "A yellow sun over blue",
        "A tall drawing with a circle",
    ]
    # The images really load from the media URLs (lazy: in view, then both arrive).
    card.scroll_into_view_if_needed()
    page.wait_for_function(LOADED, arg=f'article[data-tweet-id="{tweet.pk}"] .media-cell img')
    widths = card.locator(".media-cell img").evaluate_all("els => els.map(e => e.naturalWidth)")
    assert widths == [600, 400]
    card.locator(".alt-badge summary").first.click()
    expect(card.get_by_text("A yellow sun over blue", exact=True)).to_be_visible()
    card.screenshot(path=artifacts_dir / "tweet-with-images.png")

    page.goto(live_server.url + tweet.get_absolute_url())
    detail = tweet_card(page, tweet)
    expect(detail.get_by_alt_text("A tall drawing with a circle")).to_be_visible()


def test_upload_an_avatar_and_see_it_on_a_tweet_card(page, live_server):
    author = user_create(username="portrait")
    tweet = post(author, "my face, finally")
    log_in(page, live_server, "portrait")
    page.goto(f"{live_server.url}/settings")
    page.get_by_label("Profile picture", exact=True).set_input_files(
        _file("me.jpg", jpeg((900, 600)), "image/jpeg")
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("Your pictures are saved.")).to_be_visible()

    author = User.objects.get(pk=author.pk)
    assert author.avatar_file
    page.goto(live_server.url + "/")
    avatar = tweet_card(page, tweet).locator("img.avatar")
    expect(avatar).to_have_attribute("src", f"/media/{author.avatar_file}")
    page.wait_for_function(LOADED, arg=f'article[data-tweet-id="{tweet.pk}"] img.avatar')
    assert avatar.evaluate("img => img.naturalWidth") == 400


def test_a_refused_file_shows_the_form_error(page, live_server):
    user_create(username="svgfan")
    log_in(page, live_server, "svgfan")
    page.get_by_label("What's happening?").fill("A vector drawing")
    page.locator(".media-pick").wait_for()
    page.locator("[data-compose-media] input[type=file][multiple]").set_input_files(
        _file("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml")
    )
    page.get_by_role("button", name="Post").click()
    expect(page.get_by_text(processing.UNSUPPORTED)).to_be_visible()
    assert not Tweet.objects.exists()


def test_without_javascript_the_slots_post_an_image(browser, live_server):
    user_create(username="nojs")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server, "nojs", axe=False)  # axe is a script
    page.get_by_label("What's happening?").fill("Plain form, one picture")
    page.get_by_label("Image 1", exact=True).set_input_files(
        _file("a.jpg", jpeg((640, 480)), "image/jpeg")
    )
    page.get_by_label("Description of image 1 (alt text)").fill("A plain picture")
    page.get_by_role("button", name="Post").click()
    card = page.locator("article.tweet").filter(has_text="Plain form, one picture")
    expect(card.get_by_alt_text("A plain picture")).to_be_visible()
    context.close()
