"""The HTML side of media: compose with images (a plain multipart form), cards, settings."""

import re

import pytest
from django.urls import reverse

from accounts.models import Privacy
from accounts.services import user_set_active
from accounts.tests.factories import user_create
from media import processing, services
from media.models import Upload
from media.tests.conftest import stored_files
from media.tests.images import declared_bomb, jpeg, png, upload
from tweets.models import Tweet
from tweets.services import tweet_set_hidden
from tweets.tests.factories import post

pytestmark = pytest.mark.django_db


def compose(client, content="with pictures", path=None, **files):
    return client.post(path or reverse("home"), {"content": content, **files})


def test_compose_posts_two_images_with_alt_text(client, media_root):
    alice = user_create(username="alice")
    client.force_login(alice)
    response = compose(
        client,
        image_1=upload(jpeg((800, 600))),
        alt_1="A yellow sun",
        image_3=upload(png((300, 600)), "b.png", "image/png"),
        alt_3="A tall drawing",
    )
    assert response.status_code == 302
    tweet = Tweet.objects.get()
    assert [item["alt_text"] for item in tweet.media] == ["A yellow sun", "A tall drawing"]
    assert len(stored_files(media_root)) == 6

    page = client.get(reverse("home")).content.decode()
    images = re.findall(r'<img src="([^"]+)" alt="([^"]*)" width="(\d+)" height="(\d+)"', page)
    assert [(alt, w, h) for _, alt, w, h in images] == [
        ("A yellow sun", "800", "600"),
        ("A tall drawing", "300", "600"),
    ]
    assert all(src.endswith(("-p.jpg", "-p.webp")) for src, *_ in images)
    assert page.count('loading="lazy" decoding="async"') == 2
    assert 'class="media-grid media-grid-2"' in page
    assert page.count(">ALT</summary>") == 2
    detail = client.get(tweet.get_absolute_url()).content.decode()
    assert 'alt="A tall drawing"' in detail


def test_a_rejected_file_is_the_forms_error_and_nothing_is_stored(client, media_root):
    client.force_login(user_create())
    response = compose(
        client,
        image_1=upload(jpeg()),
        image_2=upload(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "x.svg", "image/svg+xml"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="image_2-errors"' in page and processing.UNSUPPORTED in page
    assert not Tweet.objects.exists() and not Upload.objects.exists()
    assert stored_files(media_root) == set()


def test_a_bomb_in_the_form_is_refused(client, media_root):
    client.force_login(user_create())
    response = compose(client, image_1=upload(declared_bomb(), "b.png", "image/png"))
    assert processing.TOO_MANY_PIXELS in response.content.decode()
    assert not Upload.objects.exists() and stored_files(media_root) == set()


def test_a_refused_tweet_leaves_no_files(client, media_root):
    client.force_login(user_create())
    response = compose(client, content="   ", image_1=upload(jpeg()))
    assert response.status_code == 200
    assert not Tweet.objects.exists() and not Upload.objects.exists()
    assert stored_files(media_root) == set()


def test_too_long_alt_text_is_the_slots_error(client, media_root):
    client.force_login(user_create())
    response = compose(client, image_2=upload(jpeg()), alt_2="x" * 1501)
    assert 'id="alt_2-errors"' in response.content.decode()
    assert services.ALT_TEXT_TOO_LONG in response.content.decode()
    assert stored_files(media_root) == set()


def test_a_reply_can_carry_an_image(client, media_root):
    alice = user_create()
    original = post(alice, "first")
    client.force_login(alice)
    response = compose(client, "reply", original.get_absolute_url(), image_1=upload(jpeg()))
    assert response.status_code == 302
    assert len(Tweet.objects.get(reply_to=original).media) == 1


def test_sensitive_images_are_behind_a_click_with_the_blurhash(client, media_root):
    client.force_login(user_create())
    compose(client, image_1=upload(jpeg()), sensitive="on")
    assert Tweet.objects.get().sensitive
    page = client.get(reverse("home")).content.decode()
    assert '<details class="media-sensitive">' in page
    assert "background-image:url('data:image/png;base64," in page


def test_protected_and_hidden_tweets_media_are_not_linked(client, media_root):
    owner = user_create(privacy=Privacy.PROTECTED)
    client.force_login(owner)
    compose(client, "protected pictures", image_1=upload(jpeg()))
    name = Tweet.objects.get().media[0]["preview"]
    stranger = user_create()
    client.force_login(stranger)
    assert name not in client.get(reverse("profile", args=[owner.username])).content.decode()

    public = user_create()
    client.force_login(public)
    compose(client, "hidden pictures", image_1=upload(jpeg()))
    hidden = Tweet.objects.get(user=public)
    tweet_set_hidden(tweet=hidden, hidden=True)
    client.force_login(stranger)
    page = client.get(reverse("profile", args=[public.username])).content.decode()
    assert hidden.media[0]["preview"] not in page and hidden.media[0]["file"] not in page

    suspended = user_create()
    client.force_login(suspended)
    compose(client, "suspended pictures #shown", image_1=upload(jpeg()))
    shown = Tweet.objects.get(user=suspended).media[0]["preview"]
    client.force_login(stranger)
    assert shown in client.get(reverse("hashtag", args=["shown"])).content.decode()
    user_set_active(user=suspended, active=False)
    assert shown not in client.get(reverse("hashtag", args=["shown"])).content.decode()


def test_settings_upload_an_avatar_shown_on_tweet_cards(client, media_root):
    alice = user_create(username="alice")
    post(alice, "my words")
    client.force_login(alice)
    response = client.post(
        reverse("settings_images"),
        {"avatar": upload(jpeg((900, 500))), "header": upload(jpeg((900, 900)))},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.avatar_file.endswith("-a.jpg") and alice.header_file.endswith("-h.jpg")
    home = client.get(reverse("home")).content.decode()
    assert f'src="/media/{alice.avatar_file}"' in home
    profile = client.get(reverse("profile", args=["alice"])).content.decode()
    assert f'class="profile-header-image" src="/media/{alice.header_file}"' in profile


def test_settings_refuses_a_bad_avatar_with_the_forms_error(client, media_root):
    alice = user_create()
    client.force_login(alice)
    response = client.post(reverse("settings_images"), {"avatar": upload(b"%PDF-1.4", "a.pdf")})
    assert response.status_code == 400
    assert processing.UNSUPPORTED in response.content.decode()
    alice.refresh_from_db()
    assert alice.avatar_file == "" and stored_files(media_root) == set()


def test_dev_serving_headers(client, media_root):
    client.force_login(user_create())
    compose(client, image_1=upload(jpeg()))
    name = Tweet.objects.get().media[0]["file"]
    response = client.get(f"/media/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == "inline"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "sandbox" in response["Content-Security-Policy"]
    for bad in ("../settings.py", "x.svg", name.replace(".jpg", ".html"), "a" * 27 + ".jpg"):
        assert client.get(f"/media/{bad}").status_code == 404
